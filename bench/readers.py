"""Reader benchmarks (docs/performance.md, section "Readers").

1. Software overhead of the FEIG driver, timing model off. A replay device
   on a socat pty pair answers each request with the bytes the FEIG
   emulator gave for it, so the device side costs the same in both runs:

   * bare: write each request frame on the pty and read its reply, nothing else;
   * driver: the same frames through ``FeigReader`` (worker thread, pyserial,
     frame codec, status handling, parsing).

   overhead per operation = driver time - bare time for the same frames.
   Target: <= 2 ms per tag operation.

2. A stack of 10 books, timing model on: the FEIG emulator waits the ISO
   15693 air time of each command; the driver does one inventory and reads
   each tag's 28 blocks (and, in a second run, asks each tag's system
   information first, as a pad does for an unknown chip). Compared with the
   air-time floor (one inventory round with a slot per tag, one Read Multiple
   Blocks per tag). Target: within 1.5x of the floor.

    .venv/bin/python bench/readers.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import tty
from pathlib import Path

from drivers.rfid.feig.driver import FeigReader
from drivers.rfid.feig.frames import FrameSplitter
from drivers.rfid.iso15693 import AirTiming
from drivers.rfid.url import open_reader
from drivers.sim.feig import FeigEmulator
from drivers.sim.library import demo_tags
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad


class PtyPair:
    def __init__(self, directory: Path) -> None:
        self.host, self.device = str(directory / "host"), str(directory / "device")
        socat = shutil.which("socat")
        if socat is None:
            raise SystemExit("socat is needed (apt install socat)")
        self.process = subprocess.Popen(
            [socat, f"pty,raw,echo=0,link={self.host}", f"pty,raw,echo=0,link={self.device}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not (os.path.exists(self.host) and os.path.exists(self.device)):
            time.sleep(0.01)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


class ReplayDevice(threading.Thread):
    """Answers each request frame with a recorded reply, at once."""

    def __init__(self, path: str, replies: dict[bytes, bytes]) -> None:
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.replies = replies

    def run(self) -> None:
        splitter = FrameSplitter()
        while True:
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            if not data:
                return
            for frame in splitter.feed(data):
                os.write(self.fd, self.replies[frame])


def bare_round_trips(path: str, exchanges: list[tuple[bytes, bytes]], rounds: int) -> float:
    """Seconds per round of writing each request and reading its reply."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    times = []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            for request, reply in exchanges:
                os.write(fd, request)
                got = 0
                while got < len(reply):
                    got += len(os.read(fd, len(reply) - got))
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
    return statistics.median(times)


