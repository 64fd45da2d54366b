"""Encoding and decoding of SIP2 messages (3M SIP2 2.00, "Message Format",
"Error Detection") and the framing of a byte stream into messages.

Pure: bytes in, :class:`~drivers.sip2.messages.Message` out, and back. A
message is its two-digit code, its fixed fields, then variable fields
``IDvalue|``; with error detection on, ``AY<digit>AZ<checksum>`` closes it.
The terminator is CR; CRLF and LF are tolerated when reading.

Decoding is tolerant where servers are known to differ (a missing final
``|``, empty fields, unknown field ids, lower-case checksum digits) and
strict where a wrong reading would mislead (a bad checksum, a truncated fixed
part, a garbled ok flag): those raise :class:`Sip2ProtocolError` naming the
message code, the field and the byte offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import checksum as _checksum
from .errors import Sip2ChecksumError, Sip2EncodeError, Sip2ProtocolError
from .fields import BLANK_DATE, PATRON_STATUS, SUMMARY, SipDate, parse_date
from .folding import encode_text
from .messages import (
    COUNT,
    DATE,
    FLAG,
    MASK,
    OK,
    SPECS,
    Fixed,
    FixedValue,
    Message,
)

CR = b"\r"
CRLF = b"\r\n"
#: Default largest message accepted (bytes, terminator excluded).
MAX_MESSAGE_BYTES = 64 * 1024

_MASKS: dict[str, tuple[str, ...]] = {"patron_status": PATRON_STATUS, "summary": SUMMARY}
_DIGITS = frozenset("0123456789")
_HEX = frozenset(b"0123456789ABCDEFabcdef")


# ------------------------------------------------------------------ decoding

#: A variable part: fields ``IDvalue`` separated by ``|`` (empty ones allowed).
_VARIABLE = re.compile(r"(?:[A-Za-z0-9]{2}[^|]*)?(?:\|(?:[A-Za-z0-9]{2}[^|]*)?)*", re.DOTALL)
_FLAGS_IN = {"Y": True, "N": False}
_OK_IN = {"1": True, "0": False, "Y": True, "N": False}


def _ok(text: str) -> bool:
    value = _OK_IN.get(text)
    if value is None:
        raise ValueError(f"ok must be 1 or 0, not {text!r}")
    return value


def _count(text: str) -> int | None:
    digits = text.strip(" ")
    if not digits:
        return None
    if not set(digits) <= _DIGITS:
        raise ValueError(f"count must be digits, not {text!r}")
    return int(digits)


def _mask_reader(names: tuple[str, ...]) -> Callable[[str], FixedValue]:
    def read(text: str) -> frozenset[str]:
        return frozenset(names[i] for i, c in enumerate(text) if c == "Y" and i < len(names))
    return read


def _reader(fixed: Fixed) -> Callable[[str], FixedValue]:
    if fixed.kind == FLAG:
        return _FLAGS_IN.get
    if fixed.kind == OK:
        return _ok
    if fixed.kind == DATE:
        return parse_date
    if fixed.kind == COUNT:
        return _count
    if fixed.kind == MASK:
        return _mask_reader(_MASKS[fixed.name])
    return str


# -- writers: value -> its fixed-width text; KeyError/TypeError/ValueError
#    when the value does not fit (turned into Sip2EncodeError).

_FLAGS_OUT: dict[object, str] = {True: "Y", False: "N", None: "N"}
_YNU_OUT: dict[object, str] = {True: "Y", False: "N", None: "U"}
_OK_OUT: dict[object, str] = {True: "1", False: "0", None: "0"}


def _date_out(value: FixedValue) -> str:
    if value is None:
        return BLANK_DATE
    if isinstance(value, SipDate) and len(value.raw) == 18:
        return value.raw
    raise TypeError("a date is a SipDate or None")


def _count_writer(width: int, blank: bool) -> Callable[[FixedValue], str]:
    def write(value: FixedValue) -> str:
        if value is None:
            return (" " if blank else "0") * width
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**width:
            return f"{value:0{width}d}"
        raise ValueError(f"a count of {width} digits")
    return write


def _mask_writer(names: tuple[str, ...], width: int) -> Callable[[FixedValue], str]:
    def write(value: FixedValue) -> str:
        flags = frozenset() if value is None else value
        if not isinstance(flags, frozenset) or not flags <= set(names):
            raise ValueError(f"flags among {names}")
        return "".join("Y" if n in flags else " " for n in names).ljust(width)
    return write


def _text_writer(width: int) -> Callable[[FixedValue], str]:
    def write(value: FixedValue) -> str:
        if isinstance(value, str) and len(value) == width and value.isascii():
            return value
        raise ValueError(f"{width} ASCII characters")
    return write


def _writer(fixed: Fixed) -> Callable[[FixedValue], str]:
    if fixed.kind == FLAG:
        table = _YNU_OUT if fixed.name in ("magnetic_media", "desensitize") else _FLAGS_OUT
        return table.__getitem__
    if fixed.kind == OK:
        return _OK_OUT.__getitem__
    if fixed.kind == DATE:
        return _date_out
    if fixed.kind == COUNT:
        return _count_writer(fixed.width, fixed.name.endswith("_count"))
    if fixed.kind == MASK:
        return _mask_writer(_MASKS[fixed.name], fixed.width)
    return _text_writer(fixed.width)


_Reader = tuple[str, int, int, Callable[[str], FixedValue]]
_Writer = tuple[str, Callable[[FixedValue], str]]


class _Layout:
    """The fixed part of one message code, precompiled: its fields as
    (name, start, end, reader) and (name, writer), and where it ends."""

    __slots__ = ("end", "readers", "writers")

    def __init__(self, fixed: tuple[Fixed, ...]) -> None:
        pos, readers, writers = 2, [], []
        for fx in fixed:
            readers.append((fx.name, pos, pos + fx.width, _reader(fx)))
            writers.append((fx.name, _writer(fx)))
            pos += fx.width
        self.readers: tuple[_Reader, ...] = tuple(readers)
        self.writers: tuple[_Writer, ...] = tuple(writers)
        self.end = pos


#: Per code, its fixed part.
_LAYOUT: dict[str, _Layout] = {code: _Layout(spec.fixed) for code, spec in SPECS.items()}
#: The two bytes of every known code -> the code.
_CODES: dict[bytes, str] = {code.encode("ascii"): code for code in SPECS}


def _byte_offset(text: str, index: int, encoding: str) -> int:
    return len(text[:index].encode(encoding, "replace"))


def _field_at(frame: bytes, offset: int) -> str:
    """The id of the variable field that contains byte ``offset``."""
    start = frame.rfind(b"|", 0, offset) + 1
    return frame[start:start + 2].decode("ascii", "replace") if start else ""


def _bad_field_id(text: str, end: int, code: str, encoding: str) -> Sip2ProtocolError:
    position = end
    for part in text[end:].split("|"):
        if part and not _VARIABLE.fullmatch(part):
            return Sip2ProtocolError(f"{part[:2]!r} is not a field id", code=code,
                                     offset=_byte_offset(text, position, encoding))
        position += len(part) + 1
    return Sip2ProtocolError("malformed variable fields", code=code)


def split_trailer(frame: bytes) -> tuple[bytes, int | None, str | None]:
    """``frame`` without its ``AY``/``AZ`` trailer, the sequence and checksum.

    Does not verify the checksum (see :func:`decode`).
    """
    sequence = checksum = None
    if frame[-6:-4] == b"AZ":
        checksum = frame[-4:].decode("ascii", "replace")
        frame = frame[:-6]
    if frame[-3:-1] == b"AY" and 0x30 <= frame[-1] <= 0x39:
        sequence = frame[-1] - 0x30
        frame = frame[:-3]
    return frame, sequence, checksum


def decode(frame: bytes, *, encoding: str = "utf-8", errors: str = "strict",
           verify: bool = True) -> Message:
    """The message in ``frame`` (one message; a trailing CR/LF is ignored).

    ``verify`` checks the AZ checksum when there is one. ``errors`` is the
    codec error policy for text ("strict" raises on bytes invalid in
    ``encoding``; "replace" keeps the message readable).
    """
    body = frame.rstrip(b"\r\n") if frame[-1:] in b"\r\n" else frame
    code = _CODES.get(body[:2]) or body[:2].decode("ascii", "replace")
    sequence = azsum = None
    stop = len(body)
    if body[-6:-4] == b"AZ":
        digits = body[-4:]
        if verify and not (_HEX.issuperset(digits) and (
                _checksum.byte_sum(body[:-4]) + int(digits, 16)) & 0xFFFF == 0) and (
                body.isascii() or not _checksum.verify_characters(body, encoding)):
            raise Sip2ChecksumError(
                f"checksum {digits.decode('ascii', 'replace')!r} does not match the message",
                code=code, field="AZ", offset=len(body) - 4)
        azsum = digits.decode("ascii", "replace")
        stop -= 6
    if body[stop - 3:stop - 1] == b"AY" and 0x30 <= body[stop - 1] <= 0x39:
        sequence = body[stop - 1] - 0x30
        stop -= 3
    try:
        text = (body[:stop] if stop != len(body) else body).decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise Sip2ProtocolError(f"not valid {encoding}", code=code,
                                field=_field_at(body, exc.start), offset=exc.start) from None
    layout = _LAYOUT.get(code)
    if layout is None or len(text) < 2:
        raise Sip2ProtocolError(f"unknown message code {code!r}", offset=0)
    end = layout.end
    if len(text) < end:
        name = next(name for name, _, stop, _ in layout.readers if stop > len(text))
        raise Sip2ProtocolError("message ends inside the fixed fields", code=code,
                                field=name, offset=len(body))
    fixed: dict[str, FixedValue] = {}
    try:
        for name, start, stop, read in layout.readers:
            fixed[name] = read(text[start:stop])
    except ValueError:
        raise _fixed_read_error(text, layout, code, encoding) from None
    if len(text) == end:
        return Message(code, fixed, (), sequence, azsum)
    if not _VARIABLE.fullmatch(text, end):
        raise _bad_field_id(text, end, code, encoding)
    return Message(code, fixed, tuple([(part[:2], part[2:])
                                       for part in text[end:].split("|") if part]),
                   sequence, azsum)


def _fixed_read_error(text: str, layout: _Layout, code: str,
                      encoding: str) -> Sip2ProtocolError:
    for name, start, stop, read in layout.readers:
        try:
            read(text[start:stop])
        except ValueError as exc:
            return Sip2ProtocolError(str(exc), code=code, field=name,
                                     offset=_byte_offset(text, start, encoding))
    return Sip2ProtocolError("bad fixed fields", code=code)


# ------------------------------------------------------------------ encoding


def encode(message: Message, *, encoding: str = "utf-8", error_detection: bool = False,
           sequence: int | None = None, terminator: bytes = CR) -> bytes:
    """``message`` on the wire, terminator included.

    With ``error_detection``, ``AY<sequence>AZ<checksum>`` is appended (96
    and 97 carry only AZ). Text the encoding cannot carry is folded readably
    (see :mod:`drivers.sip2.folding`).
    """
    code = message.code
    layout = _LAYOUT.get(code)
    if layout is None:
        raise Sip2EncodeError(code, "", "unknown message code")
    try:
        values = message.fixed
        head = code + "".join([write(values.get(name)) for name, write in layout.writers])
    except (KeyError, TypeError, ValueError):
        raise _fixed_error(message, layout.writers) from None
    fields = message.fields
    if fields:
        ids, texts = zip(*fields, strict=True)
        id_text = "".join(ids)
        value_text = "".join(texts)
        if ("|" in value_text or "\r" in value_text or "\n" in value_text
                or len(id_text) != 2 * len(fields) or not id_text.isascii()
                or not id_text.isalnum()):
            raise _encode_error(message)
        text = head + "|".join(map("".join, fields)) + "|"
    else:
        text = head
    if "\r" in head or "\n" in head:
        raise _encode_error(message)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = encode_text(text, encoding)
    if not error_detection:
        return data + terminator
    if code in ("96", "97"):
        data += b"AZ"
    else:
        seq = message.sequence if sequence is None else sequence
        data += b"AY%dAZ" % ((seq or 0) % 10)
    return b"%s%04X%s" % (data, -_checksum.byte_sum(data) & 0xFFFF, terminator)


def _fixed_error(message: Message, writers: tuple[_Writer, ...]) -> Sip2EncodeError:
    for name, write in writers:
        value = message.fixed.get(name)
        try:
            write(value)
        except (KeyError, TypeError, ValueError) as exc:
            return Sip2EncodeError(message.code, name, f"cannot write {value!r}: {exc}")
    return Sip2EncodeError(message.code, "", "bad fixed fields")


def _encode_error(message: Message) -> Sip2EncodeError:
    for fid, value in message.fields:
        if len(fid) != 2 or not _VARIABLE.fullmatch(fid) or any(c in value for c in "|\r\n"):
            return Sip2EncodeError(message.code, fid, "a field id is two letters or digits; "
                                                      "a value holds no '|', CR or LF")
    return Sip2EncodeError(message.code, "", "a fixed field holds CR or LF")


def encode_raw(text: str, *, encoding: str = "utf-8", error_detection: bool = False,
               sequence: int = 0, terminator: bytes = CR) -> bytes:
    """A message typed by hand (``smartlib sip2 raw``) on the wire: its
    trailer is added when error detection is on and it has none."""
    data = encode_text(text.rstrip("\r\n"), encoding)
    if error_detection and b"AZ" not in data[-6:-4]:
        if data[:2] not in (b"96", b"97"):
            data += b"AY%d" % (sequence % 10)
        data += b"AZ"
        data += _checksum.checksum(data).encode("ascii")
    return data + terminator


# ------------------------------------------------------------------- framing


class Framer:
    """Splits a byte stream into messages at CR, CRLF or LF.

    Empty lines are dropped. A message longer than ``max_bytes`` is dropped
    up to its terminator and counted in :attr:`oversized`, so memory stays
    bounded whatever the peer sends.
    """

    __slots__ = ("_buffer", "_discarding", "max_bytes", "oversized")

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._discarding = False
        self.oversized = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return the messages it completes, terminators removed."""
        if (not self._buffer and not self._discarding and data[-1:] == b"\r"
                and data.count(b"\r") == 1 and b"\n" not in data):
            # The usual case: exactly one whole message arrived.
            if len(data) - 1 > self.max_bytes:
                self.oversized += 1
                return []
            return [data[:-1]] if len(data) > 1 else []
        if b"\r" not in data and b"\n" not in data:
            if not self._discarding:
                self._buffer += data
                if len(self._buffer) > self.max_bytes:
                    self._buffer.clear()
                    self._discarding = True
                    self.oversized += 1
            return []
        self._buffer += data
        lines = self._buffer.replace(b"\n", b"\r").split(b"\r")
        rest = lines.pop()
        frames = []
        for line in lines:
            if self._discarding:
                self._discarding = False
                continue
            if len(line) > self.max_bytes:
                self.oversized += 1
            elif line:
                frames.append(bytes(line))
        self._buffer = bytearray(rest)
        if len(self._buffer) > self.max_bytes:
            self._buffer.clear()
            self._discarding = True
            self.oversized += 1
        return frames

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a message."""
        return len(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()
        self._discarding = False
