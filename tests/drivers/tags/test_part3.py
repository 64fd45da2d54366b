"""ISO 28560-3 fixed-length encoding: the basic block (34 and 32 bytes), its
CRC, and every extension block, including corrupted ones."""

from __future__ import annotations

import binascii
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.tags import CorruptTagError, EncodeError, ItemTag, decode, encode
from drivers.tags.part3 import crc, reversed_blocks
from drivers.tags.part3_blocks import BLOCKS, frame, xor
from tests.drivers.tags.conftest import PART3_B1

#: Every field of every block, by relative OID.
FIELDS = {f.oid: (block_id, f) for block_id, (_, fields) in BLOCKS.items() for f in fields}
printable = st.characters(min_codepoint=0x20, exclude_categories=("Cs",))


@st.composite
def part3_tags(draw: st.DrawFn) -> ItemTag:
    pii = draw(st.text(st.sampled_from("0123456789ABCDEFXYZ-"), min_size=1, max_size=16))
    owner = draw(st.none() | st.builds(lambda c, r: f"{c}-{r}",
                                       st.sampled_from(["DK", "VN", "US", "DE"]),
                                       st.text(st.sampled_from("0123456789abcXYZ-"),
                                               min_size=1, max_size=11)))
    parts = draw(st.integers(1, 255))
    part = draw(st.integers(1, parts))
    usage = draw(st.integers(0, 15))
    oids = draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=6))
    extra = {}
    for oid in oids:
        _, field = FIELDS[oid]
        if field.kind == "u8":
            extra[oid] = str(draw(st.integers(1, 255)))
        else:
            size = field.size or 120
            value = draw(st.text(printable, min_size=1, max_size=size))
            while len(value.encode()) > size:
                value = value[:-1]
            extra[oid] = value or "x"
    return ItemTag.new(pii, owner, parts, part, usage, extra=extra, model="28560-3")


@settings(max_examples=300, deadline=None)
@given(part3_tags())
def test_every_field_of_every_block_round_trips(tag: ItemTag) -> None:
    memory = encode(tag, model="28560-3").memory
    back = decode(memory)
    assert back.model == "28560-3" and back.crc_ok is True and back.problems == ()
    assert (back.pii, back.owner_isil) == (tag.pii, tag.owner_isil or None)
    assert (back.parts_in_item, back.part_number) == (tag.parts_in_item, tag.part_number)
    assert back.type_of_usage == tag.type_of_usage and back.version == 1
    for element in tag.elements:
        if element.oid is not None and element.oid > 5:
            assert back.get(element.oid) == element.value
    assert {b.block_id for b in back.blocks} == {
        FIELDS[e.oid][0] for e in tag.elements if e.oid is not None and e.oid > 5}
    assert all(b.checksum_ok for b in back.blocks)


def test_basic_block_layout_and_crc() -> None:
    tag = ItemTag.new("1000000056", "DK-718500", 3, 2, 2, model="28560-3")
    memory = encode(tag, model="28560-3").memory
    assert len(memory) == 36 and memory[34:] == b"\0\0"  # end block, block padding
    assert memory[0] == 0x12 and memory[1:3] == b"\x03\x02"
    assert memory[3:19] == b"1000000056".ljust(16, b"\0")
    assert memory[21:34] == b"DK718500".ljust(13, b"\0")
    assert int.from_bytes(memory[19:21], "little") == crc(memory)
    assert crc(memory) == binascii.crc_hqx(memory[:19] + memory[21:34], 0xFFFF)


def test_truncated_basic_block_counts_two_zero_bytes() -> None:
    assert crc(PART3_B1) == crc(PART3_B1 + b"\0\0")
    with pytest.raises(EncodeError, match="does not fit 9 bytes"):
        encode(ItemTag.new("1", "DK-1234567890", model="28560-3"), model="28560-3",
               capacity=32)
    with pytest.raises(EncodeError, match="no room for extension"):
        encode(ItemTag.new("1", "DK-7", title="x"), model="28560-3", capacity=32)
    eleven = ItemTag.new("1", "DK-12345678901", model="28560-3")
    assert decode(encode(eleven, model="28560-3").memory).owner_isil == "DK-12345678901"


def test_a_wrong_crc_is_reported_not_raised() -> None:
    memory = bytearray(PART3_B1)
    memory[10] ^= 0x01  # one bit of the PII
    tag = decode(bytes(memory))
    assert tag.model == "28560-3" and tag.crc_ok is False
    assert tag.pii == "1000000156"
    assert tag.problems[0].startswith("byte 19: CRC A498 stored")


def test_blocks_read_in_reverse_byte_order_are_turned_round() -> None:
    tag = decode(reversed_blocks(PART3_B1))
    assert tag.pii == "1000000056" and tag.crc_ok is True
    assert "reverse byte order" in tag.problems[0]


