"""Messages carried in DATA frames (docs/firmware_bridge.md has the table
firmware authors implement).

Types 0x01-0x7F go from the Pi to the board, 0x81-0xFF from the board to the
Pi. Integers are unsigned, big-endian; text is UTF-8 after a one-byte
length. A receiver ignores bytes after the fields it knows (later versions
append fields) and delivers unknown types as :class:`Unknown`.

Channels: the board numbers its inputs (0: the book drop's slot sensor,
1..n: bin-full sensors, then any others: beams, door switches) and outputs
(lights, buzzer, conveyor, slot lock) from 0, and says how many it has in
:class:`Info`; which is which is the site's configuration.

Pure: standard library only.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import ClassVar

from .errors import MessageError


class SortStatus(enum.IntEnum):
    OK = 0
    #: The item did not reach the bin (conveyor or flap jammed).
    JAM = 1
    #: The bin is full; the item was not moved.
    BIN_FULL = 2
    #: The item did not arrive within the request's time.
    TIMEOUT = 3
    #: This board has no such bin.
    NO_SUCH_BIN = 4
    #: The chute was empty: nothing to sort.
    NO_ITEM = 5


def _unpack(fmt: str, msg_type: int, payload: bytes) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    if len(payload) < size:
        raise MessageError(msg_type, len(payload), f"payload ends after {len(payload)} bytes; "
                                                    f"this message has {size}")
    return struct.unpack_from(fmt, payload)


def _text(msg_type: int, payload: bytes, offset: int) -> tuple[str, int]:
    if offset >= len(payload):
        raise MessageError(msg_type, offset, "payload ends where a text length should be")
    length = payload[offset]
    end = offset + 1 + length
    if end > len(payload):
        raise MessageError(msg_type, offset, f"text of {length} bytes runs past the end "
                                             f"({len(payload)} bytes)")
    try:
        return payload[offset + 1:end].decode("utf-8"), end
    except UnicodeDecodeError as exc:
        raise MessageError(msg_type, offset + 1 + exc.start, "text is not UTF-8") from None


def _pack_text(text: str) -> bytes:
    data = text.encode("utf-8")[:255]
    # never cut a character in half
    while True:
        try:
            data.decode("utf-8")
            break
        except UnicodeDecodeError:
            data = data[:-1]
    return bytes([len(data)]) + data


@dataclass(frozen=True, slots=True)
class Hello:
    """Pi -> board, after RESET: who is there? The board answers :class:`Info`."""

    TYPE: ClassVar[int] = 0x01
    protocol: int = 1

    def encode(self) -> bytes:
        return struct.pack(">B", self.protocol)

    @classmethod
    def decode(cls, payload: bytes) -> Hello:
        return cls(*_unpack(">B", cls.TYPE, payload))


@dataclass(frozen=True, slots=True)
class Ping:
    """Pi -> board: are you alive? Answered by :class:`Pong` with the token."""

    TYPE: ClassVar[int] = 0x02
    token: int

    def encode(self) -> bytes:
        return struct.pack(">I", self.token)

    @classmethod
    def decode(cls, payload: bytes) -> Ping:
        return cls(*_unpack(">I", cls.TYPE, payload))


@dataclass(frozen=True, slots=True)
class SetOutput:
    """Pi -> board: switch output ``channel`` on or off; with
    ``duration_ms`` > 0, back off after that long (the board times it)."""

    TYPE: ClassVar[int] = 0x10
    channel: int
    on: bool
    duration_ms: int = 0

    def encode(self) -> bytes:
        return struct.pack(">BBH", self.channel, int(self.on), self.duration_ms)

    @classmethod
    def decode(cls, payload: bytes) -> SetOutput:
        channel, on, duration = _unpack(">BBH", cls.TYPE, payload)
        return cls(channel, bool(on), duration)


@dataclass(frozen=True, slots=True)
class Sort:
    """Pi -> board: carry the item in the chute to ``bin`` (0-based), within
    ``timeout_ms``. The board answers :class:`SortDone` with ``cookie``."""

    TYPE: ClassVar[int] = 0x11
    cookie: int
    bin: int
    timeout_ms: int = 5000

    def encode(self) -> bytes:
        return struct.pack(">HBH", self.cookie, self.bin, self.timeout_ms)

    @classmethod
    def decode(cls, payload: bytes) -> Sort:
        return cls(*_unpack(">HBH", cls.TYPE, payload))


@dataclass(frozen=True, slots=True)
class QueryInputs:
    """Pi -> board: send :class:`Inputs` now."""

    TYPE: ClassVar[int] = 0x12

    def encode(self) -> bytes:
        return b""

    @classmethod
    def decode(cls, payload: bytes) -> QueryInputs:
        return cls()


@dataclass(frozen=True, slots=True)
class Info:
    """Board -> Pi: the answer to :class:`Hello`."""

    TYPE: ClassVar[int] = 0x81
    protocol: int
    inputs: int
    outputs: int
    bins: int
    firmware: str
    board: str

    def encode(self) -> bytes:
        return (struct.pack(">BBBB", self.protocol, self.inputs, self.outputs, self.bins)
                + _pack_text(self.firmware) + _pack_text(self.board))

    @classmethod
    def decode(cls, payload: bytes) -> Info:
        protocol, inputs, outputs, bins = _unpack(">BBBB", cls.TYPE, payload)
        firmware, at = _text(cls.TYPE, payload, 4)
        board, _ = _text(cls.TYPE, payload, at)
        return cls(protocol, inputs, outputs, bins, firmware, board)


@dataclass(frozen=True, slots=True)
class Pong:
    TYPE: ClassVar[int] = 0x82
    token: int

    def encode(self) -> bytes:
        return struct.pack(">I", self.token)

    @classmethod
    def decode(cls, payload: bytes) -> Pong:
        return cls(*_unpack(">I", cls.TYPE, payload))


@dataclass(frozen=True, slots=True)
class InputChanged:
    """Board -> Pi: input ``channel`` became active (slot occupied, bin full,
    beam broken) or inactive, at the board's ``ticks_ms`` (a free-running
    millisecond counter, wrapping at 2**32, for ordering close events)."""

    TYPE: ClassVar[int] = 0x83
    channel: int
    active: bool
    ticks_ms: int

    def encode(self) -> bytes:
        return struct.pack(">BBI", self.channel, int(self.active), self.ticks_ms)

    @classmethod
    def decode(cls, payload: bytes) -> InputChanged:
        channel, active, ticks = _unpack(">BBI", cls.TYPE, payload)
        return cls(channel, bool(active), ticks)


@dataclass(frozen=True, slots=True)
class SortDone:
    """Board -> Pi: what became of :class:`Sort` ``cookie``."""

    TYPE: ClassVar[int] = 0x84
    cookie: int
    bin: int
    status: SortStatus

    def encode(self) -> bytes:
        return struct.pack(">HBB", self.cookie, self.bin, self.status)

    @classmethod
    def decode(cls, payload: bytes) -> SortDone:
        cookie, bin_, status = _unpack(">HBB", cls.TYPE, payload)
        try:
            return cls(cookie, bin_, SortStatus(status))
        except ValueError:
            raise MessageError(cls.TYPE, 3, f"unknown sort status {status}") from None


@dataclass(frozen=True, slots=True)
class Inputs:
    """Board -> Pi: every input's state, bit ``n`` for channel ``n``."""

    TYPE: ClassVar[int] = 0x85
    mask: int

    def encode(self) -> bytes:
        return struct.pack(">I", self.mask)

    @classmethod
    def decode(cls, payload: bytes) -> Inputs:
        return cls(*_unpack(">I", cls.TYPE, payload))

    def active(self, channel: int) -> bool:
        return bool(self.mask >> channel & 1)


