"""Devices upgrade in place: a store made by the release before circulation
(schema revision 0002) is migrated with its events and lock kept, and
circulation works on it."""

from __future__ import annotations

import contextlib
import sqlite3

from edge.circulation.journal import Journal, NewEntry
from edge.contract import events
from edge.store import HEAD_REVISION, migrate, open_store
from tests.edge.circulation.conftest import CARD_P0001, patron, place, start_service
from tests.peers.circulation import Rig


async def test_a_store_from_revision_0002_is_upgraded_and_used(rig: Rig) -> None:
    path = rig.directory / "device.db"
    migrate.upgrade(path, "0002")
    with contextlib.closing(sqlite3.connect(path)) as old:  # the previous release's store
        old.execute("INSERT INTO kiosk_lock (id, locked, reason, changed_by, changed_ms, "
                    "version, applied_version) VALUES (1, 0, NULL, 'staff', 1, 3, 3)")
        old.execute("INSERT INTO outbox (event_id, type, schema_version, event_class, "
                    "device_time, created_ms, payload) VALUES ('01a1fed1-c2f9-7000-aaf7-"
                    "6970ab0771a9', 'loan', 1, 'transaction', '2026-11-20T09:00:00.000+07:00',"
                    " 1795140000000, '{\"item\":\"3001\",\"due\":\"2026-12-05\","
                    "\"mode\":\"online\"}')")
        old.commit()
    service = await start_service(rig)  # migrates on open
    try:
        store = service.store
        assert store.db.scalar("SELECT version_num FROM alembic_version") == HEAD_REVISION
        assert store.kiosk_lock.get().version == 3
        reader = await patron(service, CARD_P0001)
        await place(rig, service, "30000001")
        assert (await service.checkout(reader)).items[0].status == "done"
        pending = store.outbox.pending()
        assert [p.event_id for p in pending][0] == "01a1fed1-c2f9-7000-aaf7-6970ab0771a9"
        assert [p.type for p in pending] == ["loan", "loan"]
    finally:
        await service.close()


def test_downgrade_to_0002_and_back(rig: Rig) -> None:
    path = rig.directory / "device.db"
    with open_store(path) as store:
        journal = Journal(store)
        journal.begin([NewEntry("checkout", "offline", "30000001", "2026-11-21T10:00:00+07:00",
                                ("E004015000000001",), "P0001")], state="queued",
                      events=[events.offline_transaction(
                          operation="checkout", item="30000001",
                          transaction_time="2026-11-21T10:00:00+07:00", patron="P0001")])
    migrate.downgrade(path, "0002")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "circulation_journal" not in tables and "outbox" in tables
    with open_store(path) as store:
        assert Journal(store).queued() == []
        assert [p.type for p in store.outbox.pending()] == ["offline_transaction"]
