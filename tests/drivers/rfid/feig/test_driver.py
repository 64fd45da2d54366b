"""The FEIG driver against the FEIG emulator over a socat pty pair: the
bytes on the wire, what a caller gets back, and what happens to the tags."""

from __future__ import annotations

import asyncio

import pytest

from drivers.rfid import errors as e
from drivers.rfid.feig.driver import FeigReader
from drivers.rfid.model import InventoryTag, ReaderState
from drivers.rfid.url import open_reader
from drivers.sim.tags import SimTag
from tests.drivers.rfid.conftest import FeigBench

H = bytes.fromhex
UID = H("E004015000000001")
UID_AFI = H("E00700000147677E")


def tag(n: int, **kw: object) -> SimTag:
    return SimTag(H(f"E0040150000000{n:02X}"), **kw)  # type: ignore[arg-type]


async def reader_for(feig: FeigBench, options: str = "") -> FeigReader:
    reader = await open_reader(feig.url + options)
    assert isinstance(reader, FeigReader)
    return reader


async def test_connect_asks_the_software_version_and_names_the_model(feig: FeigBench) -> None:
    async with await reader_for(feig) as reader:
        assert reader.state is ReaderState.CONNECTED
        info = await reader.info()
    assert feig.sent()[0] == H("05 FF 65 E5 CB")
    assert info.model == "ID ISC.MR101-A"
    assert reader.state is ReaderState.CLOSED


async def test_inventory_sends_the_documented_frames_and_finds_the_tag(feig: FeigBench) -> None:
    feig.pad.place(SimTag(H("E01680FF08005024"), dsfid=0x00))
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        tags = await reader.inventory()
    assert tags == [InventoryTag(H("E01680FF08005024"), 0x00, 1)]
    assert feig.sent() == [H("07 FF B0 01 00 1C 56"), H("07 FF B0 26 00 27 38")]
    assert feig.emulator.log[1] == ("tx", H("11 00 B0 00 01 03 00 E0 16 80 FF 08 00 50 24 80 75"))


async def test_inventory_shows_what_is_on_the_pad_now_every_time(feig: FeigBench) -> None:
    for n in range(1, 4):
        feig.pad.place(tag(n))
    async with await reader_for(feig) as reader:
        first = await reader.inventory()
        second = await reader.inventory()
        feig.pad.remove(tag(2).uid)
        third = await reader.inventory()
    assert len(first) == len(second) == 3
    assert {t.uid for t in third} == {tag(1).uid, tag(3).uid}