def _pairs(log: list[tuple[str, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(log[i][1], log[i + 1][1]) for i in range(0, len(log), 2)]


async def record(pair: PtyPair, pad: VirtualPad, everything: dict[bytes, bytes]
                 ) -> dict[str, list[tuple[bytes, bytes]]]:
    """The frames of each operation, from a run against the FEIG emulator
    (``everything`` collects every request and reply seen)."""
    emulator = FeigEmulator(pad)
    endpoint = await PtyEndpoint(emulator, pair.device).start()
    uid = pad.tags[0].uid
    operations: dict[str, list[tuple[bytes, bytes]]] = {}
    try:
        reader = await open_reader(f"feig://{pair.host}?gap_ms=0")
        try:
            await reader.system_info(uid)
            for name, call in (("inventory (10 tags)", reader.inventory),
                               ("read 28 blocks", lambda: reader.read_blocks(uid, 0, 28)),
                               ("write 2 blocks + verify",
                                lambda: reader.write_blocks(uid, 20, b"12345678"))):
                everything.update(_pairs(emulator.log))
                emulator.log.clear()
                await call()  # type: ignore[operator]
                operations[name] = _pairs(emulator.log)
        finally:
            await reader.close()
    finally:
        await endpoint.close()
    everything.update(_pairs(emulator.log))
    return operations


async def driver_times(pair: PtyPair, uid: bytes, rounds: int) -> dict[str, float]:
    reader = await open_reader(f"feig://{pair.host}?gap_ms=0")
    assert isinstance(reader, FeigReader)
    await reader.system_info(uid)
    calls = {"inventory (10 tags)": reader.inventory,
             "read 28 blocks": lambda: reader.read_blocks(uid, 0, 28),
             "write 2 blocks + verify": lambda: reader.write_blocks(uid, 20, b"12345678")}
    out = {}
    try:
        for name, call in calls.items():
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                await call()  # type: ignore[operator]
                times.append(time.perf_counter() - start)
            out[name] = statistics.median(times)
    finally:
        await reader.close()
    return out


async def overhead(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pair = PtyPair(Path(tmp))
        try:
            pad = VirtualPad()
            for tag in demo_tags()[:10]:
                pad.place(tag)
            replies: dict[bytes, bytes] = {}
            operations = await record(pair, pad, replies)
            device = ReplayDevice(pair.device, replies)
            device.start()
            uid = pad.tags[0].uid
            driver = await driver_times(pair, uid, rounds)
            print("Software overhead of the FEIG driver over a pty (timing model off, "
                  f"median of {rounds})")
            print(f"{'operation':<26}{'frames':>7}{'bare pty':>12}{'driver':>12}"
                  f"{'overhead':>12}{'ratio':>8}")
            for name, frames in operations.items():
                bare = await asyncio.to_thread(bare_round_trips, pair.host, frames, rounds)
                ms = driver[name] * 1000
                print(f"{name:<26}{len(frames):>7}{bare * 1000:>10.3f}ms{ms:>10.3f}ms"
                      f"{(driver[name] - bare) * 1000:>10.3f}ms{driver[name] / bare:>8.2f}")
            os.close(device.fd)
        finally:
            pair.close()


async def stack(rounds: int) -> None:
    from drivers.rfid.iso15693 import UID_LENGTH
    from drivers.sim.pad import SYSTEM_INFO_BYTES

    timing = AirTiming()
    floor = timing.stack_read_floor_s(10, 28, 4)
    info_floor = floor + 10 * timing.exchange_s(2 + UID_LENGTH, SYSTEM_INFO_BYTES)
    with tempfile.TemporaryDirectory() as tmp:
        pair = PtyPair(Path(tmp))
        pad = VirtualPad(timing)
        for tag in demo_tags()[:10]:
            pad.place(tag)
        endpoint = await PtyEndpoint(FeigEmulator(pad), pair.device).start()
        try:
            print()
            print(f"A stack of 10 books (timing model on, ICODE SLIX 28 x 4 bytes, "
                  f"median of {rounds})")
            print(f"air-time floor: one 16-slot round, 10 x Read Multiple Blocks: "
                  f"{floor * 1000:.1f} ms; with 10 x Get System Information: "
                  f"{info_floor * 1000:.1f} ms")
            runs = (("inventory + read 28 blocks each", "", False, floor),
                    ("same, ont=clear", "&ont=clear", False, floor),
                    ("inventory + system info + read each", "", True, info_floor))
            for label, options, with_info, base in runs:
                reader = await open_reader(f"feig://{pair.host}?gap_ms=0{options}")
                times = []
                try:
                    for _ in range(rounds):
                        start = time.perf_counter()
                        for tag in await reader.inventory():
                            if with_info:
                                await reader.system_info(tag.uid)
                            await reader.read_blocks(tag.uid, 0, 28)
                        times.append(time.perf_counter() - start)
                finally:
                    await reader.close()
                took = statistics.median(times)
                print(f"{label:<40}{took * 1000:>9.1f} ms  {took / base:.2f}x its floor")
        finally:
            await endpoint.close()
            pair.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--stack-rounds", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(overhead(args.rounds))
    asyncio.run(stack(args.stack_rounds))


if __name__ == "__main__":
    main()
