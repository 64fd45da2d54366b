"""The simulated tags and pad behave like the chips and the field."""

from __future__ import annotations

import pytest

from drivers.sim.errors import IsoError, NoResponse, SimConfigError
from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN, demo_tags, load_demo_library
from drivers.sim.pad import VirtualPad
from drivers.sim.tags import CHIPS, SimTag, TagState

UID = bytes.fromhex("E004015000000001")


def test_chip_sizes() -> None:
    assert (CHIPS["icode-slix"].block_count, CHIPS["icode-slix"].block_size) == (28, 4)
    assert len(SimTag(UID, "fujitsu-mb89r118").memory) == 2000
    with pytest.raises(SimConfigError):
        SimTag(UID, memory=bytes(113))


def test_locks_afi_and_eas_like_a_tag() -> None:
    tag = SimTag(UID)
    tag.write_block(1, b"abcd")
    tag.lock_block(1)
    with pytest.raises(IsoError) as locked:
        tag.write_block(1, b"wxyz")
    assert locked.value.code == 0x12 and tag.read_block(1) == b"abcd"
    with pytest.raises(IsoError) as again:
        tag.lock_block(1)
    assert again.value.code == 0x11
    with pytest.raises(IsoError) as outside:
        tag.read_block(28)
    assert outside.value.code == 0x10
    tag.write_afi(0xC2)
    tag.lock_afi()
    with pytest.raises(IsoError):
        tag.write_afi(0x07)
    tag.set_eas(True)
    with pytest.raises(IsoError) as not_nxp:
        SimTag(bytes.fromhex("E00700000147677E")).set_eas(True)
    assert not_nxp.value.code == 0x01


def test_json_round_trip_keeps_memory_and_locks() -> None:
    tag = SimTag(UID, memory=b"hello", afi=0x07, eas=True)
    tag.lock_block(0)
    back = SimTag.from_json(tag.to_json())
    assert (back.memory, back.locked, back.afi, back.eas) == (tag.memory, tag.locked, 0x07, True)


def test_only_new_tags_go_quiet_until_reset_or_the_field_drops() -> None:
    pad = VirtualPad()
    pad.place(SimTag(UID))
    assert len(pad.inventory(quiet_found=True)) == 1
    assert pad.inventory() == []
    assert pad.addressed(UID).state is TagState.QUIET  # addressed commands still reach it
    pad.reset_to_ready()
    assert len(pad.inventory(quiet_found=True)) == 1
    pad.rf_reset()
    assert len(pad.inventory()) == 1


def test_non_addressed_commands_need_exactly_one_tag() -> None:
    pad = VirtualPad()
    with pytest.raises(NoResponse):
        pad.single()
    pad.place(SimTag(UID))
    pad.place(SimTag(bytes.fromhex("E004015000000002")))
    with pytest.raises(NoResponse) as collided:
        pad.single()
    assert collided.value.collision


def test_a_weak_tag_answers_sometimes_and_the_same_way_each_run() -> None:
    def answers(seed: int) -> list[bool]:
        pad = VirtualPad(seed=seed)
        pad.place(SimTag(UID), weak=0.5)
        return [bool(pad.inventory()) for _ in range(40)]

    first = answers(7)
    assert first == answers(7) and 5 < sum(first) < 35


def test_failure_modes_write_error_then_removal() -> None:
    pad = VirtualPad()
    tag = pad.place(SimTag(UID))
    pad.fail_writes(UID, block=2, times=1)
    with pytest.raises(IsoError):
        pad.write_block(tag, 2, b"abcd")
    pad.write_block(tag, 2, b"abcd")
    pad.remove_during_write(UID, after_blocks=1)
    pad.write_block(tag, 0, b"1234")
    with pytest.raises(NoResponse):
        pad.write_block(tag, 1, b"5678")
    assert UID not in pad and tag.read_block(1) == bytes(4)


def test_demo_tags_hold_their_items_in_iso28560_and_their_loan_state() -> None:
    from drivers.tags import decode

    items = load_demo_library()["items"]
    tags = demo_tags()
    assert len(tags) == len(items)
    for item, tag in zip(items, tags, strict=True):
        on_loan = "on_loan_to" in item
        assert tag.afi == (AFI_ON_LOAN if on_loan else AFI_IN_LIBRARY)
        assert tag.eas is not on_loan
        decoded = decode(bytes(tag.memory), tag.dsfid)
        assert (decoded.model, decoded.pii, decoded.owner_isil) == (
            "28560-2", item["pii"], item["owner_isil"])
        assert (decoded.parts_in_item, decoded.part_number) == (
            item.get("parts_in_item"), item.get("part_number"))
        assert tag.locked[0]  # the PII's blocks are locked, as libraries do
    assert demo_tags(encoder=None)[0].memory == bytes(112)