async def test_without_reset_only_new_tags_answer_which_is_why_reset_is_default(
        feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    async with await reader_for(feig, "&ont=keep") as reader:
        assert len(await reader.inventory()) == 1
        assert await reader.inventory() == []


async def test_ont_clear_turns_off_only_new_tags_once_at_connect(feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    async with await reader_for(feig, "&ont=clear") as reader:
        assert not feig.emulator.only_new_tags
        feig.emulator.log.clear()
        assert len(await reader.inventory()) == 1
        assert len(await reader.inventory()) == 1
    assert [raw[3] for raw in feig.sent()] == [0x01, 0x01]  # inventories only, no reset


async def test_long_inventory_follows_status_94_with_more(feig: FeigBench) -> None:
    for n in range(1, 41):
        feig.pad.place(tag(n))
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        tags = await reader.inventory()
    assert len(tags) == 40 and len({t.uid for t in tags}) == 40
    modes = [raw[4] for raw in feig.sent() if raw[2:4] == H("B001")]
    assert modes == [0x00, 0x80, 0x80]  # 16 + 16 + 8


async def test_inventory_afi_filter_goes_to_cfg4_once(feig: FeigBench) -> None:
    feig.pad.place(tag(1, afi=0x07))
    feig.pad.place(tag(2, afi=0xC2))
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        secured = await reader.inventory(afi=0x07)
        again = await reader.inventory(afi=0x07)
        everything = await reader.inventory()
    assert [t.uid for t in secured] == [t.uid for t in again] == [tag(1).uid]
    assert len(everything) == 2
    writes = [raw for raw in feig.sent() if raw[2] == 0x81]
    assert len(writes) == 2  # filter on once, off once
    assert writes[0][3] == 0x04 and writes[0][4 + 4] & 0x20 and writes[0][4 + 5] == 0x07


async def test_an_afi_filter_left_in_the_reader_is_switched_off(feig: FeigBench) -> None:
    feig.pad.place(tag(1, afi=0x07))
    async with await reader_for(feig) as reader:
        assert await reader.inventory(afi=0xC2) == []
    assert feig.emulator.afi_filter == 0xC2  # still in the reader's RAM
    async with await reader_for(feig) as reader:
        assert len(await reader.inventory()) == 1
    assert feig.emulator.afi_filter is None


async def test_read_and_write_blocks_in_tag_byte_order(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1, memory=H("01020304 05060708")))
    async with await reader_for(feig) as reader:
        assert await reader.read_blocks(sim.uid, 0, 2) == H("0102030405060708")
        feig.emulator.log.clear()
        await reader.write_blocks(sim.uid, 1, H("AABBCCDD 11223344"))
    assert sim.memory[:12] == H("01020304 AABBCCDD 11223344")
    sent = feig.sent()
    assert [raw[3] for raw in sent] == [0x2B, 0x24, 0x23]  # size, write, read back
    assert sent[1][-10:-2] == H("DDCCBBAA 44332211")  # byte-reversed per block


async def test_system_info_counts_blocks_of_an_icode_slix(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1, afi=0x07, dsfid=0x06))
    async with await reader_for(feig) as reader:
        info = await reader.system_info(sim.uid)
        memory = await reader.read_memory(sim.uid)
    assert (info.block_size, info.block_count, info.afi, info.dsfid) == (4, 28, 0x07, 0x06)
    assert memory == bytes(sim.memory) and len(memory) == 112


async def test_write_afi_sends_the_documented_frame_and_verifies(feig: FeigBench) -> None:
    sim = feig.pad.place(SimTag(UID_AFI, afi=0x07))
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        await reader.write_afi(UID_AFI, 0xC2)
    assert sim.afi == 0xC2
    assert feig.sent()[0] == H("10 FF B0 27 01 E0 07 00 00 01 47 67 7E C2 DA 04")
    assert feig.sent()[1][3] == 0x2B  # read back with system information


async def test_nxp_eas_set_and_alarm(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))  # E0 04: an NXP chip
    async with await reader_for(feig) as reader:
        assert not await reader.eas_alarm()
        await reader.set_eas(sim.uid)
        assert sim.eas
        feig.emulator.log.clear()
        assert await reader.eas_alarm()
        assert feig.sent() == [H("08 FF B1 04 A5 00 73 13")]
        await reader.reset_eas(sim.uid)
        assert not sim.eas and not await reader.eas_alarm()


async def test_nxp_eas_frame_to_a_ti_tag_is_refused_by_the_tag(feig: FeigBench) -> None:
    sim = feig.pad.place(SimTag(UID_AFI))  # E0 07: Texas Instruments, no NXP commands
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        with pytest.raises(e.TagError) as info:
            await reader.set_eas(UID_AFI)
    assert feig.sent() == [H("10 FF B1 04 A2 01 E0 07 00 00 01 47 67 7E 25 54")]
    assert info.value.iso_error == 0x01 and not sim.eas


async def test_rf_reset_and_rf_on_frames(feig: FeigBench) -> None:
    async with await reader_for(feig) as reader:
        feig.emulator.log.clear()
        await reader.rf_reset()
    assert feig.sent() == [H("05 FF 69 89 01")]


