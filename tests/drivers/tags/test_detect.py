"""Auto-detection between the data models: DSFID first, then content; blank
and unknown tags are reported as such, with the reason."""

from __future__ import annotations

import pytest

from drivers.tags import (
    BlankTagError,
    CorruptTagError,
    ItemTag,
    TagDataError,
    UnknownFormatError,
    decode,
    encode,
)
from drivers.tags.part3 import reversed_blocks
from tests.drivers.tags.conftest import ANNEX_D, PART3_B1, memory_3m

PART3_FULL = encode(ItemTag.new("30012345", "VN-HN1", 1, 1, 1, title="Số đỏ"),
                    model="28560-3").memory


@pytest.mark.parametrize(("memory", "dsfid", "model"), [
    (ANNEX_D, 0x06, "28560-2"),
    (ANNEX_D, None, "28560-2"),
    (ANNEX_D, 0x00, "28560-2"),
    (ANNEX_D, 0xC2, "28560-2"),          # a DSFID that names nothing: content decides
    (PART3_B1, None, "28560-3"),
    (PART3_B1, 0x00, "28560-3"),         # what real ISO 28560-3 tags often carry
    (PART3_B1, 0x3E, "28560-3"),
    (PART3_FULL, 0x00, "28560-3"),
    (reversed_blocks(PART3_B1), 0x00, "28560-3"),
    (memory_3m(), None, "3m"),
    (memory_3m(), 0x00, "3m"),
])
def test_auto_detection(memory: bytes, dsfid: int | None, model: str) -> None:
    assert decode(memory, dsfid=dsfid).model == model


def test_part3_with_a_bad_crc_and_dsfid_0_is_still_part3() -> None:
    memory = bytearray(PART3_B1)
    memory[19] ^= 0xFF
    tag = decode(bytes(memory), dsfid=0x00)
    assert tag.model == "28560-3" and tag.crc_ok is False


def test_part3_whose_first_byte_is_also_a_part2_precursor() -> None:
    # 0x11 is "version 1, type of usage 1" and also "integer PII, no offset":
    # the CRC settles it, and without a good CRC the PII field does
    assert PART3_B1[0] == 0x11
    assert decode(PART3_B1).model == "28560-3"


def test_a_dsfid_that_names_a_model_decides() -> None:
    with pytest.raises(CorruptTagError):
        decode(PART3_B1, dsfid=0x06)  # told ISO 28560-2: read as such, and it is not
    assert decode(ANNEX_D, dsfid=0x06).model == "28560-2"


def test_the_site_override_skips_detection() -> None:
    tag = decode(memory_3m(), model="3m")
    assert tag.model == "3m"
    with pytest.raises(CorruptTagError):
        decode(memory_3m(), model="28560-2")
    with pytest.raises(ValueError, match="unknown tag data model"):
        decode(ANNEX_D, model="28560-9")


@pytest.mark.parametrize(("memory", "reason"), [
    (b"", "no memory was read (0 bytes)"),
    (bytes(32), "all 32 bytes are 00"),
    (b"\xff" * 112, "all 112 bytes are FF"),
    (b"\x55" * 24 + bytes(8), "3M factory blank"),
    (b"\x00\x12\x34", "the first byte is a terminator"),
])
def test_blank_tags(memory: bytes, reason: str) -> None:
    for model in ("auto", "28560-2", "28560-3", "3m"):
        if memory[:1] == b"\x00" and memory.count(0) != len(memory) and model != "auto":
            continue
        with pytest.raises(BlankTagError) as info:
            decode(memory, model=model)
        assert reason in str(info.value)


@pytest.mark.parametrize("memory", [
    b"\x42\x01\x02\x03",
    b"\x05" + bytes(31),
    bytes.fromhex("E0 04 01 00 12 34 56 78"),  # looks like a UID, not user memory
])
def test_unknown_formats_name_the_first_byte(memory: bytes) -> None:
    with pytest.raises(UnknownFormatError) as info:
        decode(memory)
    assert info.value.offset == 0 and str(info.value).startswith("byte 0: 0x")


def test_a_part2_looking_tag_that_fails_reports_why() -> None:
    with pytest.raises(CorruptTagError) as info:
        decode(b"\x11\x09\x01\x02")
    assert info.value.offset == 2 and "needs 9 bytes" in info.value.reason


def test_errors_carry_offset_and_reason_and_pickle() -> None:
    import pickle

    error = CorruptTagError(12, "compaction 5 needs at least 8 chars")
    assert str(error) == "byte 12: compaction 5 needs at least 8 chars"
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, CorruptTagError) and again.offset == 12
    assert issubclass(BlankTagError, TagDataError) and issubclass(TagDataError, ValueError)
    assert str(BlankTagError(None, "all 4 bytes are 00")) == "all 4 bytes are 00"


def test_memory_may_be_bytearray_or_memoryview() -> None:
    assert decode(bytearray(ANNEX_D)).pii == decode(memoryview(ANNEX_D)).pii == "123456789012"
