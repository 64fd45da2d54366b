"""ISO/IEC 15962 compaction schemes, as ISO 28560-2 uses them (clause 7 and
Annex D of ISO 28560-2; the no-directory compaction rules of ISO/IEC 15962).

Compaction codes (bits 7..5 of the precursor): 0 application-defined,
1 integer, 2 numeric, 3 5-bit code, 4 6-bit code, 5 7-bit code, 6 octet
string, 7 UTF-8 string.

- integer: the digit string as one unsigned big-endian number (no leading
  zeros, so ``"0123"`` cannot use it);
- numeric: two digits per byte, an odd count padded with a ``F`` nibble;
- 5-bit: characters 0x41..0x5F as their low five bits, padded with 0 bits;
- 6-bit: characters 0x20..0x5F as their low six bits, padded with the leading
  bits of ``100000`` (a full pad group reads as a space, so a value may not
  end in a space);
- 7-bit: characters 0x00..0x7E, padded with 1 bits (a full pad group reads as
  0x7F, so 0x7F itself is excluded);
- octet string: bytes as they are (read back as UTF-8 when valid, otherwise
  Latin-1, so every byte string round-trips);
- UTF-8 string.

The 6-bit code groups bits exactly as Base64 does (three bytes, four 6-bit
groups), so it is converted with :mod:`binascii`'s Base64 in C and a
translation table between the two alphabets; 5-bit decoding maps 10 bits to
two characters through a precomputed table.
"""

from __future__ import annotations

from binascii import a2b_base64, b2a_base64

from drivers.tags.errors import CorruptTagError, EncodeError

APPLICATION_DEFINED, INTEGER, NUMERIC, FIVE_BIT, SIX_BIT, SEVEN_BIT, OCTET, UTF8 = range(8)

#: Compaction names by code, as they appear in Element.compaction.
NAMES: tuple[str, ...] = (
    "application-defined", "integer", "numeric", "5-bit", "6-bit", "7-bit", "octet", "utf-8")
CODE_BY_NAME: dict[str, int] = {name: code for code, name in enumerate(NAMES)}

#: Longest integer-compacted value accepted (bytes): 64 bytes hold 154 digits,
#: far more than any identifier; the bound keeps decoding cheap on garbage.
INTEGER_MAX_BYTES = 64
_INTEGER_MAX_DIGITS = 154


_PAIRS5: tuple[str, ...] = tuple(chr(0x40 | v >> 5) + chr(0x40 | v & 0x1F) for v in range(1024))
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_SIXBIT = bytes(v | 0x40 if v < 0x20 else v for v in range(64))
_BASE64_TO_SIXBIT = bytes.maketrans(_BASE64, _SIXBIT)
_SIXBIT_TO_BASE64 = bytes.maketrans(_SIXBIT, _BASE64)
_CHARS7: tuple[str, ...] = tuple(chr(v) for v in range(128))


# ------------------------------------------------------------------ decoding


def decode_integer(data: bytes, at: int) -> str:
    if len(data) > INTEGER_MAX_BYTES:
        raise CorruptTagError(at, f"integer compaction of {len(data)} bytes exceeds "
                                  f"{INTEGER_MAX_BYTES}")
    return str(int.from_bytes(data, "big")) if data else ""


def decode_numeric(data: bytes, at: int) -> str:
    digits = data.hex()
    if digits.endswith("f"):
        digits = digits[:-1]
    if not digits.isdigit() and digits:
        bad = next(i for i, c in enumerate(digits) if c not in "0123456789")
        raise CorruptTagError(at + bad // 2,
                              f"numeric compaction has nibble {digits[bad].upper()}, not a digit")
    return digits


def _unpack(data: bytes, width: int, table: tuple[str, ...]) -> tuple[str, int, int]:
    """``data`` cut into ``width``-bit groups from the top, each looked up in
    ``table``; also the whole value and the number of bits left over."""
    nbits = len(data) * 8
    value = int.from_bytes(data, "big")
    count, mask = nbits // width, (1 << width) - 1
    text = "".join([table[value >> (nbits - width * i) & mask] for i in range(1, count + 1)])
    return text, value, nbits - width * count


def decode_5bit(data: bytes, at: int) -> str:
    text, value, rest = _unpack(data, 10, _PAIRS5)  # two characters per lookup
    if rest >= 5:
        text += chr(0x40 | value >> (rest - 5) & 0x1F)
    end = text.find("@")  # code 00000: the pad bits
    return text if end < 0 else text[:end]


