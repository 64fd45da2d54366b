"""FEIG ISO-Host frames: standard and advanced layout, CRC-16/MCRF4XX.

Standard request ``LEN ADR CMD DATA... CRC_lo CRC_hi`` and reply ``LEN ADR
CMD STATUS DATA... CRC_lo CRC_hi``; LEN counts the whole frame (5..255).
Advanced frames start with STX (0x02) and a two-byte length, most significant
first: ``02 LEN_hi LEN_lo ADR CMD [STATUS] DATA... CRC_lo CRC_hi``. A leading
0x02 is unambiguous because a standard LEN is at least 5. The CRC
(poly 0x1021 reflected, init 0xFFFF, no final XOR) covers every byte before
it and travels low byte first. Source: FEIG ID ISC system manuals
(H21010-1e-ID-B, H20800-16e-ID-B), see docs/readers.md.

Pure: standard library only, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CrcError, LengthError

STX = 0x02
BROADCAST = 0xFF
STANDARD_MAX = 255
ADVANCED_MAX = 0xFFFF
#: Smallest frames: request LEN ADR CMD CRC CRC; reply adds STATUS.
MIN_REQUEST, MIN_REPLY = 5, 6


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """CRC-16/MCRF4XX of ``data``; ``crc16(b"123456789") == 0x6F91``."""
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. ``status`` is None for a request."""

    address: int
    command: int
    data: bytes = b""
    status: int | None = None
    advanced: bool = False


def _seal(body: bytearray) -> bytes:
    crc = crc16(body)
    body.append(crc & 0xFF)
    body.append(crc >> 8)
    return bytes(body)


def encode(frame: Frame, advanced: bool | None = None) -> bytes:
    """The bytes of ``frame``. ``advanced`` None follows ``frame.advanced``
    but switches to the advanced layout when a standard frame would exceed
    255 bytes."""
    head = bytes([frame.address, frame.command])
    if frame.status is not None:
        head += bytes([frame.status])
    size = len(head) + len(frame.data) + 2
    use_advanced = frame.advanced if advanced is None else advanced
    if advanced is None and size + 1 > STANDARD_MAX:
        use_advanced = True
    if use_advanced:
        size += 3
        if size > ADVANCED_MAX:
            raise LengthError(0, f"frame of {size} bytes exceeds {ADVANCED_MAX}")
        return _seal(bytearray([STX, size >> 8, size & 0xFF]) + head + frame.data)
    size += 1
    if size > STANDARD_MAX:
        raise LengthError(0, f"standard frame of {size} bytes exceeds {STANDARD_MAX}")
    return _seal(bytearray([size]) + head + frame.data)


def encode_request(address: int, command: int, data: bytes = b"", advanced: bool = False) -> bytes:
    return encode(Frame(address, command, data, None, advanced), advanced)


def encode_reply(address: int, command: int, status: int, data: bytes = b"",
                 advanced: bool | None = None) -> bytes:
    return encode(Frame(address, command, data, status, bool(advanced)), advanced)


def frame_length(prefix: bytes | bytearray) -> int | None:
    """Total length of the frame starting with ``prefix``, or None when more
    bytes are needed to know (an advanced frame needs 3)."""
    if not prefix:
        return None
    if prefix[0] == STX:
        if len(prefix) < 3:
            return None
        size = prefix[1] << 8 | prefix[2]
        if size < MIN_REQUEST + 2:
            raise LengthError(1, f"advanced frame length {size} is below {MIN_REQUEST + 2}")
        return size
    if prefix[0] < MIN_REQUEST:
        raise LengthError(0, f"frame length {prefix[0]} is below {MIN_REQUEST}")
    return prefix[0]


def decode(raw: bytes | bytearray, reply: bool) -> Frame:
    """Decode one complete frame (a reply when ``reply``, else a request);
    raise :class:`LengthError` or :class:`CrcError` saying at which byte."""
    advanced = bool(raw) and raw[0] == STX
    head = 3 if advanced else 1
    minimum = (MIN_REPLY if reply else MIN_REQUEST) + (2 if advanced else 0)
    if len(raw) < minimum:
        raise LengthError(len(raw), f"frame ends after {len(raw)} bytes, at least "
                                    f"{minimum} needed")
    declared = frame_length(raw)
    if declared is None:  # pragma: no cover - len(raw) >= 3 here
        raise LengthError(0, "incomplete length field")
    if declared < minimum:
        raise LengthError(0, f"length field {declared} is below {minimum}")
    if declared != len(raw):
        raise LengthError(0 if not advanced else 1,
                          f"length field says {declared} bytes, {len(raw)} present")
    received = raw[-2] | raw[-1] << 8
    expected = crc16(memoryview(raw)[:-2])
    if received != expected:
        raise CrcError(len(raw) - 2, expected, received)
    address, command = raw[head], raw[head + 1]
    if reply:
        return Frame(address, command, bytes(raw[head + 3:-2]), raw[head + 2], advanced)
    return Frame(address, command, bytes(raw[head + 2:-2]), None, advanced)


def decode_reply(raw: bytes | bytearray) -> Frame:
    return decode(raw, reply=True)


def decode_request(raw: bytes | bytearray) -> Frame:
    return decode(raw, reply=False)


class FrameSplitter:
    """Cut a byte stream into frames (the device side reads requests this
    way). Bytes that cannot start a frame raise :class:`LengthError`; the
    caller then calls :meth:`reset` (the reader waits for silence and
    flushes, as a FEIG reader does)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            size = frame_length(self._buffer)
            if size is None or len(self._buffer) < size:
                return frames
            frames.append(bytes(self._buffer[:size]))
            del self._buffer[:size]
