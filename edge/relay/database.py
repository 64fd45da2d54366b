"""The relay's storage: events stored once by id, the device registry,
daily statistics and refused messages, on SQLite or PostgreSQL.

One batch of messages is one transaction: events inserted with ``ON
CONFLICT (event_id) DO NOTHING ... RETURNING`` so the database itself says
which were new (two relays sharing the load can never store one twice), the
day's counters moved for the new ones only, duplicates counted, the
registry updated. The relay acknowledges the batch to the broker only after
the commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from edge.contract.envelope import Envelope
from edge.contract.state import State
from edge.errors import EdgeError, ExitCode
from edge.relay import schema
from edge.relay.stats import COUNTERS, INGEST, counter_deltas, event_day

BUSY_TIMEOUT_S = 30.0


class RelayDatabaseError(EdgeError):
    exit_code = ExitCode.UNAVAILABLE


@dataclass(frozen=True)
class Rejection:
    topic: str
    reason: str
    detail: str
    size: int
    sample: str
    site: str | None = None
    device: str | None = None


@dataclass
class Received:
    """One batch, classified by the relay."""

    events: list[tuple[Envelope, dict[str, Any] | None]] = field(default_factory=list)
    states: list[tuple[str, str, State]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class Stored:
    inserted: int
    duplicates: int
    rejected: int


def database_url(url: str, password: str | None) -> URL:
    parsed = make_url(url)
    if password is not None and parsed.password is None and not parsed.drivername.startswith(
            "sqlite"):
        parsed = parsed.set(password=password)
    return parsed


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _sqlite_begin)
    for pragma in ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                   f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}"):
        dbapi_conn.execute(pragma)


def _sqlite_begin(conn: Any) -> None:
    # The write lock up front: two relays on one SQLite file queue here.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class RelayDatabase:
    def __init__(self, url: URL | str, relay_id: str) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.relay_id = relay_id
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.dialect != "postgresql":
            raise RelayDatabaseError(f"unsupported database {self.dialect!r}: use sqlite or "
                                     "postgresql")

    def _insert(self, table: Any) -> Any:
        return (sqlite if self.dialect == "sqlite" else postgresql).insert(table)

    def create(self) -> None:
        """Create the tables if missing (safe when two relays start at once)."""
        if self.dialect == "sqlite" and self.url.database:
            from pathlib import Path

            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            try:
                schema.metadata.create_all(self.engine)
                with self.engine.begin() as conn:
                    conn.execute(self._insert(schema.relay_meta).values(
                        key="schema_version", value=schema.SCHEMA_VERSION
                    ).on_conflict_do_nothing())
                return
            except (IntegrityError, ProgrammingError):
                if attempt == 2:
                    raise
            except OperationalError as exc:
                raise RelayDatabaseError(f"{self.url.render_as_string()}: {exc.orig}") from exc

    def dispose(self) -> None:
        self.engine.dispose()

    # ----------------------------------------------------------------- write

    def store(self, batch: Received, received_at: datetime) -> Stored:
        unique: dict[str, tuple[Envelope, dict[str, Any] | None]] = {}
        in_batch_duplicates: list[Envelope] = []
        for env, enrichment in batch.events:
            if env.id in unique:
                in_batch_duplicates.append(env)
            else:
                unique[env.id] = (env, enrichment)
        with self.engine.begin() as conn:
            inserted_ids: set[str] = set()
            if unique:
                received_ms = int(received_at.timestamp() * 1000)
                rows = [(env.id, env.site, env.device, env.seq, env.type, env.schema, env.time,
                         event_day(env), received_ms, self.relay_id, _json(env.payload),
                         None if enrichment is None else _json(enrichment))
                        for env, enrichment in unique.values()]
                inserted_ids = self._insert_events(conn, rows)
            new = [env for env, _ in unique.values() if env.id in inserted_ids]
            duplicates = in_batch_duplicates + [
                env for env, _ in unique.values() if env.id not in inserted_ids]
            self._count(conn, new, duplicates, batch.rejections, received_at)
            self._registry(conn, new + duplicates, batch.states, received_at)
            if batch.rejections:
                conn.execute(schema.rejections.insert(), [
                    {"received_at": received_at, "topic": r.topic[:1000], "site": r.site,
                     "device": r.device, "reason": r.reason, "detail": r.detail[:1000],
                     "size": r.size, "sample": r.sample[:300]} for r in batch.rejections])
        return Stored(len(new), len(duplicates), len(batch.rejections))

    _COLUMNS = ("event_id", "site", "device", "seq", "type", "schema_version", "device_time",
                "day", "received_ms", "relay", "payload", "enrichment")

    def _insert_events(self, conn: Any, rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert the rows whose event id is not stored yet; their ids."""
        if self.dialect == "postgresql":
            stmt = self._insert(schema.events).on_conflict_do_nothing(
                index_elements=["event_id"]).returning(schema.events.c.event_id)
            return {r[0] for r in conn.execute(stmt, [dict(zip(self._COLUMNS, row, strict=True))
                                                     for row in rows])}
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so
        # "which are stored already" cannot change before the insert; plain
        # executemany through the driver is several times faster than a
        # RETURNING statement built per row.
        ids = [row[0] for row in rows]
        known: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            known.update(r[0] for r in conn.exec_driver_sql(
                f"SELECT event_id FROM events WHERE event_id IN ({','.join('?' * len(chunk))})",
                tuple(chunk)))
        fresh = [row for row in rows if row[0] not in known]
        if fresh:
            conn.exec_driver_sql(
                f"INSERT INTO events ({', '.join(self._COLUMNS)}) VALUES "
                f"({', '.join('?' * len(self._COLUMNS))})", fresh)
        return {row[0] for row in fresh}

    def _count(self, conn: Any, new: Sequence[Envelope], duplicates: Sequence[Envelope],
               rejections: Sequence[Rejection], received_at: datetime) -> None:
        totals: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys((*COUNTERS, *INGEST), 0))
        for env in new:
            row = totals[(env.site, env.device, event_day(env))]
            row["events"] += 1
            for name, value in counter_deltas(env).items():
                row[name] += value
        for env in duplicates:
            totals[(env.site, env.device, event_day(env))]["duplicates"] += 1
        day = received_at.date().isoformat()
        for r in rejections:
            totals[(r.site or "?", r.device or "?", day)]["rejected"] += 1
        if not totals:
            return
        table = schema.daily_stats
        stmt = self._insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["site", "device", "day"],
            set_={name: table.c[name] + stmt.excluded[name] for name in (*COUNTERS, *INGEST)})
        conn.execute(stmt, [{"site": s, "device": d, "day": day, **values}
                            for (s, d, day), values in sorted(totals.items())])

    def _registry(self, conn: Any, envs: Iterable[Envelope],
                  states: Sequence[tuple[str, str, State]], received_at: datetime) -> None:
        table = schema.devices
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for env in envs:
            entry = latest.setdefault((env.site, env.device), {"last_seq": 0})
            entry["last_seq"] = max(entry["last_seq"], env.seq)
            if env.type == "health" and env.seq >= entry.get("_health_seq", 0):
                entry["_health_seq"] = env.seq
                entry["health"] = env.payload
                entry["health_time"] = env.time
                entry["software"] = env.payload.get("software")
                entry["outbox_pending"] = env.payload.get("outbox", {}).get("pending")
        greatest = func.max if self.dialect == "sqlite" else func.greatest  # 2-argument forms
        for (site, device), entry in sorted(latest.items()):
            entry.pop("_health_seq", None)
            row = {"site": site, "device": device, "last_seen": received_at, **entry}
            stmt = self._insert(table).values(**row)
            # SQLite's max(NULL, x) is NULL, hence the coalesce.
            update: dict[str, Any] = {
                "last_seen": stmt.excluded.last_seen,
                "last_seq": func.coalesce(greatest(table.c.last_seq, stmt.excluded.last_seq),
                                          stmt.excluded.last_seq)}
            for key in ("health", "health_time", "software", "outbox_pending"):
                if key in entry:
                    update[key] = stmt.excluded[key]
            conn.execute(stmt.on_conflict_do_update(index_elements=["site", "device"],
                                                    set_=update))
        for site, device, state in states:
            values: dict[str, Any] = {"site": site, "device": device, "online": state.online,
                                      "state_time": state.time,
                                      "state_reason": state.reason, "last_seen": received_at}
            for key in ("role", "isil", "started", "software"):
                if getattr(state, key) is not None:  # a bare will says less
                    values[key] = getattr(state, key)
            stmt = self._insert(table).values(**values)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["site", "device"],
                set_={key: stmt.excluded[key] for key in values
                      if key not in ("site", "device")}))

    # ------------------------------------------------------------------ read

    def devices(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.devices).order_by(
                schema.devices.c.site, schema.devices.c.device)).mappings().all()
        return [dict(row) for row in rows]

    def totals(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            events = conn.execute(select(func.count()).select_from(schema.events)).scalar_one()
            dupes = conn.execute(select(func.coalesce(func.sum(
                schema.daily_stats.c.duplicates), 0))).scalar_one()
            reasons = conn.execute(select(schema.rejections.c.reason, func.count()).group_by(
                schema.rejections.c.reason)).all()
        return {"events": int(events), "duplicates": int(dupes),
                "rejected": {str(reason): int(n) for reason, n in reasons}}

    def daily(self, site: str, first: str, last: str,
              device: str | None = None) -> list[dict[str, Any]]:
        table = schema.daily_stats
        query = select(table).where(table.c.site == site, table.c.day >= first,
                                    table.c.day <= last)
        if device is not None:
            query = query.where(table.c.device == device)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.day, table.c.device)).mappings().all()
        return [dict(row) for row in rows]


def sample(data: bytes, limit: int = 120) -> str:
    """The first bytes of a refused payload, printable and escaped."""
    return json.dumps(data[:limit].decode("utf-8", "replace"), ensure_ascii=True)[1:-1]
