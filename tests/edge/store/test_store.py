"""The device store: one SQLite file, WAL and synchronous=FULL, migrated in
place (a database made by an older version keeps its events), shared by
sqlmodel users and the light sqlite3 side."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Field, Session, SQLModel, select, text

from edge.contract import events
from edge.store import HEAD_REVISION, SchemaMismatchError, migrate, open_store


def test_head_revision_constant_matches_the_migrations() -> None:
    assert migrate.head_revision() == HEAD_REVISION


def test_every_connection_is_wal_and_full_sync(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        assert store.db.scalar("PRAGMA journal_mode") == "wal"
        assert store.db.scalar("PRAGMA synchronous") == 2  # FULL
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2


def test_a_database_from_revision_0001_is_upgraded_with_its_events(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    migrate.upgrade(path, "0001")  # the schema of the first release
    old = sqlite3.connect(path)
    old.execute(
        "INSERT INTO outbox (event_id, type, schema_version, event_class, device_time, "
        "created_ms, payload) VALUES ('01a1fed1-c2f9-7000-aaf7-6970ab0771a9', 'loan', 1, "
        "'transaction', '2026-11-20T09:00:00.000+07:00', 1795140000000, "
        "'{\"item\":\"3001\",\"due\":\"2026-12-05\",\"mode\":\"online\"}')")
    old.commit()
    old.close()
    with pytest.raises(SchemaMismatchError, match="0001"):
        open_store(path, upgrade=False)
    with open_store(path) as store:
        assert store.db.scalar("SELECT version_num FROM alembic_version") == HEAD_REVISION
        pending = store.outbox.pending()
        assert [p.event_id for p in pending] == ["01a1fed1-c2f9-7000-aaf7-6970ab0771a9"]
        store.outbox.mark_refused(pending[0].seq, "test")  # a column 0002 added
        new = store.outbox.append(events.checkout(item="3002", due="2026-12-06"))
        assert new.seq == 2
        assert store.kiosk_lock.get().locked is False  # a table 0002 added
        # 0003: what the broker had acknowledged before the upgrade counts as receipted.
        assert store.outbox.depth().unconfirmed == 0


def test_downgrade_and_upgrade_again_keep_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    with open_store(path) as store:
        store.outbox.append(events.checkout(item="3001", due="2026-12-05"))
    migrate.downgrade(path, "0001")
    with open_store(path) as store:
        assert len(store.outbox.pending()) == 1


def test_two_processes_opening_a_new_store_at_once(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    code = ("import sys; from edge.store import open_store; "
            "open_store(sys.argv[1]).close()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    with open_store(path, upgrade=False) as store:
        assert store.db.scalar("SELECT count(*) FROM alembic_version") == 1


def test_the_agent_way_migrates_in_a_child_process(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db", upgrade_in_child=True) as store:
        assert store.db.scalar("SELECT version_num FROM alembic_version") == HEAD_REVISION


class Journal(SQLModel, table=True):
    """Stands for circulation's journal: its own table on the same file."""

    __tablename__ = "test_journal"
    id: int | None = Field(default=None, primary_key=True)
    item: str


def test_a_journal_row_and_its_event_commit_together_or_not_at_all(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        SQLModel.metadata.create_all(store.engine, tables=[Journal.__table__])  # type: ignore[list-item]
        with Session(store.engine) as session:
            session.add(Journal(item="3001"))
            raw = session.connection().connection.driver_connection
            store.outbox.append(events.checkout(item="3001", due="2026-12-05"), conn=raw)
            session.rollback()
        assert store.outbox.pending() == []
        with Session(store.engine) as session:
            assert session.exec(select(Journal)).all() == []
            session.add(Journal(item="3002"))
            raw = session.connection().connection.driver_connection
            store.outbox.append(events.checkout(item="3002", due="2026-12-05"), conn=raw)
            session.commit()
        assert [p.payload for p in store.outbox.pending()] == [
            '{"item":"3002","due":"2026-12-05","mode":"online"}']
        with Session(store.engine) as session:
            assert [j.item for j in session.exec(select(Journal)).all()] == ["3002"]