async def test_a_write_interrupted_by_the_tag_leaving_is_never_success(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await reader_for(feig) as reader:
        await reader.system_info(sim.uid)
        feig.pad.remove_during_write(sim.uid, after_blocks=2)
        with pytest.raises(e.TagLeftError) as info:
            await reader.write_blocks(sim.uid, 0, bytes(range(16)))
    assert info.value.uid == sim.uid and info.value.blocks_verified == 0
    assert sim.uid not in feig.pad
    assert sim.memory[:8] == bytes(range(8)) and sim.memory[8:16] == bytes(8)  # half written


async def test_writing_a_tag_that_is_not_there_says_so(feig: FeigBench) -> None:
    async with await reader_for(feig) as reader:
        with pytest.raises(e.TagNotPresentError) as info:
            await reader.write_blocks(UID, 0, bytes(4))
    assert not isinstance(info.value, e.TagLeftError) and info.value.uid == UID


async def test_a_failed_block_write_is_retried_and_verified(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    feig.pad.fail_writes(sim.uid, block=2, times=1)
    async with await reader_for(feig) as reader:
        await reader.write_blocks(sim.uid, 0, bytes(range(1, 17)))
    assert sim.memory[:16] == bytes(range(1, 17))
    writes = [raw for raw in feig.sent() if raw[2:4] == H("B024")]
    assert [w[13] for w in writes] == [0, 2]  # the retry starts at the failing block


async def test_a_write_that_keeps_failing_raises_with_the_block(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    feig.pad.fail_writes(sim.uid, block=1, times=10)
    async with await reader_for(feig) as reader:
        with pytest.raises(e.TagWriteError) as info:
            await reader.write_blocks(sim.uid, 0, bytes(8), retries=1)
    assert info.value.block == 1 and info.value.iso_error == 0x13


async def test_a_locked_block_is_refused_at_once(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await reader_for(feig) as reader:
        await reader.lock_blocks(sim.uid, 3, 1)
        await reader.lock_blocks(sim.uid, 3, 1)  # already locked: fine
        assert await reader.block_security(sim.uid, 2, 2) == [False, True]
        feig.emulator.log.clear()
        with pytest.raises(e.TagLockedError) as info:
            await reader.write_blocks(sim.uid, 3, bytes(4))
    assert info.value.block == 3
    assert len([raw for raw in feig.sent() if raw[2:4] == H("B024")]) == 1


async def test_a_crc_error_in_a_reply_is_recovered(feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    async with await reader_for(feig) as reader:
        feig.emulator.faults.corrupt_replies = 1
        feig.emulator.log.clear()
        tags = await reader.inventory()
        assert reader.state is ReaderState.CONNECTED
    assert len(tags) == 1
    # the listed tag went quiet with the lost reply: wake it, ask again
    assert [raw[3] for raw in feig.sent()] == [0x01, 0x26, 0x01, 0x26]


async def test_a_crc_error_in_a_read_reply_repeats_the_read(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1, memory=b"ABCD"))
    async with await reader_for(feig) as reader:
        feig.emulator.faults.corrupt_replies = 1
        feig.emulator.log.clear()
        assert await reader.read_blocks(sim.uid, 0, 1) == b"ABCD"
    assert len(feig.sent()) == 2 and feig.sent()[0] == feig.sent()[1]


async def test_a_reply_trickling_byte_by_byte_is_read_whole(feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    feig.emulator.faults.byte_at_a_time = True
    async with await reader_for(feig) as reader:
        assert len(await reader.inventory()) == 1


async def test_advanced_frames_both_ways(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await reader_for(feig, "&frame=advanced") as reader:
        assert await reader.read_blocks(sim.uid, 0, 1) == bytes(4)
    assert feig.sent()[0] == H("02 00 07 FF 65 6E 61")
    assert all(direction == "tx" and raw[0] == 0x02 or direction == "rx"
               for direction, raw in feig.emulator.log)


async def test_a_cpr_reader_answers_four_tags_at_a_time(feig: FeigBench) -> None:
    from drivers.sim.feig import load_personality

    feig.emulator.personality = load_personality("cpr-m02")
    sims = [feig.pad.place(tag(n, memory=bytes([n]) * 8)) for n in range(1, 11)]
    async with await reader_for(feig) as reader:
        assert len(await reader.inventory()) == 10
        assert (await reader.info()).model == "ID CPR.M02"
        assert await reader.read_blocks(sims[4].uid, 0, 2) == bytes([5]) * 8  # SEC bytes skipped


async def test_a_silent_reader_times_out_then_shows_disconnected_and_comes_back(
        feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    async with await reader_for(feig, "&timeout_s=0.5&retries=0&silent_limit=2") as reader:
        feig.emulator.faults.silent = True
        with pytest.raises(e.ReaderTimeoutError):
            await reader.inventory()
        assert reader.state is ReaderState.CONNECTED
        with pytest.raises(e.ReaderTimeoutError):
            await reader.inventory()
        assert reader.state is ReaderState.DISCONNECTED
        with pytest.raises(e.DisconnectedError) as info:
            await reader.inventory()
        assert info.value.transient
        feig.emulator.faults.silent = False
        await reader.wait_state(ReaderState.CONNECTED, 5)
        assert len(await reader.inventory()) == 1


async def test_unplugging_gives_a_transport_error_then_reconnects_by_itself(
        feig: FeigBench) -> None:
    feig.pad.place(tag(1))
    states: list[ReaderState] = []
    async with await reader_for(feig, "&timeout_s=0.3&reconnect_max_s=0.2") as reader:
        reader.add_state_listener(states.append)
        await feig.unplug()
        with pytest.raises(e.TransportError) as info:
            await reader.inventory()
        assert info.value.transient
        assert reader.state is ReaderState.DISCONNECTED
        await asyncio.sleep(0.3)
        assert reader.state is ReaderState.DISCONNECTED  # nothing to reconnect to yet
        await feig.plug()
        await reader.wait_state(ReaderState.CONNECTED, 10)
        assert len(await reader.inventory()) == 1
    assert states[:2] == [ReaderState.DISCONNECTED, ReaderState.CONNECTED]


async def test_opening_a_missing_port_is_a_transport_error(tmp_path: object) -> None:
    with pytest.raises(e.TransportError):
        await open_reader("feig:///nonexistent/ttyUSB9")


async def test_baud_auto_finds_the_readers_rate(feig: FeigBench) -> None:
    from drivers.sim.feig import FeigPersonality

    feig.emulator.personality = FeigPersonality(baud=115200)
    feig.emulator.eeprom[1][2] = feig.emulator.config[1][2] = 0x0A
    async with await reader_for(feig, "&baud=auto") as reader:
        assert (await reader.info()).details["baud"] == "115200"
    # the detection request, answered only at the right rate
    assert feig.sent()[0] == H("06 FF 52 00 0F 6E")
    assert ("tx", H("06 00 52 00 FC A8")) in feig.emulator.log
    with pytest.raises(e.ReaderTimeoutError):
        await open_reader(feig.url + "&baud=38400&timeout_s=0.1&retries=0")


async def test_bad_options_are_refused() -> None:
    with pytest.raises(e.ReaderConfigError, match="unknown option speed"):
        await open_reader("feig:///dev/ttyUSB0?speed=9600")
    with pytest.raises(e.ReaderConfigError, match="baud"):
        await open_reader("feig:///dev/ttyUSB0?baud=12345")


async def test_a_lan_reader_drops_the_connection_and_is_reconnected() -> None:
    from drivers.sim.feig import FeigEmulator
    from drivers.sim.link import TcpEndpoint
    from drivers.sim.pad import VirtualPad

    pad = VirtualPad()
    pad.place(tag(1))
    emulator = FeigEmulator(pad)
    endpoint = await TcpEndpoint(emulator).start()
    port = endpoint.port
    try:
        async with await open_reader(f"{endpoint.url}?gap_ms=0&reconnect_max_s=0.1") as reader:
            assert len(await reader.inventory()) == 1
            await endpoint.close()  # the reader is switched off
            with pytest.raises(e.TransportError):
                await reader.inventory()
            assert reader.state is ReaderState.DISCONNECTED
            endpoint = await TcpEndpoint(emulator, port=port).start()  # and on again
            await reader.wait_state(ReaderState.CONNECTED, 10)
            assert len(await reader.inventory()) == 1
    finally:
        await endpoint.close()
