"""What the agent asks of the device's other services through the store:
the kiosk lock (durable, acknowledged), the request mailbox (flush the
offline queue), and the components' status board."""

from __future__ import annotations

import asyncio
from pathlib import Path

from edge.store import open_store
from edge.store.control import FlushReport, offline_queue_handler


async def test_a_lock_is_seen_by_the_kiosk_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    agent_side = open_store(path)
    kiosk_side = open_store(path)  # another process in real life: its own connection
    try:
        seen = []

        async def kiosk() -> None:
            async for state in kiosk_side.kiosk_lock.changes(poll_s=0.02):
                seen.append(state.locked)
                await asyncio.to_thread(kiosk_side.kiosk_lock.acknowledge, state.version)
                if len(seen) == 3:
                    return

        task = asyncio.create_task(kiosk())
        await asyncio.sleep(0.05)
        state = agent_side.kiosk_lock.set(True, "bảo trì", "remote")
        applied = await agent_side.kiosk_lock.wait_applied(state.version, 5)
        assert applied.applied and applied.locked and applied.reason == "bảo trì"
        state = agent_side.kiosk_lock.set(False, None, "remote")
        await agent_side.kiosk_lock.wait_applied(state.version, 5)
        await asyncio.wait_for(task, 5)
        assert seen == [False, True, False]
        agent_side.kiosk_lock.set(True, "đóng cửa", "remote")
    finally:
        agent_side.close()
        kiosk_side.close()
    with open_store(path) as store:  # after a reboot
        state = store.kiosk_lock.get()
        assert state.locked and state.reason == "đóng cửa" and not state.applied


async def test_a_lock_nobody_shows_is_reported_not_applied(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        state = store.kiosk_lock.set(True, None, "remote")
        after = await store.kiosk_lock.wait_applied(state.version, 0.2)
        assert after.locked and not after.applied


class Journal:
    """A minimal offline queue over a real table: what flush replays."""

    def __init__(self, store_path: Path) -> None:
        self.store = open_store(store_path)
        with self.store.db.write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS test_offline (item TEXT, done INT)")
            conn.executemany("INSERT INTO test_offline VALUES (?, 0)",
                             [("3001",), ("3002",), ("3003",)])
        self.replayed: list[str] = []

    async def flush(self) -> FlushReport:
        rows = await asyncio.to_thread(self.store.db.query,
                                       "SELECT item FROM test_offline WHERE done = 0")
        with self.store.db.write() as conn:
            conn.execute("UPDATE test_offline SET done = 1")
        self.replayed += [r[0] for r in rows]
        return FlushReport(replayed=len(rows), conflicts=0, remaining=0)


async def test_requests_are_served_once_by_the_service(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    journal = Journal(path)
    with open_store(path) as agent_side:
        server = asyncio.create_task(journal.store.requests.serve(
            {"flush_offline_queue": offline_queue_handler(journal)}, poll_s=0.02))
        try:
            first = await agent_side.requests.call("flush_offline_queue", {}, 5)
            second = await agent_side.requests.call("flush_offline_queue", {}, 5)
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
            journal.store.close()
    assert first.state == "done"
    assert first.result == {"replayed": 3, "conflicts": 0, "remaining": 0}
    assert second.result == {"replayed": 0, "conflicts": 0, "remaining": 0}
    assert journal.replayed == ["3001", "3002", "3003"]


async def test_a_request_nobody_serves_expires_and_never_runs_later(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    with open_store(path) as store:
        outcome = await store.requests.call("flush_offline_queue", {}, 0.2)
        assert outcome.state == "expired"
        ran = []

        async def handler(_args: dict[str, object]) -> dict[str, object]:
            ran.append(1)
            return {}

        server = asyncio.create_task(store.requests.serve({"flush_offline_queue": handler},
                                                          poll_s=0.02))
        await asyncio.sleep(0.2)
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
        assert ran == []


async def test_a_failing_handler_is_reported(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        async def broken(_args: dict[str, object]) -> dict[str, object]:
            raise OSError("ILS unreachable")

        server = asyncio.create_task(store.requests.serve({"x": broken}, poll_s=0.02))
        try:
            outcome = await store.requests.call("x", {}, 5)
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)
        assert outcome.state == "failed" and outcome.error == "ILS unreachable"


def test_status_board_keeps_since_until_the_status_changes(tmp_path: Path) -> None:
    now = [1000.0]
    with open_store(tmp_path / "d.db", clock=lambda: now[0]) as store:
        store.status.report("reader", "ok")
        now[0] += 10
        store.status.report("reader", "ok", "FEIG ID ISC.MR102")
        board = store.status.snapshot()["reader"]
        assert (board.since_ms, board.updated_ms) == (1_000_000, 1_010_000)
        now[0] += 10
        store.status.report("reader", "down", "no answer on /dev/ttyUSB0")
        board = store.status.snapshot()["reader"]
        assert board.status == "down" and board.since_ms == 1_020_000
