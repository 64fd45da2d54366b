"""``smartlib gate``: run the security gate, or test its lights, buzzer,
beams and reader after installation."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from edge.cli.common import add_json, fail, print_json
from edge.cli.service import (
    config_arg,
    load_role,
    open_device_store,
    open_gpio_board,
    serve_until_stopped,
)
from edge.errors import ExitCode
from edge.i18n import N_, _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers
    from edge.config import LoadedConfig
    from edge.config.models import GateConfig


#: What the installer reads for each part (the JSON report keeps the keys).
LABELS = {"red": N_("red light"), "green": N_("green light"), "buzzer": N_("buzzer"),
          "outer": N_("outer"), "inner": N_("inner")}


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "gate", help=_("run the RFID security gate, or test its hardware"),
        description=_("Run the security gate: it inventories the gate's antennas without "
                      "pause, sounds the alarm (red light, buzzer) once per pass when a "
                      "secured item goes through, records a gate_alarm event with the item, "
                      "counts visitors with the beams, and reports its health to the agent. "
                      "Runs until SIGTERM or Ctrl-C."))
    config_arg(parser)
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"))
    test = actions.add_parser(
        "test", help=_("switch each light and the buzzer, read the beams and the reader"),
        description=_("Installation test: the red light, the green light and the buzzer "
                      "each come on for a moment (watch and listen), the beams' states are "
                      "read, and the reader lists the tags in the gate with the verdict the "
                      "gate would give. Exit code 1 if a beam is broken, 3 if the reader or "
                      "the GPIO cannot be reached."))
    config_arg(test, argparse.SUPPRESS)
    test.add_argument("--seconds", type=float, default=1.0,
                      help=_("how long each output stays on (default 1)"))
    add_json(test)
    test.set_defaults(handler=_test)
    parser.set_defaults(handler=_run)


def _gate(args: argparse.Namespace) -> tuple[LoadedConfig, GateConfig]:
    from edge.config.models import GateConfig

    loaded = load_role(args, "gate")
    assert isinstance(loaded.device, GateConfig)
    return loaded, loaded.device


def _run(args: argparse.Namespace) -> int:
    loaded, device = _gate(args)
    return asyncio.run(_serve(loaded, device))


async def _serve(loaded: LoadedConfig, device: GateConfig) -> int:
    from drivers.gpio import GpioError
    from drivers.rfid import ReaderConfigError, make_reader
    from edge.gate.service import GateService

    try:
        reader = make_reader(device.reader.url)
    except ReaderConfigError as exc:
        return fail(_("reader URL {url}: {error}").format(url=device.reader.url, error=exc),
                    ExitCode.USAGE)
    board = open_gpio_board(device.gpio.pin_factory)
    if isinstance(board, int):
        return board
    store = await open_device_store(loaded)
    try:
        service = GateService(device, store, reader, board)
        await serve_until_stopped(service.run, service.request_stop)
    except GpioError as exc:
        return fail(_("GPIO: {error}").format(error=exc), ExitCode.USAGE)
    finally:
        await board.close()
        store.close()
    return int(ExitCode.OK)


def _test(args: argparse.Namespace) -> int:
    device = _gate(args)[1]
    return asyncio.run(_hardware_test(args, device))


async def _hardware_test(args: argparse.Namespace, device: GateConfig) -> int:
    from drivers.gpio import PATTERNS, GpioError
    from edge.gate.service import pin

    board = open_gpio_board(device.gpio.pin_factory)
    if isinstance(board, int):
        return board
    gate = device.gate
    report: dict[str, Any] = {"outputs": {}, "beams": {}}
    code = ExitCode.OK
    say = (lambda text: None) if args.json else print
    try:
        for name, where in (("red", gate.pins.red), ("green", gate.pins.green),
                            ("buzzer", gate.pins.buzzer)):
            at = pin(where)
            if at is None:
                report["outputs"][name] = "not fitted"
                continue
            output = board.output(at, name, active_high=not gate.outputs_active_low)
            say(_("{name} (pin {pin}): on for {seconds} s").format(
                name=_(LABELS[name]), pin=at, seconds=args.seconds))
            output.signal(args.seconds, PATTERNS[gate.buzzer_pattern] if name == "buzzer"
                          else PATTERNS["steady"])
            await output.wait_idle()
            report["outputs"][name] = f"pin {at}"
        for name, where in (("outer", gate.pins.beam_outer), ("inner", gate.pins.beam_inner)):
            at = pin(where)
            if at is None:
                continue
            line = board.input(at, f"{name} beam", pull=gate.beam_pull,
                               active=gate.beam_broken_level)
            broken = line.active
            report["beams"][name] = "broken" if broken else "clear"
            say(_("{name} beam (pin {pin}): {state}").format(
                name=_(LABELS[name]), pin=at, state=_("BROKEN (blocked or misaligned)") if broken
                else _("clear")))
            if broken:
                code = ExitCode.FAILED
    except GpioError as exc:
        return fail(_("GPIO: {error}").format(error=exc), ExitCode.USAGE)
    finally:
        await board.close()
    reader_code, report["tags"] = await _reader_check(device, say)
    code = max(code, reader_code)
    if args.json:
        print_json(report | {"ok": code == ExitCode.OK})
    return int(code)


async def _reader_check(device: GateConfig, say: Any) -> tuple[ExitCode, list[dict[str, Any]]]:
    from drivers.rfid import ReaderError, TransportError, open_reader
    from drivers.tags.security import SecurityPolicy
    from edge.gate.detector import Detector, DetectorOptions

    tags = device.tags
    policy = SecurityPolicy(tags.afi_secured, tags.afi_on_loan, tags.use_afi, tags.use_eas)
    try:
        reader = await open_reader(device.reader.url)
    except ReaderError as exc:
        fail(_("cannot reach the reader {url}: {error}").format(url=device.reader.url,
                                                                 error=exc), ExitCode.UNAVAILABLE)
        return ExitCode.UNAVAILABLE, []
    found: list[dict[str, Any]] = []
    try:
        # every tag, not only secured ones, so the installer sees books on loan too
        detector = Detector(reader, policy, DetectorOptions(afi_filter=False, eas_grace_polls=1))
        result = await detector.poll()
        alarmed = {d.uid for d in result.new}
        for tag in await reader.inventory():
            verdict = "alarm" if tag.uid in alarmed else "pass"
            found.append({"uid": tag.uid_hex, "antenna": tag.antenna, "gate": verdict})
            say(_("tag {uid} on antenna {antenna}: {verdict}").format(
                uid=tag.uid_hex, antenna=tag.antenna,
                verdict=_("ALARM (secured)") if verdict == "alarm" else _("passes")))
        if not found:
            say(_("reader {url}: connected, no tag in the field").format(url=device.reader.url))
    except TransportError as exc:
        fail(_("the reader {url} stopped answering: {error}").format(url=device.reader.url,
                                                                      error=exc),
             ExitCode.UNAVAILABLE)
        return ExitCode.UNAVAILABLE, found
    except ReaderError as exc:
        fail(_("reader error: {error}").format(error=exc), ExitCode.FAILED)
        return ExitCode.FAILED, found
    finally:
        await reader.close()
    return ExitCode.OK, found
