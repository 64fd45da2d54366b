"""Time to check out a stack of 10 books, beside its floor measured in the
same run.

Peers, each in its own process, on loopback: the demo ILS (``smartlib
ils-sim``) and the simulated hardware (``smartlib reader simulate
--timing``: a FEIG reader emulator that answers after the ISO 15693 air time
of each command). The circulation service runs here, as a kiosk would, with
a real store file (WAL, synchronous=FULL).

Measured per round (ten demo books, ICODE SLIX 28 x 4 bytes):

* *stack + checkout*: from the books landing on the pad to the last one
  checked out: inventory, read, decode, titles from the ILS (title cache
  emptied before each round), the journal, the ILS checkouts, the AFI
  writes and their read-back;
* *checkout*: the ``checkout()`` call alone, on a stack already read.

Floor, in the same run: air time (the reader's timing model: one inventory
round, a Read Multiple Blocks of 28 blocks, a Write AFI and a Get System
Information read-back per book) plus the bare ILS round trips (a plain
socket client sending the same SIP2 requests, pre-encoded, to the same
server: an Item Information and a Checkout per book), added up.

    .venv/bin/python bench/circulation.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.rfid.iso15693 import UID_LENGTH, AirTiming
from drivers.sim.library import load_demo_library
from drivers.sim.pad import SYSTEM_INFO_BYTES
from drivers.sim.server import control
from drivers.sip2 import requests
from drivers.sip2.codec import encode
from drivers.sip2.fields import SipDate

CONFIG = """
role = "kiosk"
site = "bench"
device = "kiosk-bench"
[library]
isil = "VN-TVTPHN"
name = "Thư viện Thành phố Hà Nội"
[store]
path = "{store}"
[ils]
host = "127.0.0.1"
port = {port}
login_user = "{user}"
institution = "TVTPHN"
location = "TANG1"
[reader]
url = "{reader}"
poll_interval_s = 0.05
# the demo's ICODE SLIX tags: read them whole without asking their size
data_blocks = 28
"""

#: Ten single-tag demo books (three start on loan: returned before the first round).
BOOKS = [item for item in load_demo_library()["items"]
         if "parts_in_item" not in item and "hold_for" not in item][:10]
USER, PASSWORD = "kiosk01", "bench-secret"
SMARTLIB = [sys.executable, "-m", "edge.cli", "--lang", "en"]


async def start_peers(directory: Path) -> tuple[list[asyncio.subprocess.Process], int, dict[
        str, str]]:
    env = {**os.environ, "SMARTLIB_SIP2_PASSWORD": PASSWORD}
    ils = await asyncio.create_subprocess_exec(
        *SMARTLIB, "ils-sim", "--port", "0", "--db", str(directory / "ils.db"), "--user", USER,
        stdout=asyncio.subprocess.PIPE, env=env)
    assert ils.stdout is not None
    line = (await ils.stdout.readline()).decode()
    port = int(line.rsplit(":", 1)[1])
    hardware = await asyncio.create_subprocess_exec(
        *SMARTLIB, "reader", "simulate", "--timing", "--json", stdout=asyncio.subprocess.PIPE)
    assert hardware.stdout is not None
    text = ""
    while not text.rstrip().endswith("}"):
        text += (await hardware.stdout.readline()).decode()
    return [ils, hardware], port, json.loads(text)


def air_floor_s(books: int) -> tuple[float, float]:
    """(stack read, security writes) air time for ``books`` demo tags."""
    timing = AirTiming()
    read = timing.stack_read_floor_s(books, 28, 4)
    write = books * (timing.exchange_s(3 + UID_LENGTH, 1, write=True)
                     + timing.exchange_s(2 + UID_LENGTH, SYSTEM_INFO_BYTES))
    return read, write


async def bare_round_trips(port: int, piis: list[str], *, timed: bool = True
                           ) -> tuple[float, float]:
    """(item information x n, checkout x n) with a plain socket client; the
    loans are returned afterwards (not timed). ``timed=False``: only return."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    terminal = requests.Terminal(institution="TVTPHN", location="TANG1")
    sequence = iter(range(10_000))

    def frame(message: Any) -> bytes:
        return encode(message, encoding="utf-8", error_detection=True,
                      sequence=next(sequence) % 10)

    async def exchange(data: bytes) -> bytes:
        writer.write(data)
        return await reader.readuntil(b"\r")

    now = SipDate.local(datetime.now())
    await exchange(frame(requests.login(USER, PASSWORD, "TANG1")))
    infos = [frame(requests.item_information(terminal, now, pii)) for pii in piis]
    checkouts = [frame(requests.checkout(terminal, now, "P0001", pii)) for pii in piis]
    checkins = [frame(requests.checkin(terminal, now, pii)) for pii in piis]
    if not timed:
        for data in checkins:
            await exchange(data)
        writer.close()
        await writer.wait_closed()
        return 0.0, 0.0
    start = time.perf_counter()
    for data in infos:
        await exchange(data)
    middle = time.perf_counter()
    for data in checkouts:
        answer = await exchange(data)
        assert answer.startswith(b"121"), answer
    end = time.perf_counter()
    for data in checkins:
        await exchange(data)
    writer.close()
    await writer.wait_closed()
    return middle - start, end - middle


