"""Any bytes from the network get a typed protocol error, never another
exception, a hang or unbounded memory: 120,000 inputs in a tight loop."""

from __future__ import annotations

import random

from drivers.sip2.codec import Framer, decode, encode
from drivers.sip2.errors import Sip2ProtocolError
from drivers.sip2.messages import SPECS
from drivers.sip2.results import RESULTS, result_of
from tests.drivers.sip2.test_codec import sample

SEEDS = [encode(sample(code), error_detection=bool(i % 2), sequence=i % 10)
         for i, code in enumerate(sorted(SPECS))]
ALPHABET = b"|\r\nAYZ019 " + bytes(range(256))


def _mutate(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        position = rng.randrange(len(data) + 1)
        if choice < 0.3 and data:
            data[min(position, len(data) - 1)] = rng.choice(ALPHABET)
        elif choice < 0.5:
            data[position:position] = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(1, 5)))
        elif choice < 0.7:
            del data[position:position + rng.randint(1, 8)]
        elif choice < 0.85:
            data = data[:position]
        else:
            data[position:position] = rng.choice((b"|", b"||", b"AZ", b"AY9", b"\xe1\xbb"))
    return bytes(data)


def _inputs(rng: random.Random, count: int) -> list[bytes]:
    out = []
    for i in range(count):
        if i % 3 == 0:
            out.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 60))))
        else:
            out.append(_mutate(rng, rng.choice(SEEDS)))
    return out


def test_the_decoder_only_ever_raises_its_protocol_error() -> None:
    rng = random.Random(20250314)
    decoded = refused = 0
    for encoding in ("utf-8", "cp850", "ascii"):
        for data in _inputs(rng, 40_000):
            try:
                message = decode(data, encoding=encoding)
            except Sip2ProtocolError as exc:
                assert exc.offset is None or 0 <= exc.offset <= len(data)
                refused += 1
                continue
            decoded += 1
            if message.code in RESULTS:
                result_of(message)  # typed results never fail on decoded input
    assert decoded + refused == 120_000
    assert decoded > 10_000 and refused > 10_000  # both paths were exercised


def test_the_framer_keeps_memory_bounded_whatever_arrives() -> None:
    rng = random.Random(7)
    framer = Framer(max_bytes=256)
    frames = 0
    for _ in range(20_000):
        chunk = bytes(rng.choice(b"ab|\r\n\x00\xff") if rng.random() < 0.2 else 0x41
                      for _ in range(rng.randint(0, 40)))
        for frame in framer.feed(chunk):
            assert 0 < len(frame) <= 256 and b"\r" not in frame and b"\n" not in frame
            frames += 1
        assert framer.pending <= 256
    framer.feed(b"x" * 10_000)
    assert framer.pending == 0 and framer.oversized >= 1
    assert framer.feed(b"tail of the long one\r941\r") == [b"941"]
    assert frames > 1000