@dataclass(frozen=True, slots=True)
class Fault:
    """Board -> Pi: something staff must see (motor stalled, over-current,
    flap stuck), with a board-specific ``code`` and a short text."""

    TYPE: ClassVar[int] = 0x86
    code: int
    text: str = ""

    def encode(self) -> bytes:
        return struct.pack(">B", self.code) + _pack_text(self.text)

    @classmethod
    def decode(cls, payload: bytes) -> Fault:
        (code,) = _unpack(">B", cls.TYPE, payload)
        text, _ = _text(cls.TYPE, payload, 1) if len(payload) > 1 else ("", 1)
        return cls(code, text)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A message type this side does not know (a newer peer)."""

    msg_type: int
    payload: bytes

    def encode(self) -> bytes:
        return self.payload


Message = (Hello | Ping | SetOutput | Sort | QueryInputs | Info | Pong | InputChanged
           | SortDone | Inputs | Fault | Unknown)

#: Message classes by type byte.
TYPES: dict[int, type[Hello | Ping | SetOutput | Sort | QueryInputs | Info | Pong
                     | InputChanged | SortDone | Inputs | Fault]] = {
    cls.TYPE: cls for cls in (Hello, Ping, SetOutput, Sort, QueryInputs, Info, Pong,
                              InputChanged, SortDone, Inputs, Fault)
}


def encode_message(message: Message) -> tuple[int, bytes]:
    """(type byte, payload) of a message; a field out of its range is a
    :class:`MessageError`."""
    if isinstance(message, Unknown):
        return message.msg_type, message.payload
    try:
        return message.TYPE, message.encode()
    except struct.error as exc:
        raise MessageError(message.TYPE, 0, f"a field does not fit its bytes: {exc}") from None


def decode_message(msg_type: int, payload: bytes) -> Message:
    cls = TYPES.get(msg_type)
    if cls is None:
        return Unknown(msg_type, payload)
    return cls.decode(payload)