@given(st.binary(max_size=256))
def test_xor_checksum(data: bytes) -> None:
    expected = 0
    for byte in data:
        expected ^= byte
    assert xor(data) == expected


def test_extension_block_frame() -> None:
    block = frame(4, "Truyện Kiều".encode())
    assert block[0] == len(block) and block[1:3] == b"\x04\x00" and xor(block) == 0
    tag = decode(PART3_B1 + b"\0\0" + block + b"\x01\x01\0")  # two fillers, end
    assert tag.title == "Truyện Kiều" and tag.blocks[0].name == "title block"
    assert tag.blocks[0].offset == 34 and tag.blocks[0].checksum_ok


def basic() -> bytes:
    return encode(ItemTag.new("1000000056", "DK-718500", model="28560-3"),
                  model="28560-3", capacity=36).memory[:34]


def test_a_corrupted_extension_block_is_reported_with_its_byte() -> None:
    block = bytearray(frame(1, b"\x05" + b"AB" + b"CD" + b"Kho A".ljust(16, b"\0")))
    good = decode(basic() + bytes(block) + b"\0")
    assert good.media_format == "5" and good.shelf_location == "Kho A"
    block[6] ^= 0x20  # corrupt a byte of the data
    tag = decode(basic() + bytes(block) + b"\0")
    assert tag.crc_ok is True and tag.blocks[0].checksum_ok is False
    assert tag.problems == ("byte 34: library extension block fails its XOR checksum",)
    assert tag.get(7) == "Ab"  # the data is still shown, flagged


@pytest.mark.parametrize(("tail", "message"), [
    (b"\x30\x01\x00\x00", "byte 34: extension block of length 48 does not fit"),
    (b"\x02\x01", "byte 34: extension block of length 2 does not fit"),
    (b"\x05\x01\xff\x00\x00", "too short for its 24-bit ID"),
])
def test_extension_blocks_that_do_not_fit_stop_the_reading(tail: bytes, message: str) -> None:
    tag = decode(basic() + tail)
    assert tag.pii == "1000000056" and any(message in p for p in tag.problems)


def test_24_bit_ids_and_unknown_blocks_are_listed() -> None:
    # length, ID LSB, 0xFF escape, ID middle, ID MSB, checksum, data
    body = bytes((10, 0x34, 0xFF, 0x00, 0x12, 0x00)) + b"abcd"
    block = body[:5] + bytes((xor(body),)) + body[6:]
    plain = frame(0x0777, b"vendor data")
    tag = decode(basic() + block + plain + b"\0")
    assert [(b.block_id, b.checksum_ok) for b in tag.blocks] == [(0x120034, True),
                                                                (0x0777, True)]
    assert tag.blocks[1].name == "unstructured extension block 1911"


def test_a_short_block_leaves_its_missing_fields_absent() -> None:
    ill = frame(5, b"VN-HaNoi".ljust(16, b"\0") + b"T-42")  # cut in field 2
    tag = decode(basic() + ill + b"\0")
    assert tag.ill_borrowing_institution == "VN-HaNoi" and tag.get(12) == "T-42"
    assert tag.get(25) is None


def test_pii_must_be_there_and_readable() -> None:
    memory = bytearray(basic())
    memory[3:19] = bytes(16)
    with pytest.raises(CorruptTagError, match="byte 3: the primary item identifier"):
        decode(bytes(memory), model="28560-3")
    memory[3:5] = b"\xc3\x28"
    with pytest.raises(CorruptTagError, match="byte 3: the field is not UTF-8"):
        decode(bytes(memory), model="28560-3")
    with pytest.raises(CorruptTagError, match="byte 20: .* needs at least 32 bytes"):
        decode(bytes(memory[:20]), model="28560-3")


def test_encoder_refusals() -> None:
    def part3(**fields: object) -> bytes:
        tag = replace(ItemTag.new("1", "DK-1", model="28560-3"), **fields)  # type: ignore[arg-type]
        return encode(tag, model="28560-3").memory

    with pytest.raises(EncodeError, match="4 bits"):
        part3(type_of_usage=16)
    with pytest.raises(EncodeError, match="two-letter prefix"):
        part3(owner_isil="ZDB-1-TDA")
    with pytest.raises(EncodeError, match="does not fit 16 bytes"):
        part3(pii="12345678901234567")
    with pytest.raises(EncodeError, match="one byte each"):
        part3(parts_in_item=256)
    with pytest.raises(EncodeError, match="no place in ISO 28560-3"):
        encode(ItemTag.new("1", extra={27: "x"}), model="28560-3")
    with pytest.raises(EncodeError, match="not a number 1..255"):
        encode(ItemTag.new("1", media_format="book"), model="28560-3")
    with pytest.raises(EncodeError, match="more than 255"):
        encode(ItemTag.new("1", title="x" * 300), model="28560-3")
    with pytest.raises(EncodeError, match="32 or at least 34"):
        encode(ItemTag.new("1"), model="28560-3", capacity=16)
