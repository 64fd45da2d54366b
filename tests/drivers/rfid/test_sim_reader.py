"""``sim://`` readers: the virtual pad in process, for trying the product."""

from __future__ import annotations

import pytest

from drivers.rfid import TagLeftError, TagLockedError, open_reader
from drivers.rfid.iso15693 import AirTiming
from drivers.sim.library import load_demo_library
from drivers.sim.reader import SimReader


async def test_demo_pad_holds_every_demo_item() -> None:
    items = load_demo_library()["items"]
    async with await open_reader("sim://demo") as reader:
        tags = await reader.inventory()
        assert {t.uid_hex for t in tags} == {i["tag_uid"] for i in items}
        secured = await reader.inventory(afi=0x07)
        on_loan = [i for i in items if "on_loan_to" in i]
        assert len(secured) == len(items) - len(on_loan)
        info = await reader.system_info(tags[0].uid)
        assert (info.block_size, info.block_count) == (4, 28)


async def test_sim_reader_writes_verify_and_report_a_tag_leaving() -> None:
    async with await open_reader("sim://demo") as reader:
        assert isinstance(reader, SimReader)
        uid = (await reader.inventory())[0].uid
        with pytest.raises(TagLockedError):  # the demo tags' PII blocks are locked
            await reader.write_blocks(uid, 0, b"12345678")
        await reader.write_blocks(uid, 20, b"12345678")
        assert await reader.read_blocks(uid, 20, 2) == b"12345678"
        reader.pad.remove_during_write(uid, after_blocks=1)
        with pytest.raises(TagLeftError):
            await reader.write_blocks(uid, 20, b"abcdefgh")


def test_timing_model_counts_anticollision_rounds_above_the_floor() -> None:
    from drivers.sim.pad import VirtualPad
    from drivers.sim.tags import SimTag

    timing = AirTiming()
    pad = VirtualPad(timing)
    for n in (0x01, 0x11, 0x21, 0x02):  # three share slot 1 in the first round
        pad.place(SimTag(bytes.fromhex(f"E0040150000000{n:02X}")))
    assert len(pad.inventory()) == 4
    spent = pad.take_air_time()
    one_round = timing.inventory_s([0, 3, 1] + [0] * 13)
    second_round = timing.inventory_s([1, 1, 1] + [0] * 13, mask_bits=4)
    assert spent == pytest.approx(one_round + second_round)
    assert spent > timing.inventory_s([1] * 4 + [0] * 12)  # the floor: one slot each
