"""Security gate benchmarks (docs/performance.md, section "Security gate").

All through the real FEIG driver over a socat pty pair, in one run:

1. **Bare inventory round trip** (the baseline): a replay device answers the
   gate's inventory request (with the AFI filter, empty field) with the
   bytes the FEIG emulator gave for it; the bench writes the request and
   reads the reply on the pty, nothing else. Then the same inventory through
   the driver against the emulator.
2. **Classification throughput**: the gate's detector polling the emulator
   while people walk through with books: every poll finds a fresh group of
   tags (half secured, half on loan; AFI filter off so that every tag is
   judged, and on, the default, where books on loan do not answer). Tags
   judged per second, and the time per judged tag beside the bare round trip.
3. **Alarm latency**: the whole gate service (GPIO on gpiozero's mock pins, a
   real store) with a secured tag put into the field at a random moment;
   the time until the red light's pin goes high, timing model off (software
   only) and on (the emulator waits the ISO 15693 air time of each command).

    .venv/bin/python bench/gate.py [--seconds 5] [--trials 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.gpio import GpioBoard
from drivers.rfid import make_reader, open_reader
from drivers.rfid.iso15693 import AirTiming
from drivers.sim.feig import FeigEmulator
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad
from drivers.sim.tags import SimTag
from drivers.tags.security import SecurityPolicy
from edge.config.models import GateConfig
from edge.gate.detector import Detector, DetectorOptions
from edge.gate.service import GateService
from edge.store import open_store

try:  # run as a script (python bench/gate.py) or as a module
    from bench.readers import PtyPair, ReplayDevice, bare_round_trips
except ImportError:
    from readers import PtyPair, ReplayDevice, bare_round_trips  # type: ignore[no-redef]

SECURED, ON_LOAN = 0x07, 0xC2


def tag(n: int, afi: int) -> SimTag:
    return SimTag(bytes.fromhex("E0040150") + n.to_bytes(4, "big"), afi=afi, eas=afi == SECURED)


async def baseline(pair: PtyPair, rounds: int) -> tuple[float, float]:
    """(bare pty round trip, driver round trip) of the gate's empty-field
    inventory with the AFI filter."""
    pad = VirtualPad()
    emulator = FeigEmulator(pad)
    endpoint = await PtyEndpoint(emulator, pair.device).start()
    reader = await open_reader(f"feig://{pair.host}?gap_ms=0")
    try:
        await reader.inventory(SECURED)  # the filter written to CFG4
        emulator.log.clear()
        await reader.inventory(SECURED)
        exchanges = [(emulator.log[i][1], emulator.log[i + 1][1])
                     for i in range(0, len(emulator.log), 2)]
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            await reader.inventory(SECURED)
            times.append(time.perf_counter() - start)
        driver = statistics.median(times)
    finally:
        await reader.close()
        await endpoint.close()
    device = ReplayDevice(pair.device, dict(exchanges))
    device.start()
    try:
        bare = await asyncio.to_thread(bare_round_trips, pair.host, exchanges, rounds)
    finally:
        os.close(device.fd)
    return bare, driver


async def throughput(pair: PtyPair, seconds: float, afi_filter: bool,
                     group: int) -> tuple[float, float, int]:
    """(tags judged per second, polls per second, tags judged)."""
    pad = VirtualPad()
    endpoint = await PtyEndpoint(FeigEmulator(pad), pair.device).start()
    reader = await open_reader(f"feig://{pair.host}?gap_ms=0")
    detector = Detector(reader, SecurityPolicy(),
                        DetectorOptions(rearm_after_s=0.5, afi_filter=afi_filter))
    serial = 0
    try:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            pad.clear()  # the last group has walked out, the next walks in
            for i in range(group):
                serial += 1
                pad.place(tag(serial, SECURED if i % 2 == 0 else ON_LOAN))
            await detector.poll()
        took = time.perf_counter() - start
    finally:
        await reader.close()
        await endpoint.close()
    return detector.classified / took, detector.polls / took, detector.classified


async def until(check: Callable[[], bool], step_s: float) -> None:
    """Wait for a mock pin's state (output pins have no change callback;
    the pin's own timestamp, not this loop, gives the time)."""
    while not check():  # noqa: ASYNC110
        await asyncio.sleep(step_s)


def gate_config(tmp: Path, url: str, poll_interval_s: float) -> GateConfig:
    return GateConfig.model_validate({
        "role": "gate", "site": "bench", "device": "gate-01",
        "library": {"isil": "VN-TVTPHN", "name": "bench"},
        "store": {"path": str(tmp / "device.db")},
        "reader": {"url": url, "poll_interval_s": poll_interval_s},
        "gpio": {"pin_factory": "mock"},
        "gate": {"alarm_duration_s": 0.05, "rearm_after_s": 0.5, "count_visitors": False},
    })


