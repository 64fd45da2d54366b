"""Acceptance of a gate's or a book drop's GPIO wiring on a real Pi: the
scenarios of tests/drivers/gpio and tests/edge/{gate,bookdrop} with real
pins, lights, buzzer, beams and sensors (hil_tests/README.md, "GPIO").

    SMARTLIB_HIL_GPIO=/etc/smartlib/gate.toml       the device's configuration
                                                    (role gate or bookdrop)
    SMARTLIB_HIL_GPIO_LOOPBACK=17:25,27:8           optional: output pin:input
                                                    pin pairs joined by jumpers

Run with ``-s``: some checks ask the person at the bench to walk through the
gate, put a book in the slot, or carry the secured test tag through.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.gpio import BeamPair, GpioBoard, Passage
from edge.config import load
from edge.config.models import BookdropConfig, GateConfig

WINDOW_S = 30.0
Device = Callable[[str, str], str]


def tell(message: str) -> None:
    stream = sys.__stderr__
    if stream is not None:
        stream.write(message + "\n")
        stream.flush()


def device_config(hil_device: Device) -> GateConfig | BookdropConfig:
    path = hil_device("SMARTLIB_HIL_GPIO", "the gate's or book drop's configuration file")
    device = load(path).device
    if not isinstance(device, GateConfig | BookdropConfig):
        pytest.fail(f"{path}: role {device.role}; GPIO checks are for a gate or a book drop")
    return device


def pin(value: int | str | bool) -> int | str | None:
    return None if value is False or value is True else value


async def test_output_pins_switch_the_lines_they_drive(hil_device: Device) -> None:
    """With jumpers from outputs to spare inputs, each output really drives
    its line high and low (not just the software's idea of it)."""
    device = device_config(hil_device)
    pairs = hil_device("SMARTLIB_HIL_GPIO_LOOPBACK", "output:input pin pairs joined by "
                                                     "jumpers, e.g. 17:25,27:8")
    async with GpioBoard.open(device.gpio.pin_factory) as board:
        for pair in pairs.split(","):
            out_pin, in_pin = (int(p) for p in pair.split(":"))
            output = board.output(out_pin, f"out {out_pin}")
            line = board.input(in_pin, f"in {in_pin}", pull="down", active="high")
            for _ in range(20):
                output.on()
                await line.wait_for(True, 1.0)
                output.off()
                await line.wait_for(False, 1.0)


async def test_gate_beams_tell_in_from_out(hil_device: Device) -> None:
    device = device_config(hil_device)
    if not isinstance(device, GateConfig) or not device.gate.count_visitors:
        pytest.skip("a gate configuration with count_visitors = true")
    gate = device.gate
    passages: asyncio.Queue[Passage] = asyncio.Queue()
    async with GpioBoard.open(device.gpio.pin_factory) as board:
        outer_pin, inner_pin = pin(gate.pins.beam_outer), pin(gate.pins.beam_inner)
        assert outer_pin is not None and inner_pin is not None
        outer = board.input(outer_pin, "outer", pull=gate.beam_pull,
                            active=gate.beam_broken_level, bounce_ms=gate.beam_debounce_ms)
        inner = board.input(inner_pin, "inner", pull=gate.beam_pull,
                            active=gate.beam_broken_level, bounce_ms=gate.beam_debounce_ms)
        assert not outer.active and not inner.active, "a beam is broken with nobody there"
        beams = BeamPair(outer, inner, passages.put_nowait)
        for direction in ("in", "out", "in"):
            tell(f"Walk through the gate {'INTO' if direction == 'in' else 'OUT OF'} the "
                 f"library now ({WINDOW_S:.0f} s)")
            passage = await asyncio.wait_for(passages.get(), WINDOW_S)
            assert (passage.direction, passage.count) == (direction, 1)
        beams.close()


async def test_gate_lights_and_buzzer(hil_device: Device) -> None:
    device = device_config(hil_device)
    if not isinstance(device, GateConfig):
        pytest.skip("a gate configuration")
    from drivers.gpio import PATTERNS

    gate = device.gate
    async with GpioBoard.open(device.gpio.pin_factory) as board:
        for name in ("red", "green", "buzzer"):
            where = pin(getattr(gate.pins, name))
            if where is None:
                continue
            output = board.output(where, name, active_high=not gate.outputs_active_low)
            tell(f"The {name} {'sounds' if name == 'buzzer' else 'light is on'} for 2 s")
            output.signal(2.0, PATTERNS[gate.buzzer_pattern] if name == "buzzer"
                          else PATTERNS["steady"])
            await output.wait_idle()
            assert not output.is_on


async def test_a_secured_tag_carried_through_the_gate_alarms_once(hil_device: Device) -> None:
    """The whole gate service on the real reader and pins, with a scratch
    store: carry the secured test tag through once."""
    device = device_config(hil_device)
    if not isinstance(device, GateConfig):
        pytest.skip("a gate configuration")
    from drivers.rfid import make_reader
    from edge.gate.service import GateService
    from edge.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "device.db", timezone=device.library.timezone)
        board = GpioBoard.open(device.gpio.pin_factory)
        service = GateService(device, store, make_reader(device.reader.url), board)
        task = asyncio.create_task(service.run())
        try:
            tell(f"Carry the SECURED test tag through the gate once ({WINDOW_S:.0f} s)")
            async with asyncio.timeout(WINDOW_S):
                while service.alarms == 0:  # noqa: ASYNC110 - the person walks
                    await asyncio.sleep(0.1)
            await asyncio.sleep(3 * device.gate.alarm_duration_s)
            assert service.alarms == 1, "one pass, one alarm"
        finally:
            service.request_stop()
            await task
            await board.close()
            store.close()


async def test_book_drop_slot_and_bin_sensors(hil_device: Device) -> None:
    device = device_config(hil_device)
    if not isinstance(device, BookdropConfig) or device.bookdrop.sorter == "mcu":
        pytest.skip("a book drop configuration with sensors on the Pi's pins")
    section = device.bookdrop
    async with GpioBoard.open(device.gpio.pin_factory) as board:
        slot_pin = pin(section.pins.slot)
        if slot_pin is not None:
            slot = board.input(slot_pin, "slot", pull=section.sensor_pull,
                               active=section.sensor_active_level)
            assert not slot.active, "the slot sensor sees an item in an empty chute"
            tell(f"Put a book into the slot ({WINDOW_S:.0f} s)")
            await slot.wait_for(True, WINDOW_S)
        for spec in section.bins:
            where = pin(spec.full_pin)
            if where is None:
                continue
            line = board.input(where, spec.name, pull=section.sensor_pull,
                               active=section.sensor_active_level)
            assert not line.active, f"bin {spec.name} reads full while empty"
            tell(f"Trip bin {spec.name}'s full sensor ({WINDOW_S:.0f} s)")
            await line.wait_for(True, WINDOW_S)
        for spec in section.bins:
            where = pin(spec.diverter_pin)
            if where is not None:
                tell(f"Diverter {spec.name} moves for 1 s")
                await board.output(where, spec.name,
                                   active_high=not section.outputs_active_low).pulse(1.0)


def test_hil_gpio_variables_are_documented() -> None:
    text = (Path(__file__).with_name("README.md")).read_text(encoding="utf-8")
    for variable in ("SMARTLIB_HIL_GPIO", "SMARTLIB_HIL_GPIO_LOOPBACK", "SMARTLIB_HIL_MCU"):
        assert variable in text
