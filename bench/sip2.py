"""SIP2 speed: the codec, and client round trips against the demo ILS on
loopback, each beside a baseline measured in the same run.

    .venv/bin/python bench/sip2.py [--messages N] [--round-trips N]

* codec: encode + decode of a checkout response (12, UTF-8 Vietnamese title,
  AY/AZ error detection), messages per second; beside it the floor any codec
  pays: splitting the same bytes on ``|`` and joining them back.
* round trips: ``Sip2Client.sc_status()`` (99 -> 98) against ``smartlib
  ils-sim`` in its own process; beside it a bare asyncio client writing the
  same request bytes to a bare asyncio server (own process) that answers the
  same response bytes. For information: item information (17 -> 18), which
  reads the catalogue; and the client alone against the bare server (its
  own cost, without the demo ILS's).

Targets (issue 4): codec >= 50,000 messages/s; client round trip within
1.5x the bare one.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drivers.sip2 import Sip2Client, Sip2Settings  # noqa: E402
from drivers.sip2.codec import decode, encode  # noqa: E402
from drivers.sip2.fields import SipDate  # noqa: E402
from drivers.sip2.messages import Message  # noqa: E402

CANNED_SERVER = r"""
import asyncio, sys
answers = {bytes.fromhex(a[:4]): bytes.fromhex(a[4:]) for a in sys.argv[1:]}
class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\r")
        for line in lines:
            self.transport.write(answers[line[:2]])
async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""
ROUNDS = 7


def checkout_response() -> Message:
    when = SipDate.local(datetime(2025, 3, 14, 9, 26, 53))
    return Message("12", {"ok": True, "renewal_ok": False, "magnetic_media": False,
                          "desensitize": True, "transaction_date": when}, (
        ("AO", "TVTPHN"), ("AA", "P0001"), ("AB", "30000001"), ("AJ", "Truyện Kiều"),
        ("AH", "20250328    235959"), ("CK", "001"), ("CI", "N"),
        ("AF", "Mượn thành công / Checked out"), ("AG", "Truyện Kiều - 28/03/2025")))


def bench_codec(n: int) -> tuple[float, float]:
    message = checkout_response()
    frame = encode(message, error_detection=True, sequence=3)
    assert decode(frame) == Message("12", message.fixed, message.fields, 3)
    best_codec = best_floor = 0.0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(n):
            decode(encode(message, error_detection=True, sequence=3))
        best_codec = max(best_codec, n / (time.perf_counter() - start))
        start = time.perf_counter()
        for _ in range(n):
            b"|".join(frame.split(b"|"))
        best_floor = max(best_floor, n / (time.perf_counter() - start))
    return best_codec, best_floor


def start(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, int(line.strip().rsplit(":", 1)[-1])


async def timed(batch: int, once: Callable[[], Awaitable[object]]) -> float:
    """Round trips per second over ``batch`` calls of ``once``."""
    start_time = time.perf_counter()
    for _ in range(batch):
        await once()
    return batch / (time.perf_counter() - start_time)


async def bench_round_trips(n: int) -> list[tuple[str, float, float, float]]:
    """Per call: best client rate, best bare rate, median of per-round time
    ratios (client and bare alternate, so load on the machine hits both)."""
    ils, ils_port = start([sys.executable, "-m", "edge.cli", "--lang", "en", "ils-sim",
                           "--port", "0"])
    frames: dict[str, bytes] = {}
    settings = Sip2Settings(host="127.0.0.1", port=ils_port, institution="TVTPHN",
                            keepalive_s=None, timeout_s=10)
    client = Sip2Client(settings, trace=lambda d, f: frames.__setitem__(d, f))
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "sc_status": client.sc_status,
        "item_information": lambda: client.item_information("30000001"),
    }
    canned_answers = []
    requests = {}
    try:
        await client.connect()
        for name, call in calls.items():
            await call()
            requests[name] = frames["send"]
            canned_answers.append((frames["send"][:2] + frames["recv"] + b"\r").hex())
        canned, canned_port = start([sys.executable, "-c", CANNED_SERVER, *canned_answers])
        reader, writer = await asyncio.open_connection("127.0.0.1", canned_port)
        # The same client against the canned server: its own cost, no ILS work.
        alone = Sip2Client(Sip2Settings(host="127.0.0.1", port=canned_port,
                                        keepalive_s=None, sc_status_on_connect=False,
                                        error_detection=False, timeout_s=10))
        await alone.connect()
        calls["sc_status (client alone)"] = alone.sc_status
        requests["sc_status (client alone)"] = requests["sc_status"]
        rows = []
        try:
            for name, call in calls.items():
                request = requests[name]

                async def bare(request: bytes = request) -> None:
                    writer.write(request)
                    await reader.readuntil(b"\r")

                await timed(200, call)
                await timed(200, bare)
                ours, theirs = [], []
                for _ in range(ROUNDS):
                    ours.append(await timed(n, call))
                    theirs.append(await timed(n, bare))
                ratios = sorted(b / o for o, b in zip(ours, theirs, strict=True))
                rows.append((name, max(ours), max(theirs), ratios[len(ratios) // 2]))
        finally:
            await alone.close()
            writer.close()
            await writer.wait_closed()
            canned.terminate()
            canned.wait()
    finally:
        await client.close()
        ils.terminate()
        ils.wait()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000,
                        help="messages per round (best of 7 rounds)")
    parser.add_argument("--round-trips", type=int, default=1_000,
                        help="round trips per round")
    args = parser.parse_args()
    codec, floor = bench_codec(args.messages)
    print(f"codec: {codec:,.0f} messages/s (encode + decode of a checkout response); "
          f"floor (split + join of the same bytes): {floor:,.0f}/s; "
          f"target >= 50,000: {'met' if codec >= 50_000 else 'NOT met'}")
    for call, ours, bare, ratio in asyncio.run(bench_round_trips(args.round_trips)):
        verdict = ("met" if ratio <= 1.5 else "NOT met") if call == "sc_status" else "info"
        print(f"round trip {call}: client {ours:,.0f}/s ({1e6 / ours:.0f} us) vs bare asyncio "
              f"{bare:,.0f}/s ({1e6 / bare:.0f} us): {ratio:.2f}x the bare time (median of "
              f"{ROUNDS} alternating rounds); "
              f"target <= 1.5x: {verdict}")


if __name__ == "__main__":
    main()