async def run(rounds: int, gap: bool) -> None:
    from edge.circulation.factory import service_from_config
    from edge.circulation.model import StackChanged, TypedNumber
    from edge.config.loader import load

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        peers, port, urls = await start_peers(directory)
        host, control_port = urls["control"].removeprefix("tcp://").rsplit(":", 1)
        config = directory / "kiosk.toml"
        reader_url = urls["reader"] + ("" if gap else "?gap_ms=0")
        config.write_text(CONFIG.format(store=directory / "device.db", port=port, user=USER,
                                        reader=reader_url), encoding="utf-8")
        loaded = load(config, environ={"SMARTLIB_SIP2_PASSWORD": PASSWORD})
        service = service_from_config(loaded)
        piis = [book["pii"] for book in BOOKS]
        uids = {book["tag_uid"] for book in BOOKS}
        await bare_round_trips(port, piis, timed=False)  # every book in the library
        full: list[float] = []
        alone: list[float] = []
        bare_info: list[float] = []
        bare_checkout: list[float] = []
        try:
            await service.start()
            patron = (await service.identify(TypedNumber("P0001"))).patron
            assert patron is not None
            events = service.events()
            for _ in range(rounds + 1):  # the first round warms up
                with service.store.db.write() as conn:  # titles come from the ILS again
                    conn.execute("DELETE FROM circulation_titles")
                service.caches._titles.clear()
                start = time.perf_counter()
                for pii in piis:
                    await control(host, int(control_port), {"op": "place", "item": pii})
                async for event in events:
                    if isinstance(event, StackChanged) and {t.uid for t in event.stack.tags
                                                            if t.read} == uids and all(
                            i.title for i in event.stack.items):
                        break
                checkout_start = time.perf_counter()
                result = await service.checkout(patron)
                end = time.perf_counter()
                assert [i.status for i in result.items] == ["done"] * 10, result
                full.append(end - start)
                alone.append(end - checkout_start)
                back = await service.checkin()
                assert all(i.status == "done" for i in back.items), back
                await control(host, int(control_port), {"op": "clear"})
                async for event in events:
                    if isinstance(event, StackChanged) and not event.stack.tags:
                        break
                info_s, checkout_s = await bare_round_trips(port, piis)
                bare_info.append(info_s)
                bare_checkout.append(checkout_s)
            await events.aclose()
        finally:
            await service.close()
            for peer in peers:
                peer.send_signal(signal.SIGINT if peer is peers[1] else signal.SIGTERM)
                await peer.wait()
    read_air, write_air = air_floor_s(10)
    info, checkout = statistics.median(bare_info[1:]), statistics.median(bare_checkout[1:])
    floor_full = read_air + write_air + info + checkout
    floor_checkout = write_air + checkout
    took_full, took_checkout = statistics.median(full[1:]), statistics.median(alone[1:])
    print(f"A stack of 10 books checked out (timing model on; median of {rounds} rounds; "
          f"FEIG inter-frame gap {'5 ms' if gap else 'off'})")
    print(f"air time: stack read {read_air * 1000:.1f} ms, AFI write + read-back "
          f"{write_air * 1000:.1f} ms")
    print(f"bare ILS round trips: 10 x item information {info * 1000:.1f} ms, "
          f"10 x checkout {checkout * 1000:.1f} ms")
    print(f"{'measure':<28}{'time':>10}{'floor':>10}{'ratio':>8}")
    print(f"{'stack + checkout':<28}{took_full * 1000:>8.1f}ms{floor_full * 1000:>8.1f}ms"
          f"{took_full / floor_full:>7.2f}x")
    print(f"{'checkout() alone':<28}{took_checkout * 1000:>8.1f}ms"
          f"{floor_checkout * 1000:>8.1f}ms{took_checkout / floor_checkout:>7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gap", action="store_true",
                        help="keep the 5 ms pause FEIG readers need between a reply and the "
                             "next request (protocol time, in neither the floor nor, by "
                             "default, the measure)")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.gap))


if __name__ == "__main__":
    main()
