"""Real peers for the firmware bridge: a socat pty pair with the emulated
board on the device end; the link under test opens the host end with
pyserial, as it opens /dev/ttyACM0 on a Pi."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from firmware_bridge.emulator import BookdropBoard, PtyBoard
from tests.peers.pty import PtyPair, pty_pair  # noqa: F401 - fixture

__all__ = ["BoardBench", "board_bench", "pty_pair"]


@dataclass
class BoardBench:
    pair: PtyPair
    board: BookdropBoard
    port: PtyBoard

    @property
    def url(self) -> str:
        return self.pair.host

    async def unplug(self) -> None:
        await self.port.close()
        self.pair.unplug()

    async def plug(self) -> None:
        self.pair.plug()
        self.port = await PtyBoard(self.board, self.pair.device).start()


@pytest.fixture
async def board_bench(pty_pair: PtyPair) -> AsyncIterator[BoardBench]:  # noqa: F811
    board = BookdropBoard(bins=3, bin_capacity=2)
    port = await PtyBoard(board, pty_pair.device).start()
    bench = BoardBench(pty_pair, board, port)
    try:
        yield bench
    finally:
        await bench.port.close()
