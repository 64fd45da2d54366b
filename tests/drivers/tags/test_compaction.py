"""ISO/IEC 15962 compaction: every scheme round-trips, the encoder picks the
most compact one, and bad compacted data is reported with its byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.tags import CorruptTagError, EncodeError, isil
from drivers.tags.compaction import (
    CODE_BY_NAME,
    DECODERS,
    FIVE_BIT,
    INTEGER,
    NUMERIC,
    OCTET,
    SEVEN_BIT,
    SIX_BIT,
    UTF8,
    compact,
    compact_as,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=60)
five_bit = st.text(alphabet=[chr(c) for c in range(0x41, 0x60)], min_size=1, max_size=60)
six_bit = st.text(alphabet=[chr(c) for c in range(0x20, 0x60)], min_size=1, max_size=60).filter(
    lambda s: not s.endswith(" "))
seven_bit = st.text(alphabet=[chr(c) for c in range(0x00, 0x7F)], min_size=1, max_size=60)
isil_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/",
                    min_size=1, max_size=16)


def roundtrip(text: str, code: int) -> str:
    return DECODERS[code](compact_as(text, code), 0)


@given(digits.filter(lambda s: s == "0" or not s.startswith("0")))
def test_integer_round_trip(text: str) -> None:
    assert roundtrip(text, INTEGER) == text


@given(digits)
def test_numeric_round_trip(text: str) -> None:
    data = compact_as(text, NUMERIC)
    assert len(data) == (len(text) + 1) // 2
    assert roundtrip(text, NUMERIC) == text


@given(five_bit)
def test_5bit_round_trip(text: str) -> None:
    assert len(compact_as(text, FIVE_BIT)) == (5 * len(text) + 7) // 8
    assert roundtrip(text, FIVE_BIT) == text


@given(six_bit)
def test_6bit_round_trip(text: str) -> None:
    assert len(compact_as(text, SIX_BIT)) == (6 * len(text) + 7) // 8
    assert roundtrip(text, SIX_BIT) == text


@given(seven_bit)
def test_7bit_round_trip(text: str) -> None:
    assert len(compact_as(text, SEVEN_BIT)) == (7 * len(text) + 7) // 8
    assert roundtrip(text, SEVEN_BIT) == text


@given(st.text(alphabet=[chr(c) for c in range(0x80)], max_size=60))
def test_octet_round_trip(text: str) -> None:
    assert roundtrip(text, OCTET) == text


@given(st.text(max_size=60).filter(lambda s: "\ud800" not in s))
def test_utf8_round_trip(text: str) -> None:
    assert roundtrip(text, UTF8) == text


@given(isil_text)
def test_isil_round_trip(text: str) -> None:
    assert isil.decode(isil.encode(text)) == text
    assert isil.decode_uncached(isil.encode(text)) == text


@given(st.text(max_size=40))
def test_compact_picks_the_smallest_scheme_that_round_trips(text: str) -> None:
    code, data = compact(text)
    assert DECODERS[code](data, 0) == text
    for other in range(1, 8):
        try:
            size = len(compact_as(text, other))
        except EncodeError:
            continue
        if other == OCTET and not text.isascii():
            continue  # Latin-1 octets do not read back as the same text
        assert len(data) <= size, (other, size)
        if size == len(data) and text:
            assert code <= other  # ties go to the earlier scheme (empty: octet)


@pytest.mark.parametrize(("text", "scheme"), [
    ("123456789012", "integer"), ("1203", "integer"), ("0", "integer"), ("007", "numeric"),
    ("JPN", "5-bit"), ("AB", "5-bit"), ("QA268.L55", "6-bit"), ("QA268 ", "7-bit"),
    ("12345678a", "7-bit"), ("a\x7f", "octet"), ("Tiếng Việt", "utf-8"), ("", "octet"),
])
def test_scheme_choice(text: str, scheme: str) -> None:
    code, _ = compact(text)
    assert code == CODE_BY_NAME[scheme]


def test_pad_groups_are_not_read_as_characters() -> None:
    # 3 six-bit characters leave a whole pad group 100000 (a space) at the end
    assert compact_as("ABC", SIX_BIT).hex() == "0420e0"
    assert DECODERS[SIX_BIT](bytes.fromhex("0420e0"), 0) == "ABC"
    # 1 seven-bit character leaves 1 pad bit; 8 leave none; 7 + 0x7F pad
    assert DECODERS[SEVEN_BIT](compact_as("A", SEVEN_BIT), 0) == "A"
    assert DECODERS[FIVE_BIT](compact_as("AB", FIVE_BIT), 0) == "AB"


def test_schemes_refuse_what_they_cannot_carry() -> None:
    for text, code in [("0123", INTEGER), ("12a", NUMERIC), ("abc", FIVE_BIT),
                       ("AB ", SIX_BIT), ("a\x7f", SEVEN_BIT), ("Việt", OCTET)]:
        with pytest.raises(EncodeError):
            compact_as(text, code)
    with pytest.raises(EncodeError, match="not an ISIL character"):
        isil.encode("DK 1")


def test_bad_compacted_data_names_its_byte() -> None:
    with pytest.raises(CorruptTagError) as info:
        DECODERS[NUMERIC](bytes.fromhex("12 3A"), 40)
    assert info.value.offset == 41 and str(info.value).startswith("byte 41: ")
    with pytest.raises(CorruptTagError) as info:
        DECODERS[UTF8](b"ab\xff", 10)
    assert info.value.offset == 12
    with pytest.raises(CorruptTagError, match="exceeds 64"):
        DECODERS[INTEGER](bytes(65), 0)


def test_octet_reads_utf8_when_valid_else_latin1() -> None:
    assert DECODERS[OCTET]("Việt".encode(), 0) == "Việt"
    assert DECODERS[OCTET](b"caf\xe9", 0) == "café"