def decode_6bit(data: bytes, at: int) -> str:
    nbits = len(data) * 8
    groups = b2a_base64(data, newline=False)[:nbits // 6]
    text = groups.translate(_BASE64_TO_SIXBIT).decode("ascii")
    if nbits % 6 == 0 and text.endswith(" "):  # a whole pad group 100000
        text = text[:-1]
    return text


def decode_7bit(data: bytes, at: int) -> str:
    text, _, rest = _unpack(data, 7, _CHARS7)
    if not rest and text.endswith("\x7f"):  # a whole pad group 1111111
        text = text[:-1]
    return text


def decode_octet(data: bytes, at: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_utf8(data: bytes, at: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptTagError(at + exc.start, "UTF-8 string compaction holds invalid "
                                              "UTF-8") from None


def decode_hex(data: bytes, at: int) -> str:
    """Application-defined data this codec has no meaning for: kept as hex."""
    return data.hex().upper()


#: Decoders by compaction code (code 0 is decided by the element, see part2).
DECODERS = (decode_hex, decode_integer, decode_numeric, decode_5bit, decode_6bit,
            decode_7bit, decode_octet, decode_utf8)


# ------------------------------------------------------------------ encoding


def _pack(codes: bytes, width: int, mask: int) -> tuple[int, int]:
    value = 0
    for code in codes:
        value = value << width | code & mask
    return value, width * len(codes)


def encode_5bit(text: str) -> bytes:
    value, nbits = _pack(text.encode("ascii"), 5, 0x1F)
    pad = -nbits % 8
    return (value << pad).to_bytes((nbits + pad) // 8, "big")


def encode_6bit(text: str) -> bytes:
    return _encode_6bit(text.encode("ascii"))


def _encode_6bit(raw: bytes) -> bytes:
    count = len(raw)
    # Pad groups "100000" then "000000" ("g", "A" in Base64) supply the pad
    # bits and make a whole number of Base64 quanta; the result is cut to size.
    groups = raw.translate(_SIXBIT_TO_BASE64) + b"gAAA"[:4 - count % 4]
    return a2b_base64(groups)[:(count * 6 + 7) // 8]


def encode_7bit(text: str) -> bytes:
    value, nbits = _pack(text.encode("ascii"), 7, 0x7F)
    pad = -nbits % 8
    return (value << pad | (1 << pad) - 1).to_bytes((nbits + pad) // 8, "big")


def encode_integer(text: str) -> bytes:
    number = int(text)
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


def encode_numeric(text: str) -> bytes:
    return bytes.fromhex(text + "f" if len(text) % 2 else text)


def compact(text: str) -> tuple[int, bytes]:
    """The most compact ISO/IEC 15962 scheme for ``text`` and its bytes.

    Candidates in the standard's order (integer, numeric, 5-bit, 6-bit, 7-bit,
    octet, UTF-8); the fewest bytes wins, the earlier scheme on a tie (so
    ``"1203"`` is an integer, as in ISO 28560-2 Annex D).
    """
    if not text:
        return OCTET, b""
    if not text.isascii():
        try:
            return UTF8, text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodeError(None, f"character {exc.start} of {text!r} cannot be written "
                                    f"as UTF-8") from None
    count = len(text)
    if text.isdigit():
        if (count == 1 or text[0] != "0") and count <= _INTEGER_MAX_DIGITS:
            number = int(text)
            size = max(1, (number.bit_length() + 7) // 8)
            if size <= (count + 1) // 2:
                return INTEGER, number.to_bytes(size, "big")
        return NUMERIC, encode_numeric(text)
    raw = text.encode("ascii")
    low, high = min(raw), max(raw)
    if low >= 0x41 and high <= 0x5F:
        return FIVE_BIT, encode_5bit(text)
    if low >= 0x20 and high <= 0x5F and text[-1] != " ":
        return SIX_BIT, _encode_6bit(raw)
    if high <= 0x7E:
        return SEVEN_BIT, encode_7bit(text)
    return OCTET, raw


def compact_as(text: str, code: int) -> bytes:
    """``text`` in the given scheme, or :class:`EncodeError` if it cannot be."""
    try:
        if code == UTF8:
            return text.encode("utf-8")
        if code == OCTET:
            return text.encode("latin-1")
        raw = text.encode("ascii")
    except UnicodeEncodeError:  # includes lone surrogates in UTF-8
        raise EncodeError(None, f"{NAMES[code]} compaction cannot carry {text!r}") from None
    low, high = (min(raw), max(raw)) if raw else (0x41, 0x41)
    digits = text.isdigit() or not text
    if code == INTEGER and digits and (len(text) <= 1 or text[0] != "0") and text and \
            len(text) <= _INTEGER_MAX_DIGITS:
        return encode_integer(text)
    if code == NUMERIC and digits:
        return encode_numeric(text)
    if code == FIVE_BIT and low >= 0x41 and high <= 0x5F:
        return encode_5bit(text)
    if code == SIX_BIT and low >= 0x20 and high <= 0x5F and not text.endswith(" "):
        return encode_6bit(text)
    if code == SEVEN_BIT and high <= 0x7E:
        return encode_7bit(text)
    raise EncodeError(None, f"{NAMES[code]} compaction cannot carry {text!r}")
