"""The item-tag model: construction, the fast path the decoders use, views."""

from __future__ import annotations

import dataclasses
import json

import pytest

from drivers.tags import ItemTag, decode, encode
from drivers.tags.model import parse_set_information, set_information
from tests.drivers.tags.conftest import ANNEX_D


def test_every_field_has_a_class_default_for_the_fast_path() -> None:
    # ItemTag._make relies on dataclass keeping each default on the class
    for field in dataclasses.fields(ItemTag):
        if field.name in ("model", "pii"):
            continue
        assert field.default is not dataclasses.MISSING, field.name
        assert getattr(ItemTag, field.name) == field.default


def test_a_decoded_tag_equals_one_built_normally() -> None:
    tag = decode(ANNEX_D, dsfid=0x06)
    built = ItemTag(**{f.name: getattr(tag, f.name) for f in dataclasses.fields(ItemTag)})
    assert tag == built and hash(tag) == hash(built) and repr(tag) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tag.pii = "x"  # type: ignore[misc]


def test_new_builds_elements_in_oid_order() -> None:
    tag = ItemTag.new("123", "VN-HN1", 2, 1, 0x10, title="T", shelf_location="S", lock=["pii",
                                                                                     "title"])
    assert [e.oid for e in tag.elements] == [1, 3, 4, 5, 6, 17]
    assert tag.lock == (1, 17) and tag.get("title") == "T" and tag.get(4) == "0201"
    with pytest.raises(ValueError, match="both"):
        ItemTag.new("1", parts_in_item=2)
    with pytest.raises(ValueError, match="relative OIDs 6 to 127"):
        ItemTag.new("1", extra={3: "x"})


def test_set_information() -> None:
    assert set_information(12, 3) == "1203" and set_information(100, 7) == "100007"
    assert parse_set_information("1203") == (12, 3)
    assert parse_set_information("100007") == (100, 7)
    assert parse_set_information("123") is None and parse_set_information("１２") is None
    with pytest.raises(ValueError):
        set_information(2, 3)


def test_to_dict_is_json_with_the_cli_keys() -> None:
    data = json.loads(json.dumps(decode(ANNEX_D).to_dict()))
    assert {"model", "pii", "owner_isil", "parts_in_item", "part_number", "type_of_usage",
            "elements", "crc_ok"} <= set(data)
    assert data["elements"][0] == {"oid": 1, "name": "primary item identifier",
                                   "value": "123456789012", "compaction": "integer",
                                   "offset": 0}


def test_encoded_lock_map() -> None:
    encoded = encode(ItemTag.new("1", lock=()), block_size=8)
    assert encoded.lock_map() == "." and encoded.dsfid == 0x06
    assert encoded.memory == bytes.fromhex("11 01 01 00 00 00 00 00")
