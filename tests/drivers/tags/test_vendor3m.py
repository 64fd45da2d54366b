"""3M's legacy layout, read only, as open decoders document it."""

from __future__ import annotations

import pytest

from drivers.tags import BlankTagError, CorruptTagError, decode
from drivers.tags.security import SecurityPolicy
from drivers.tags.vendor3m import MANUFACTURING_BLANK
from tests.drivers.tags.conftest import memory_3m


def test_a_3m_tag_decodes_with_every_field() -> None:
    tag = decode(memory_3m(b"1301234567", part=2, parts=3, item_type=9, branch=3,
                           library=4321, custom=-5))
    assert tag.model == "3m" and tag.pii == "1301234567"
    assert (tag.parts_in_item, tag.part_number) == (3, 2)
    assert tag.owner_isil is None and tag.crc_ok is None
    fields = {e.name: e.value for e in tag.elements}
    assert fields["3M item type"] == "9 (book with CD/CD-ROM)"
    assert fields["3M branch"] == "3" and fields["3M library"] == "4321"
    assert fields["3M custom"] == "-5" and fields["set information"] == "0302"
    assert tag.get(1) == "1301234567" and tag.problems == ()


def test_forced_3m_reports_odd_marker_bytes() -> None:
    memory = bytearray(memory_3m())
    memory[0], memory[2] = 0x05, 0x01
    tag = decode(bytes(memory), model="3m")
    assert tag.pii == "1301234567" and len(tag.problems) == 2


def test_short_or_unprintable_3m_data_is_corrupt() -> None:
    with pytest.raises(CorruptTagError, match="byte 12: a 3M tag needs at least 20"):
        decode(memory_3m()[:12], model="3m")
    with pytest.raises(CorruptTagError, match="byte 6: barcode byte 0x07"):
        decode(memory_3m(b"12\x07"), model="3m")
    with pytest.raises(CorruptTagError, match="byte 4: the barcode field is empty"):
        decode(memory_3m(b""), model="3m")


def test_3m_factory_blank_is_blank() -> None:
    with pytest.raises(BlankTagError, match="3M factory blank"):
        decode(MANUFACTURING_BLANK + bytes(4))


def test_3m_security_values_are_expressible() -> None:
    policy = SecurityPolicy.vendor_3m()
    assert policy.afi_for(True) == 0xD7 and policy.afi_for(False) == 0xDA
    assert policy.is_secured(0xD7) is True and policy.is_secured(0x07) is None
