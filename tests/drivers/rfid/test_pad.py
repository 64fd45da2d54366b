"""The pad view over the real FEIG driver and emulator on a pty pair: what a
kiosk or gate sees when books are put down, lifted, moved between antennas,
and when the reader is unplugged."""

from __future__ import annotations

import asyncio

from drivers.rfid import (
    Pad,
    PadOptions,
    ReaderState,
    ReaderStatus,
    TagArrived,
    TagData,
    TagLeft,
    TagMoved,
    TagReadFailed,
    open_reader,
)
from drivers.sim.tags import SimTag
from tests.drivers.rfid.conftest import FeigBench

H = bytes.fromhex


def tag(n: int, **kw: object) -> SimTag:
    return SimTag(H(f"E0040150000000{n:02X}"), **kw)  # type: ignore[arg-type]


async def test_a_book_put_down_arrives_with_its_data_and_leaves_when_lifted(
        feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1, memory=b"hello world!"))
    async with await open_reader(feig.url) as reader:
        pad = Pad(reader, PadOptions(data_blocks=3, leave_after=2))
        first = await pad.poll()
        assert first[0] == ReaderStatus(ReaderState.CONNECTED)
        assert first[1:] == [TagArrived(sim.uid, 0, 1), TagData(sim.uid, 1, b"hello world!", 0)]
        assert await pad.poll() == []
        feig.pad.remove(sim.uid)
        assert await pad.poll() == []          # one miss is not a departure
        assert await pad.poll() == [TagLeft(sim.uid, 1)]
        assert pad.present == []


async def test_a_tag_missing_from_one_poll_does_not_flicker(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await open_reader(feig.url) as reader:
        pad = Pad(reader, PadOptions(read_data=False, leave_after=2))
        await pad.poll()
        feig.pad.remove(sim.uid)
        assert await pad.poll() == []
        feig.pad.place(sim)
        assert await pad.poll() == []
        assert [t.uid for t in pad.present] == [sim.uid]


async def test_arrival_can_require_several_sightings(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await open_reader(feig.url) as reader:
        pad = Pad(reader, PadOptions(read_data=False, arrive_after=2))
        assert [e for e in await pad.poll() if not isinstance(e, ReaderStatus)] == []
        assert await pad.poll() == [TagArrived(sim.uid, 0, 1)]


async def test_a_stack_of_books_arrives_with_every_memory(feig: FeigBench) -> None:
    sims = [feig.pad.place(tag(n, memory=bytes([n]) * 112)) for n in range(1, 11)]
    async with await open_reader(feig.url) as reader:
        events = await Pad(reader).poll()
    data = {e.uid: e.memory for e in events if isinstance(e, TagData)}
    assert data == {s.uid: bytes(s.memory) for s in sims}


async def test_a_gate_pad_sees_only_secured_items(feig: FeigBench) -> None:
    secured = feig.pad.place(tag(1, afi=0x07))
    feig.pad.place(tag(2, afi=0xC2))
    async with await open_reader(feig.url) as reader:
        events = await Pad(reader, PadOptions(afi=0x07, read_data=False)).poll()
    assert [e for e in events if isinstance(e, TagArrived)] == [TagArrived(secured.uid, 0, 1)]


async def test_antennas_are_reported_and_a_move_is_an_event(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1), antenna=2)
    async with await open_reader(feig.url + "&antennas=0x03") as reader:
        pad = Pad(reader, PadOptions(read_data=False))
        assert TagArrived(sim.uid, 0, 2) in await pad.poll()
        feig.pad.place(sim, antenna=1)
        assert await pad.poll() == [TagMoved(sim.uid, 1, 2)]


async def test_a_tag_that_cannot_be_read_is_reported_after_retries(feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await open_reader(feig.url) as reader:
        pad = Pad(reader, PadOptions(data_blocks=40, read_attempts=2))  # beyond its 28 blocks
        first = await pad.poll()
        assert TagArrived(sim.uid, 0, 1) in first and not any(
            isinstance(e, TagReadFailed | TagData) for e in first)
        second = await pad.poll()
    assert len(second) == 1 and isinstance(second[0], TagReadFailed)
    assert "ISO error 10" in second[0].error


async def test_unplugged_reader_shows_in_the_stream_and_the_pad_carries_on(
        feig: FeigBench) -> None:
    sim = feig.pad.place(tag(1))
    async with await open_reader(feig.url + "&reconnect_max_s=0.1&timeout_s=0.3") as reader:
        pad = Pad(reader, PadOptions(read_data=False, poll_interval_s=0.02))
        queue: asyncio.Queue[object] = asyncio.Queue()
        seen: list[object] = []

        async def consume() -> None:
            async for event in pad.events():
                queue.put_nowait(event)

        async def until(wanted: object) -> None:
            while True:
                event = await queue.get()
                seen.append(event)
                if isinstance(event, ReaderStatus) and event.state == wanted or event == wanted:
                    return

        task = asyncio.create_task(consume())
        try:
            async with asyncio.timeout(10):
                await until(TagArrived(sim.uid, 0, 1))
                await feig.unplug()
                await until(ReaderState.DISCONNECTED)
                await feig.plug()
                await until(ReaderState.CONNECTED)
                for _ in range(5):  # a few polls with the reader back
                    await feig.pad_polled()
        finally:
            task.cancel()
        while not queue.empty():
            seen.append(queue.get_nowait())
    states = [e.state for e in seen if isinstance(e, ReaderStatus)]
    assert states == [ReaderState.CONNECTED, ReaderState.DISCONNECTED, ReaderState.CONNECTED]
    # the book never left: no departure, no second arrival
    assert [e for e in seen if isinstance(e, TagArrived | TagLeft)] == [TagArrived(sim.uid, 0, 1)]
