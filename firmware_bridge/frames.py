"""Frames of the serial link between the Pi and a microcontroller
(docs/firmware_bridge.md): COBS framing, a three-byte header, a payload and
a CRC-16, each frame ended by a zero byte.

Decoded frame (before COBS)::

    0   header   bits 7-5 version (1), bit 4 reserved (0), bits 3-0 kind:
                 0 DATA, 1 ACK, 2 RESET
    1   seq      DATA/RESET: the sender's sequence number (0-255, wrapping);
                 ACK: the sequence number acknowledged
    2   type     DATA: the message type; ACK/RESET: 0
    3   payload  0-240 bytes (DATA only)
    -2  crc      CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
                 no final XOR) of every byte before it, big-endian

On the wire: COBS (Cheshire and Baker, 1999) of the decoded frame, then
0x00. COBS leaves no zero byte inside a frame, so a receiver that lost sync
(noise, a reboot mid-frame) finds the next frame at the next zero.

Pure: standard library only (``binascii.crc_hqx`` is CRC-16/CCITT).
"""

from __future__ import annotations

import binascii
import enum
from dataclasses import dataclass

from .errors import CobsError, CrcError, FrameError

VERSION = 1
HEADER_BYTES = 3
CRC_BYTES = 2
MAX_PAYLOAD = 240
#: Longest decoded frame, and longest COBS-encoded frame without its delimiter.
MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES
MAX_ENCODED = MAX_FRAME + (MAX_FRAME + 253) // 254
DELIMITER = b"\x00"


class Kind(enum.IntEnum):
    DATA = 0
    ACK = 1
    RESET = 2


@dataclass(frozen=True, slots=True)
class Frame:
    kind: Kind
    seq: int
    msg_type: int = 0
    payload: bytes = b""


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE; ``crc16(b"123456789") == 0x29B1``."""
    return binascii.crc_hqx(data, crc)


def cobs_encode(data: bytes) -> bytes:
    """Consistent Overhead Byte Stuffing: ``data`` without any zero byte,
    at most one byte longer per 254 (delimiter not included)."""
    out = bytearray()
    blocks = data.split(b"\x00")
    last = len(blocks) - 1
    for index, block in enumerate(blocks):
        split = False
        while len(block) >= 254:
            out.append(0xFF)
            out += block[:254]
            block = block[254:]
            split = True
        if split and not block and index == last:
            break  # a full 254-byte run ends the data: no empty code after it
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """The bytes :func:`cobs_encode` was given (delimiter not included)."""
    out = bytearray()
    i, end_all = 0, len(data)
    while i < end_all:
        code = data[i]
        if code == 0:
            raise CobsError(i, "zero byte inside a frame")
        end = i + code
        if end > end_all:
            raise CobsError(i, f"code {code} runs past the end of the frame "
                               f"({end_all} bytes)")
        block = data[i + 1:end]
        zero = block.find(0)
        if zero >= 0:
            raise CobsError(i + 1 + zero, "zero byte inside a frame")
        out += block
        i = end
        if code != 0xFF and i < end_all:
            out.append(0)
    return bytes(out)


def encode_frame(frame: Frame) -> bytes:
    """The frame as sent: COBS bytes and the 0x00 delimiter."""
    if not 0 <= frame.seq <= 0xFF:
        raise FrameError(1, f"sequence number {frame.seq} is not a byte")
    if not 0 <= frame.msg_type <= 0xFF:
        raise FrameError(2, f"message type {frame.msg_type} is not a byte")
    if len(frame.payload) > MAX_PAYLOAD:
        raise FrameError(HEADER_BYTES, f"payload of {len(frame.payload)} bytes; at most "
                                       f"{MAX_PAYLOAD}")
    if frame.kind is not Kind.DATA and (frame.msg_type or frame.payload):
        raise FrameError(2, f"a {frame.kind.name} frame carries no message")
    body = bytes((VERSION << 5 | frame.kind, frame.seq, frame.msg_type)) + frame.payload
    return cobs_encode(body + crc16(body).to_bytes(2, "big")) + DELIMITER


def decode_frame(encoded: bytes) -> Frame:
    """One frame from its COBS bytes (without the delimiter)."""
    if len(encoded) > MAX_ENCODED:
        raise FrameError(MAX_ENCODED, f"{len(encoded)} bytes; a frame has at most "
                                      f"{MAX_ENCODED}")
    raw = cobs_decode(encoded)
    if len(raw) < HEADER_BYTES + CRC_BYTES:
        raise FrameError(len(raw), f"frame ends after {len(raw)} bytes; at least "
                                   f"{HEADER_BYTES + CRC_BYTES}")
    body, found = raw[:-CRC_BYTES], int.from_bytes(raw[-CRC_BYTES:], "big")
    expected = crc16(body)
    if found != expected:
        raise CrcError(len(body), expected, found)
    header = body[0]
    if header >> 5 != VERSION:
        raise FrameError(0, f"protocol version {header >> 5}; this side speaks {VERSION}")
    try:
        kind = Kind(header & 0x0F)
    except ValueError:
        raise FrameError(0, f"unknown frame kind {header & 0x0F}") from None
    msg_type, payload = body[2], body[HEADER_BYTES:]
    if kind is not Kind.DATA and (msg_type or payload):
        raise FrameError(2, f"a {kind.name} frame with a message")
    return Frame(kind, body[1], msg_type, payload)


class FrameSplitter:
    """Cuts a byte stream into COBS frames at each zero byte. Bytes past
    :data:`MAX_ENCODED` without a delimiter are noise: dropped up to the next
    zero and counted in :attr:`overflows`."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._discarding = False
        self.overflows = 0

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        start = 0
        while (zero := data.find(0, start)) >= 0:
            self._take(data[start:zero])
            if self._buffer and not self._discarding:
                frames.append(bytes(self._buffer))
            self._buffer.clear()
            self._discarding = False
            start = zero + 1
        self._take(data[start:])
        return frames

    def _take(self, chunk: bytes) -> None:
        if self._discarding:
            return
        self._buffer += chunk
        if len(self._buffer) > MAX_ENCODED:
            self._buffer.clear()
            self._discarding = True
            self.overflows += 1