async def latency(pair: PtyPair, tmp: Path, trials: int, timing: bool,
                  poll_interval_s: float) -> list[float]:
    """Seconds from a secured tag entering the field to the red light on."""
    from gpiozero.pins.mock import MockFactory

    pad = VirtualPad(AirTiming() if timing else None)
    endpoint = await PtyEndpoint(FeigEmulator(pad), pair.device).start()
    config = gate_config(tmp, f"feig://{pair.host}?gap_ms=0", poll_interval_s)
    store = open_store(config.store.path)
    factory = MockFactory()
    board = GpioBoard(factory)
    service = GateService(config, store, make_reader(config.reader.url), board)
    task = asyncio.create_task(service.run())
    red: Any = factory.pin(17)
    rng = random.Random(15693)
    out = []
    try:
        await until(lambda: service.reader.state.value == "connected"
                    and bool(factory.pin(27).state), 0.01)
        for n in range(trials):
            await asyncio.sleep(rng.uniform(0.0, 0.04))  # any moment within a poll cycle
            red.clear_states()
            entered = time.monotonic()
            sim = pad.place(tag(10_000 + n, SECURED))
            await until(lambda: bool(red.state), 0.0005)
            lit = red._last_change  # when the mock pin went high (monotonic)
            out.append(lit - entered)
            pad.remove(sim.uid)
            await until(lambda: not red.state, 0.005)
    finally:
        service.request_stop()
        await task
        await board.close()
        factory.close()
        store.close()
        await endpoint.close()
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main_async(seconds: float, trials: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "baseline").mkdir()
        (Path(tmp) / "gate").mkdir()
        first = PtyPair(Path(tmp) / "baseline")  # the replay device's own cable
        try:
            bare, driver = await baseline(first, rounds)
        finally:
            first.close()
        pair = PtyPair(Path(tmp) / "gate")
        try:
            print(f"Gate inventory, empty field, AFI filter (median of {rounds}):")
            print(f"  bare pty round trip (replayed reply)   {_ms(bare)}")
            print(f"  through the driver, FEIG emulator      {_ms(driver)}  "
                  f"({driver / bare:.1f}x bare)")
            print()
            print(f"Classification, {seconds:.0f} s each, groups of tags walking through "
                  "(half secured, half on loan), timing model off:")
            for group in (2, 6):
                for afi_filter in (False, True):
                    rate, polls, judged = await throughput(pair, seconds, afi_filter, group)
                    per_tag = 1 / rate if rate else float("nan")
                    label = "AFI filter on " if afi_filter else "AFI filter off"
                    print(f"  {group} tags per group, {label}: {rate:7.0f} tags judged/s "
                          f"({polls:5.0f} polls/s, {judged} judged); "
                          f"{_ms(per_tag)} per tag = {per_tag / bare:.1f}x the bare round trip")
            print()
            air = AirTiming()
            empty = air.inventory_s([0] * 16, with_afi=True) + air.exchange_s(2, 1)
            floor = (air.inventory_s([1] + [0] * 15, with_afi=True) + air.exchange_s(2, 1)
                     + air.exchange_s(2 + 8, 15))
            for timing, poll_s in ((False, 0.001), (False, 0.02), (True, 0.02)):
                values = await latency(pair, Path(tmp) / f"{timing}-{poll_s}", trials, timing,
                                       poll_s)
                label = "timing model on " if timing else "timing model off"
                print(f"Alarm latency, tag enters the field -> red light on, poll interval "
                      f"{poll_s * 1000:g} ms, {label} ({trials} trials):")
                print(f"  median {_ms(statistics.median(values))}, p95 "
                      f"{_ms(_percentile(values, 0.95))}, max {_ms(max(values))}, min "
                      f"{_ms(min(values))}; median = {statistics.median(values) / bare:.0f}x "
                      "the bare inventory round trip")
                if timing and poll_s == 0.02:
                    print(f"  air-time floor (the tag answers the very next inventory, then its "
                          f"system information): {_ms(floor)}; with the tag arriving at a "
                          f"random moment of a {_ms(empty + 0.02)} cycle (empty inventory, "
                          f"reset to ready, 20 ms pause), on average "
                          f"{_ms(floor + (empty + 0.02) / 2)}")
        finally:
            pair.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main_async(args.seconds, args.trials, args.rounds))


if __name__ == "__main__":
    main()
