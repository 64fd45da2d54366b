"""The frame codec: COBS against the published examples, CRC-16/CCITT-FALSE
against its check value, round trips, and fuzzing that may only ever raise
the codec's own error."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_bridge.errors import CobsError, CrcError, FrameError
from firmware_bridge.frames import (
    MAX_ENCODED,
    MAX_PAYLOAD,
    Frame,
    FrameSplitter,
    Kind,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_frame,
    encode_frame,
)

# The examples of Cheshire and Baker's COBS as the Wikipedia article lists them.
COBS_EXAMPLES = [
    ("00", "0101"),
    ("0000", "010101"),
    ("11220033", "0311220233"),
    ("11223344", "0511223344"),
    ("11000000", "0211010101"),
    (bytes(range(1, 255)).hex(), "ff" + bytes(range(1, 255)).hex()),
    (bytes(range(0, 255)).hex(), "01ff" + bytes(range(1, 255)).hex()),
    (bytes(range(1, 256)).hex(), "ff" + bytes(range(1, 255)).hex() + "02ff"),
    (bytes(range(2, 256)).hex() + "00", "ff" + bytes(range(2, 256)).hex() + "0101"),
    (bytes(range(3, 256)).hex() + "0001", "fe" + bytes(range(3, 256)).hex() + "0201"),
]


@pytest.mark.parametrize(("plain", "encoded"), COBS_EXAMPLES)
def test_cobs_matches_the_published_examples(plain: str, encoded: str) -> None:
    assert cobs_encode(bytes.fromhex(plain)).hex() == encoded
    assert cobs_decode(bytes.fromhex(encoded)).hex() == plain


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1  # the catalogue's check value


def test_a_sort_frame_on_the_wire() -> None:
    # DATA, seq 1, type 0x11 (Sort), cookie 7, bin 2, timeout 5000 ms
    wire = encode_frame(Frame(Kind.DATA, 1, 0x11, bytes.fromhex("0007021388")))
    body = bytes.fromhex("2001110007021388")
    assert cobs_decode(wire[:-1]) == body + crc16(body).to_bytes(2, "big")
    assert wire.endswith(b"\x00") and b"\x00" not in wire[:-1]
    assert decode_frame(wire[:-1]) == Frame(Kind.DATA, 1, 0x11, bytes.fromhex("0007021388"))


def test_an_ack_is_five_bytes_before_stuffing() -> None:
    wire = encode_frame(Frame(Kind.ACK, 0x2A))
    assert len(cobs_decode(wire[:-1])) == 5
    assert decode_frame(wire[:-1]) == Frame(Kind.ACK, 0x2A)


def test_errors_say_where() -> None:
    raw = bytearray(cobs_decode(encode_frame(Frame(Kind.DATA, 3, 0x02, b"\x00\x00\x00\x07"))
                                [:-1]))
    raw[4] ^= 0x01  # one bit of the payload flipped on the way
    with pytest.raises(CrcError, match="byte 7: CRC"):
        decode_frame(cobs_encode(bytes(raw)))
    with pytest.raises(CobsError, match="byte 0: code 9 runs past the end"):
        cobs_decode(b"\x09\x01\x02")
    with pytest.raises(FrameError, match="byte 2: frame ends after 2 bytes"):
        decode_frame(cobs_encode(b"\x20\x01"))
    with pytest.raises(FrameError, match="protocol version 2"):
        body = b"\x40\x01\x00"
        decode_frame(cobs_encode(body + crc16(body).to_bytes(2, "big")))
    with pytest.raises(FrameError, match="payload of 241 bytes"):
        encode_frame(Frame(Kind.DATA, 0, 1, bytes(MAX_PAYLOAD + 1)))


@given(kind=st.sampled_from(list(Kind)), seq=st.integers(0, 255),
       msg_type=st.integers(0, 255), payload=st.binary(max_size=MAX_PAYLOAD))
def test_frames_round_trip(kind: Kind, seq: int, msg_type: int, payload: bytes) -> None:
    if kind is not Kind.DATA:
        msg_type, payload = 0, b""
    frame = Frame(kind, seq, msg_type, payload)
    wire = encode_frame(frame)
    assert len(wire) - 1 <= MAX_ENCODED
    (encoded,) = FrameSplitter().feed(wire)
    assert decode_frame(encoded) == frame


@given(st.binary(max_size=600))
def test_cobs_round_trips_anything(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert 0 not in encoded
    assert len(encoded) <= len(data) + 1 + len(data) // 254
    assert cobs_decode(encoded) == data


def test_fuzzing_raises_only_frame_errors() -> None:
    rng = random.Random(20260101)
    good = [encode_frame(Frame(Kind.DATA, i, 0x83, bytes([i]) * (i % 12)))[:-1]
            for i in range(64)]
    decoded = 0
    for i in range(100_000):
        if i % 2:
            original = rng.choice(good)
            data = bytearray(original)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(data))
                data[at] ^= rng.randrange(1, 256)
            if data == original:
                continue  # two flips of one byte cancelled out
        else:
            data = bytearray(rng.randbytes(rng.randint(0, 40)))
        try:
            decode_frame(bytes(data))
            decoded += 1
        except FrameError:
            pass
    # a CRC-16 lets through about one damaged frame in 65,536
    assert decoded < 20


def test_the_splitter_resynchronises_after_noise() -> None:
    frame = encode_frame(Frame(Kind.DATA, 5, 0x83, b"\x00\x01\x00\x00\x00\x10"))
    splitter = FrameSplitter()
    noise = bytes(range(1, 200)) * 3  # no zero: one long run of garbage
    chunks = splitter.feed(noise + b"\x00" + frame[:4]) + splitter.feed(frame[4:])
    assert splitter.overflows == 1
    assert [decode_frame(c) for c in chunks] == [decode_frame(frame[:-1])]
    assert splitter.feed(b"\x00\x00") == []  # empty frames are nothing
