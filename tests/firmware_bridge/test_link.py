"""The link over pyserial and a socat pty pair, against the emulated
board: greeting, requests and answers, a noisy line, a reboot, a hung
board, and the USB cable pulled and put back."""

from __future__ import annotations

import asyncio

import pytest

from firmware_bridge.errors import LinkError
from firmware_bridge.link import BoardRestarted, LinkOptions, LinkState, McuLink
from firmware_bridge.messages import InputChanged, SetOutput, Sort, SortDone, SortStatus
from tests.firmware_bridge.conftest import BoardBench

FAST = LinkOptions(ack_timeout_s=0.05, attempts=4, reply_timeout_s=1.0, ping_interval_s=0.3,
                   reconnect_max_s=0.2)


async def test_opening_greets_the_board(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        assert link.state is LinkState.CONNECTED
        assert link.info is not None and link.info.bins == 3
        assert link.info.firmware == "smartlib-sim 1.0"


async def test_a_sort_is_answered_and_the_bin_counts(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        done = await link.call(Sort(41, 2), lambda m: isinstance(m, SortDone) and m.cookie == 41)
        assert done == SortDone(41, 2, SortStatus.OK)
        assert board_bench.board.counts == [0, 0, 1]
        # the second item fills the bin (capacity 2): the board says so
        events = link.subscribe()
        await link.call(Sort(42, 2), lambda m: isinstance(m, SortDone))
        full = await events.get(5)
        while not isinstance(full, InputChanged) or full.channel != 3:
            full = await events.get(5)
        assert full.active
        refused = await link.call(Sort(43, 2), lambda m: isinstance(m, SortDone))
        assert isinstance(refused, SortDone) and refused.status is SortStatus.BIN_FULL


async def test_outputs_switch_on_the_board(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        await link.send(SetOutput(1, True))
        assert board_bench.board.output_state[1] is True
        await link.send(SetOutput(1, False))
        assert board_bench.board.output_state[1] is False


async def test_a_noisy_line_loses_nothing(board_bench: BoardBench) -> None:
    board_bench.board.faults.corrupt_rx = 0.3
    board_bench.board.faults.corrupt_tx = 0.3
    options = LinkOptions(ack_timeout_s=0.05, attempts=12, reply_timeout_s=5.0,
                          ping_interval_s=0)
    async with McuLink(board_bench.url, options) as link:
        for i in range(20):
            await link.send(SetOutput(i % 4, bool(i % 2)))
        sets = [m for m in board_bench.board.received if isinstance(m, SetOutput)]
        assert sets == [SetOutput(i % 4, bool(i % 2)) for i in range(20)]  # once each, in order
        assert link.stats.resent > 0 or board_bench.board.session.stats.resent > 0


async def test_a_board_that_reboots_is_greeted_again(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        events = link.subscribe()
        board_bench.board.reboot()
        event = await events.get(5)
        assert isinstance(event, BoardRestarted)
        # the link stays up and works with the board's fresh numbering
        done = await link.call(Sort(1, 0), lambda m: isinstance(m, SortDone))
        assert isinstance(done, SortDone) and done.status is SortStatus.OK
        assert board_bench.board.boots == 2 and link.state is LinkState.CONNECTED


async def test_a_hung_board_shows_disconnected_then_comes_back(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        board_bench.board.faults.silent = True
        await link.wait_state(LinkState.DISCONNECTED, 10)  # the ping went unanswered
        with pytest.raises(LinkError, match="disconnected|connecting"):
            await link.send(SetOutput(0, True))
        board_bench.board.faults.silent = False
        await link.wait_state(LinkState.CONNECTED, 10)
        await link.send(SetOutput(0, True))
        assert board_bench.board.output_state[0] is True


async def test_the_cable_pulled_and_put_back(board_bench: BoardBench) -> None:
    async with McuLink(board_bench.url, FAST) as link:
        states: list[LinkState] = []
        link.add_state_listener(states.append)
        await board_bench.unplug()
        await link.wait_state(LinkState.DISCONNECTED, 10)
        assert link.last_error is not None
        await asyncio.sleep(0.3)  # a few failed reconnection attempts
        await board_bench.plug()
        await link.wait_state(LinkState.CONNECTED, 10)
        done = await link.call(Sort(5, 1), lambda m: isinstance(m, SortDone))
        assert isinstance(done, SortDone) and done.status is SortStatus.OK
        assert states[0] is LinkState.DISCONNECTED and states[-1] is LinkState.CONNECTED


async def test_no_board_at_all_is_a_link_error(tmp_path: object) -> None:
    with pytest.raises(LinkError, match="cannot open"):
        await McuLink("/nonexistent/ttyACM9", FAST).open()
