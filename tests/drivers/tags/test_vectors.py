"""Every vector of ../shared/vectors/iso28560.json, decoded and re-encoded."""

from __future__ import annotations

import binascii
from dataclasses import replace
from typing import Any

import pytest

from drivers.tags import ItemTag, decode, encode, isil
from drivers.tags.compaction import CODE_BY_NAME, DECODERS, compact_as
from drivers.tags.part3 import crc
from drivers.tags.security import SecurityPolicy
from tests.conftest import ROOT, SHARED
from tests.drivers.tags.conftest import DATA, load_vectors

VECTORS = load_vectors()


def test_the_repository_copy_matches_the_shared_vectors() -> None:
    # the main checkout has ../shared beside it, a worktree ../../shared
    places = [SHARED, ROOT.parent.parent / "shared"]
    shared = next((p / "vectors" / "iso28560.json" for p in places
                   if (p / "vectors" / "iso28560.json").exists()), None)
    if shared is None:
        pytest.skip("no ../shared/vectors beside this checkout (CI): the copy is used")
    assert (DATA / "iso28560.json").read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("vector", VECTORS["iso28560_2"], ids=lambda v: v["name"][:40])
def test_iso28560_2_vector_decodes(vector: dict[str, Any]) -> None:
    memory = bytes.fromhex(vector["hex"])
    tag = decode(memory, dsfid=int(vector["dsfid"], 16))
    assert tag.model == "28560-2"
    by_oid = {e.oid: e for e in tag.elements}
    assert [e.oid for e in tag.elements] == [int(k) for k in vector["decoded"]]
    for key, expected in vector["decoded"].items():
        element = by_oid[int(key)]
        assert element.name == expected["name"]
        if "value" in expected:
            assert element.value == expected["value"]
        if "value_oids" in expected:
            assert tag.content_parameter == tuple(expected["value_oids"])
    assert tag.pii == "123456789012"
    assert tag.owner_isil == "US-InU-Mu"
    assert (tag.parts_in_item, tag.part_number) == (12, 3)
    assert tag.shelf_location == "QA268.L55"
    assert by_oid[1].compaction == "integer" and by_oid[4].compaction == "integer"
    assert by_oid[6].compaction == "6-bit" and by_oid[3].compaction == "isil"
    assert tag.problems == ()
    # the same memory without its DSFID is recognised from its content
    assert decode(memory) == replace(tag, dsfid=None)


@pytest.mark.parametrize("vector", VECTORS["iso28560_2"], ids=lambda v: v["name"][:40])
def test_iso28560_2_vector_is_reproduced_with_its_lock_map(vector: dict[str, Any]) -> None:
    memory = bytes.fromhex(vector["hex"])
    tag = ItemTag.new(pii="123456789012", owner_isil="US-InU-Mu", parts_in_item=12,
                      part_number=3, shelf_location="QA268.L55", lock=("pii", "owner_isil"))
    encoded = encode(tag, model="28560-2", block_size=4, capacity=len(memory))
    assert encoded.memory == memory
    assert encoded.lock_map() == vector["lock_map"]
    assert encoded.lock_blocks == (0, 1, 6, 7, 8)
    assert encoded.dsfid == int(vector["dsfid"], 16)
    # re-encoding the decoded tag gives the same bytes
    decoded = decode(memory, dsfid=0x06)
    again = replace(decoded, lock=(1, 3))
    assert encode(again, capacity=len(memory)).memory == memory


@pytest.mark.parametrize("unit", VECTORS["compaction_units"],
                         ids=lambda u: f"{u['scheme']}-{u['value']}")
def test_compaction_unit(unit: dict[str, str]) -> None:
    data = bytes.fromhex(unit["hex"])
    if unit["scheme"] == "isil":
        assert isil.decode(data) == unit["value"]
        assert isil.encode(unit["value"]) == data
        return
    code = CODE_BY_NAME[unit["scheme"]]
    assert DECODERS[code](data, 0) == unit["value"]
    assert compact_as(unit["value"], code) == data


@pytest.mark.parametrize("vector", VECTORS["iso28560_3"], ids=lambda v: v["name"][:40])
def test_iso28560_3_vector(vector: dict[str, Any]) -> None:
    memory = bytes.fromhex(vector["hex"])
    expected = vector["decoded"]
    for tag in (decode(memory), decode(memory, dsfid=0x00), decode(memory, model="28560-3")):
        assert tag.model == "28560-3"
        assert tag.version == expected["version"]
        assert tag.type_of_usage == expected["type_of_usage"]
        assert tag.parts_in_item == expected["parts_in_item"]
        assert tag.part_number == expected["part_number"]
        assert tag.pii == expected["pii"]
        assert tag.owner_isil == "DK-718500"
        assert tag.crc_ok is True
    assert crc(memory) == 0xA498 and memory[19:21] == b"\x98\xA4"
    # the encoder writes the same 32 bytes for a 32-byte tag
    tag = ItemTag.new("1000000056", "DK-718500", 1, 1, 1, model="28560-3")
    assert encode(tag, model="28560-3", capacity=32).memory == memory


def test_crc16_check_values() -> None:
    algorithm = VECTORS["crc16"]
    assert "poly 0x1021, init 0xFFFF" in algorithm["algorithm"]
    for key in ("check", "danish_model_reference"):
        case = algorithm[key]
        assert binascii.crc_hqx(case["ascii"].encode(), 0xFFFF) == int(case["crc"], 16)


def test_afi_values_are_the_default_policy() -> None:
    afi = VECTORS["afi"]
    policy = SecurityPolicy()
    assert policy.afi_for(True) == int(afi["in_library_secured"], 16)
    assert policy.afi_for(False) == int(afi["on_loan"], 16)
