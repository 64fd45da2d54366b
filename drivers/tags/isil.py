"""The ISIL compaction scheme of ISO 28560-2 (Annex C), used for the owner
institution and the ILL borrowing institution (relative OIDs 3 and 11) under
ISO/IEC 15962 compaction code 0 (application-defined).

Three character sets, starting in the upper-case set:

- upper case, 5 bits: ``-`` = 0, ``A``..``Z`` = 1..26, ``:`` = 27;
- lower case, 5 bits: ``-`` = 0, ``a``..``z`` = 1..26, ``/`` = 27;
  in both: 28 latch to the other letter set, 29 shift to it for one
  character, 30 latch to digits, 31 shift to digits;
- digits, 4 bits: ``0``..``9`` = 0..9, ``-`` = 10, ``:`` = 11, 12 latch to
  upper case, 13 shift to upper case, 14 latch to lower case, 15 shift to it.

The last byte is padded with 1 bits; since an all-ones code is always a
shift, a decoder simply stops when fewer bits remain than the current set's
code width. Examples: ``US-InU-Mu`` = ``AC C0 9E BA A0 6F 6B`` (ISO 28560-2
Annex D), ``DE-Heu1`` = ``21 40 8E 16 BF 1F`` (GOST R ISO 28560-2 Table C.3).
"""

from __future__ import annotations

from functools import lru_cache

from drivers.tags.errors import EncodeError

UPPER, LOWER, DIGIT = 0, 1, 2
_WIDTH = (5, 5, 4)

_UPPER_CHARS = "-" + "".join(chr(c) for c in range(0x41, 0x5B)) + ":"
_LOWER_CHARS = "-" + "".join(chr(c) for c in range(0x61, 0x7B)) + "/"
_DIGIT_CHARS = "0123456789-:"

#: Per set, per code: the character ("" for a control code).
_CHARS: tuple[tuple[str, ...], ...] = (
    tuple(_UPPER_CHARS) + ("", "", "", ""),
    tuple(_LOWER_CHARS) + ("", "", "", ""),
    tuple(_DIGIT_CHARS) + ("", "", "", ""),
)
#: Per set, per control code: (target set, is_shift).
_CONTROL: tuple[dict[int, tuple[int, bool]], ...] = (
    {28: (LOWER, False), 29: (LOWER, True), 30: (DIGIT, False), 31: (DIGIT, True)},
    {28: (UPPER, False), 29: (UPPER, True), 30: (DIGIT, False), 31: (DIGIT, True)},
    {12: (UPPER, False), 13: (UPPER, True), 14: (LOWER, False), 15: (LOWER, True)},
)
#: Per (from set, to set): (latch code, shift code).
_SWITCH: dict[tuple[int, int], tuple[int, int]] = {
    (UPPER, LOWER): (28, 29), (UPPER, DIGIT): (30, 31),
    (LOWER, UPPER): (28, 29), (LOWER, DIGIT): (30, 31),
    (DIGIT, UPPER): (12, 13), (DIGIT, LOWER): (14, 15),
}


def _codes_by_char() -> dict[str, dict[int, int]]:
    codes: dict[str, dict[int, int]] = {}
    for charset, chars in ((UPPER, _UPPER_CHARS), (LOWER, _LOWER_CHARS), (DIGIT, _DIGIT_CHARS)):
        for code, char in enumerate(chars):
            codes.setdefault(char, {})[charset] = code
    return codes


#: Per character: {set: code} for every set that has it.
_CODES: dict[str, dict[int, int]] = _codes_by_char()


def decode(data: bytes, at: int = 0) -> str:
    """The ISIL in ``data``. Every code is defined, so this never fails."""
    return _decode_memo(data)


@lru_cache(maxsize=256)
def _decode_memo(data: bytes) -> str:
    """Memoised: a library's tags carry one owner ISIL (a few at most), and
    the bit-by-bit walk costs more than the rest of a decode. The cache is
    bounded, thread-safe and cannot change a result."""
    return decode_uncached(data)


def decode_uncached(data: bytes) -> str:
    value = int.from_bytes(data, "big")
    left = len(data) * 8
    state, back = UPPER, -1
    out: list[str] = []
    while True:
        width = _WIDTH[state]
        if left < width:
            break
        left -= width
        code = value >> left & ((1 << width) - 1)
        char = _CHARS[state][code]
        if char:
            out.append(char)
            if back >= 0:
                state, back = back, -1
            continue
        target, shift = _CONTROL[state][code]
        if shift:
            if back < 0:
                back = state
        else:
            back = -1
        state = target
    return "".join(out)


@lru_cache(maxsize=256)
def encode_if_isil(text: str) -> bytes | None:
    """:func:`encode`, or ``None`` if ``text`` has a character outside the
    scheme. Memoised for the same reason as decoding: a library writes the
    same owner ISIL on every tag."""
    try:
        return encode(text)
    except EncodeError:
        return None


def encode(text: str) -> bytes:
    """``text`` in the ISIL scheme: greedy, one character of look-ahead (shift
    for a single character, latch when the next one needs the same set)."""
    value, nbits, state = 0, 0, UPPER
    for index, char in enumerate(text):
        sets = _CODES.get(char)
        if sets is None:
            raise EncodeError(None, f"{char!r} is not an ISIL character (A-Z a-z 0-9 - : /)")
        if state in sets:
            width = _WIDTH[state]
            value, nbits = value << width | sets[state], nbits + width
            continue
        after = _CODES.get(text[index + 1], {}) if index + 1 < len(text) else None
        latch = after is not None and state not in after
        target = next((s for s in sets if after and s in after), min(sets)) if latch \
            else min(sets)
        code = _SWITCH[state, target][0 if latch else 1]
        width = _WIDTH[state]
        value, nbits = value << width | code, nbits + width
        width = _WIDTH[target]
        value, nbits = value << width | sets[target], nbits + width
        if latch:
            state = target
    pad = -nbits % 8
    return (value << pad | (1 << pad) - 1).to_bytes((nbits + pad) // 8, "big")
