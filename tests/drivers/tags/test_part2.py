"""ISO 28560-2 (ISO/IEC 15962 no-directory) encoding and decoding: every
element, long data, offsets and pads, terminator or full memory, lock
layouts, and corrupt memory reported with its byte."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.tags import (
    BlankTagError,
    CorruptTagError,
    EncodeError,
    ItemTag,
    decode,
    encode,
)
from drivers.tags.model import ELEMENTS, NAMES
from tests.drivers.tags.conftest import ANNEX_D

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
isil_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/",
                    min_size=1, max_size=16)


@st.composite
def item_tags(draw: st.DrawFn) -> ItemTag:
    pii = draw(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=32))
    owner = draw(st.none() | isil_text | text)
    parts = draw(st.none() | st.integers(1, 999))
    part = None if parts is None else draw(st.integers(1, parts))
    usage = draw(st.none() | st.integers(0, 255))
    oids = draw(st.sets(st.integers(6, 127), max_size=8))
    extra = {oid: draw(isil_text if oid == 11 else text) for oid in oids}
    lock = draw(st.sets(st.sampled_from([1, 3, *sorted(oids)])))
    return ItemTag.new(pii, owner, parts, part, usage, extra=extra, lock=lock)


def check_round_trip(tag: ItemTag, memory: bytes) -> None:
    back = decode(memory)
    assert back.model == "28560-2"
    assert (back.pii, back.owner_isil) == (tag.pii, tag.owner_isil)
    assert (back.parts_in_item, back.part_number) == (tag.parts_in_item, tag.part_number)
    assert back.type_of_usage == tag.type_of_usage
    for element in tag.elements:
        assert element.oid is not None
        assert back.get(element.oid) == element.value, element
    listed = {e.oid for e in tag.elements} - {1, 2}
    if listed:
        assert set(back.content_parameter or ()) == listed
    assert back.elements[0].oid == 1 and back.problems == ()


@settings(max_examples=300, deadline=None)
@given(item_tags(), st.sampled_from([4, 8]))
def test_every_element_round_trips(tag: ItemTag, block_size: int) -> None:
    encoded = encode(tag, block_size=block_size)
    assert len(encoded.memory) % block_size == 0
    check_round_trip(tag, encoded.memory)
    # a tag the data fills exactly gets no terminator and reads the same
    smaller = len(encoded.memory) - block_size
    try:
        tight = encode(tag, block_size=block_size, capacity=smaller)
    except EncodeError:
        return
    assert len(tight.memory) == smaller
    check_round_trip(tag, tight.memory)


@settings(max_examples=200, deadline=None)
@given(item_tags(), st.sampled_from([4, 8]))
def test_locked_elements_own_whole_blocks(tag: ItemTag, block_size: int) -> None:
    encoded = encode(tag, block_size=block_size)
    back = decode(encoded.memory)
    starts = [e.offset for e in back.elements] + [len(encoded.memory.rstrip(b"\0")) or 1]
    locked_blocks: set[int] = set()
    for element, end in zip(back.elements, starts[1:], strict=False):
        assert element.offset is not None
        if element.oid in tag.lock:
            locked_blocks |= set(range(element.offset // block_size,
                                       (end - 1) // block_size + 1))
    assert set(encoded.lock_blocks) >= locked_blocks
    for block in encoded.lock_blocks:  # a locked block holds only locked data sets
        for element, end in zip(back.elements, starts[1:], strict=False):
            assert element.offset is not None
            overlaps = element.offset < (block + 1) * block_size and end > block * block_size
            if overlaps:
                assert element.oid in tag.lock, (element, block)
    assert encoded.memory[0] & 0x0F == 1 or encoded.memory[0] == 0x0F  # PII first


def test_all_31_elements_have_iso_names_and_round_trip() -> None:
    assert [NAMES[oid] for oid in range(1, 32)] == [ELEMENTS[oid][0] for oid in range(1, 32)]
    extra = {oid: f"value {oid}" for oid in range(6, 32)}
    tag = ItemTag.new("30012345", "VN-HaNoi1", 2, 1, 0x10, extra=extra)
    back = decode(encode(tag).memory)
    assert [e.oid for e in back.elements] == [1, 2, 3, 4, 5, *range(6, 32)]
    assert back.content_parameter == tuple(range(3, 32))
    for oid in range(15, 32):  # the extension byte above 14
        element = next(e for e in back.elements if e.oid == oid)
        assert element.value == f"value {oid}"
    assert back.type_of_usage == 0x10 and back.get(5) == "10"
    assert back.title == "value 17" and back.media_format == "value 19"


def test_keywords_set_elements_by_name() -> None:
    tag = ItemTag.new("1", shelf_location="QA268.L55", title="Truyện Kiều", media_format=1,
                      ill_borrowing_institution="VN-HCM", local_data_c="x")
    back = decode(encode(tag).memory)
    assert back.shelf_location == "QA268.L55" and back.title == "Truyện Kiều"
    assert back.ill_borrowing_institution == "VN-HCM" and back.get("local_data_c") == "x"
    assert next(e for e in back.elements if e.oid == 11).compaction == "isil"
    with pytest.raises(TypeError):
        ItemTag.new("1", colour="red")


def test_data_longer_than_127_bytes_uses_a_multi_byte_length() -> None:
    title = "Nhật ký trong tù " * 20
    memory = encode(ItemTag.new("1", title=title)).memory
    back = decode(memory)
    assert back.title == title
    element = next(e for e in back.elements if e.oid == 17)
    assert element.offset is not None
    size = len(title.encode())
    assert memory[element.offset + 2:element.offset + 4] == bytes((0x80 | size >> 7,
                                                                   size & 0x7F))


def test_pad_bytes_are_skipped_by_count_whatever_their_value() -> None:
    memory = bytearray(ANNEX_D)
    memory[34:36] = b"\xff\x55"  # the owner ISIL's two pad bytes
    assert decode(bytes(memory)).owner_isil == "US-InU-Mu"
    # a pad after the PII, holding a value that would look like data
    memory = bytearray(encode(ItemTag.new("12345", "DE-Heu1"), block_size=8).memory)
    memory[5:8] = b"\x93\x7f\x01"
    assert decode(bytes(memory)).pii == "12345"


def test_terminator_ends_the_data_and_full_memory_needs_none() -> None:
    trailing = ANNEX_D + b"\x00" + b"\x91\xff garbage after the terminator"
    assert decode(trailing).owner_isil == "US-InU-Mu"
    assert decode(ANNEX_D).owner_isil == "US-InU-Mu"
    default = encode(ItemTag.new("123456789012", "US-InU-Mu", 12, 3,
                                 shelf_location="QA268.L55", lock=(1, 3)))
    assert default.memory == ANNEX_D + bytes(4) and default.lock_map() == "ll....lll."


def test_block_size_8() -> None:
    tag = ItemTag.new("123456789012", "US-InU-Mu", 12, 3, shelf_location="QA268.L55",
                      lock=(1, 3))
    encoded = encode(tag, block_size=8)
    assert encoded.lock_map() == "l..ll." and len(encoded.memory) == 48
    assert encoded.memory[:8] == bytes.fromhex("91 00 05 1C BE 99 1A 14")
    assert decode(encoded.memory) == replace(decode(encoded.memory), lock=(1,))
    check_round_trip(tag, encoded.memory)


def test_unlocked_pii_is_not_padded() -> None:
    encoded = encode(ItemTag.new("123456789012", "US-InU-Mu", lock=()))
    assert encoded.lock_blocks == () and encoded.memory[:2] == b"\x11\x05"


@pytest.mark.parametrize(("memory", "offset", "message"), [
    (b"\x11\x05\x1c\xbe", 2, "needs 5 bytes of data, 2 left"),
    (b"\x91\x00", 2, "cut off"),
    (b"\x11", 1, "cut off"),
    (b"\x10\x01\x05", 0, "relative OID 0"),
    (b"\x0f\x71\x01\x41", 1, "relative OID 128 is above 127"),
    (b"\x91\x07\x01\x05", 4, "pad bytes"),
    (b"\x06\x01\x41", 0, "no primary item identifier"),
    (b"\x11\xff\xff\xff\xff\x7f", 5, "length of more than four bytes"),
    (b"\x21\x01\x1a", 2, "nibble A, not a digit"),
    (b"\x71\x02\xc3\x28", 2, "invalid UTF-8"),
])
def test_corrupt_memory_names_the_byte(memory: bytes, offset: int, message: str) -> None:
    with pytest.raises(CorruptTagError) as info:
        decode(memory, model="28560-2")
    assert info.value.offset == offset
    assert message in info.value.reason
    assert str(info.value) == f"byte {offset}: {info.value.reason}"
    assert isinstance(info.value, ValueError)


def test_a_terminator_first_is_blank() -> None:
    with pytest.raises(BlankTagError):
        decode(b"\x00\x91\x00", model="28560-2")


def test_tolerated_oddities_are_reported_as_problems() -> None:
    duplicate = b"\x11\x01\x05\x11\x01\x06"
    tag = decode(duplicate)
    assert tag.pii == "5" and len(tag.elements) == 2
    assert tag.problems == ("byte 3: OID 1 appears again; the first one counts",)
    late_pii = decode(b"\x06\x01\x41\x11\x01\x05", dsfid=0x06)
    assert late_pii.pii == "5"
    assert "not the first data set" in late_pii.problems[0]
    odd = decode(b"\x11\x01\x05\x74\x01\x41\x75\x02\xc3\xa9", dsfid=0x06)
    assert odd.parts_in_item is None and odd.type_of_usage is None
    assert len(odd.problems) == 2


def test_encoder_refusals() -> None:
    with pytest.raises(EncodeError, match="empty"):
        encode(ItemTag.new(""))
    with pytest.raises(EncodeError, match="needs 36 bytes; the tag holds 32"):
        encode(ItemTag.new("123456789012", "US-InU-Mu", 12, 3, shelf_location="QA268.L55",
                           lock=(1, 3)), capacity=32)
    with pytest.raises(EncodeError, match="block size"):
        encode(ItemTag.new("1"), block_size=5)
    with pytest.raises(EncodeError, match="given twice"):
        tag = ItemTag.new("1", title="a")
        encode(replace(tag, elements=tag.elements * 2))
    with pytest.raises(EncodeError, match="above 127"):
        tag = ItemTag.new("1")
        encode(replace(tag, elements=(*tag.elements, tag.elements[0]._replace(oid=200))))
    with pytest.raises(EncodeError, match="not one byte"):
        encode(replace(ItemTag.new("1"), type_of_usage=300))
    with pytest.raises(EncodeError, match="read only"):
        encode(ItemTag.new("1"), model="3m")
    with pytest.raises(EncodeError, match="UTF-8"):
        encode(ItemTag.new("1", title="\ud800"))
