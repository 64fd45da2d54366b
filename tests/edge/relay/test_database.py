"""The relay's database on SQLite and on a real PostgreSQL: each event
stored once by its id, duplicates counted, statistics moved once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge.contract.envelope import Envelope
from edge.contract.state import State
from edge.relay.database import Received, Rejection, RelayDatabase

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def env(seq: int, event_type: str = "loan", day: str = "2026-11-21",
        device: str = "k1", **payload: object) -> Envelope:
    body = {"item": f"3{seq}", "due": "2026-12-05", "mode": "online", **payload} \
        if event_type == "loan" else dict(payload)
    return Envelope(id=f"01a1fed1-c2f9-7000-aaf7-{seq:012x}", seq=seq, site="hn",
                    device=device, type=event_type, schema=1,
                    time=f"{day}T09:00:00.000+07:00", payload=body)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> RelayDatabase:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'relay.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = RelayDatabase(url, relay_id="central.relay-01")
    database.create()
    database.create()  # a second relay starting: harmless
    request.addfinalizer(database.dispose)
    return database


def test_each_event_is_stored_once_and_duplicates_are_counted(db: RelayDatabase) -> None:
    first = db.store(Received(events=[(env(1), None), (env(2), None), (env(2), None)]), NOW)
    again = db.store(Received(events=[(env(1), None), (env(3), None)]), NOW)
    assert (first.inserted, first.duplicates) == (2, 1)
    assert (again.inserted, again.duplicates) == (1, 1)
    totals = db.totals()
    assert totals["events"] == 3 and totals["duplicates"] == 2
    rows = db.daily("hn", "2026-11-21", "2026-11-21")
    assert [(r["device"], r["loans"], r["events"], r["duplicates"]) for r in rows] == [
        ("k1", 3, 3, 2)]


def test_statistics_by_day_type_and_device(db: RelayDatabase) -> None:
    batch = Received(events=[
        (env(1), None), (env(2, day="2026-11-22"), None),
        (env(3, "return", routing={"action": "shelf"}, item="31", mode="online"), None),
        (env(4, "renewal", item="32", due="2026-12-19", mode="online"), None),
        (env(5, "offline_transaction", operation="checkout", item="33",
             transaction_time="2026-11-20T16:00:00+07:00"), None),
        (env(6, "offline_conflict", operation="checkout", item="33", conflict="on_hold",
             transaction_time="2026-11-20T16:00:00+07:00"), None),
        (env(7, "gate_alarm", device="g1", uid="E0040150"), None),
        (env(8, "visitor_count", device="g1", period_start="2026-11-21T09:00:00+07:00",
             period_end="2026-11-21T10:00:00+07:00", entered=17, exited=12), None),
        (env(9, "staff_alert", alert="x", severity="info", message="m"), None),
    ])
    db.store(batch, NOW)
    db.store(Received(events=[(env(7, "gate_alarm", device="g1", uid="E0040150"), None)]),
             NOW)  # sent twice: counted once
    rows = {(r["day"], r["device"]): r for r in db.daily("hn", "2026-11-01", "2026-11-30")}
    k1, g1 = rows[("2026-11-21", "k1")], rows[("2026-11-21", "g1")]
    assert (k1["loans"], k1["returns"], k1["renewals"]) == (1, 1, 1)
    assert rows[("2026-11-22", "k1")]["loans"] == 1
    # offline events count on the day they were made, not replayed
    assert rows[("2026-11-20", "k1")]["offline_transactions"] == 1
    assert rows[("2026-11-20", "k1")]["conflicts"] == 1
    assert (g1["alarms"], g1["visitors"], g1["duplicates"]) == (1, 17, 1)


def test_registry_from_state_and_health(db: RelayDatabase) -> None:
    db.store(Received(states=[("hn", "k1", State(True, "2026-11-21T09:00:00+07:00", "0.1.0",
                                                  "kiosk", "VN-TEST1", "2026-11-21T08:59:00"
                                                  "+07:00"))]), NOW)
    health = env(11, "health", uptime_s=5, software="0.1.1", disk_free_mb=1, disk_total_mb=2,
                 outbox={"pending": 42, "capacity": 100}, components={})
    db.store(Received(events=[(env(10), None), (health, None)]), NOW)
    db.store(Received(states=[("hn", "k1", State(False, "2026-11-21T09:05:00+07:00",
                                                  reason="lost"))]), NOW)
    [device] = db.devices()
    assert (device["online"], device["state_reason"], device["role"]) == (False, "lost",
                                                                          "kiosk")
    assert (device["software"], device["outbox_pending"], device["last_seq"]) == (
        "0.1.1", 42, 11)
    db.store(Received(events=[(env(3), None)]), NOW)  # a late resend does not go back
    assert db.devices()[0]["last_seq"] == 11


def test_rejections_are_kept_with_their_reason(db: RelayDatabase) -> None:
    db.store(Received(rejections=[Rejection("smartlib/v1/hn/k1/evt/loan", "not_json",
                                            "byte 3: not JSON", 10, "{x", "hn", "k1")]), NOW)
    assert db.totals()["rejected"] == {"not_json": 1}
    assert db.daily("hn", "2026-11-21", "2026-11-21")[0]["rejected"] == 1
