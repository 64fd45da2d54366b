"""The outbox: what the agent drains. Durable on return, strictly ordered,
time-ordered unique ids, schema-checked, bounded by a retention policy that
never drops a transaction, an alert or a conflict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.contract import Event, PayloadError, events
from edge.contract.ids import uuid7_time_ms
from edge.store import Outbox, RetentionPolicy, StoreError, open_store
from edge.store.db import Database


class Clock:
    def __init__(self, now: float = 1_795_200_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_appended_event_survives_the_process_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    code = (
        "import os, sys, signal\n"
        "from edge.store import open_store\n"
        "from edge.contract import events\n"
        "store = open_store(sys.argv[1])\n"
        "a = store.outbox.append(events.checkout(item='3001', due='2026-12-05'))\n"
        "print(a.event_id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == -9
    with open_store(path) as store:
        assert [p.event_id for p in store.outbox.pending()] == [done.stdout.strip()]


def test_sequence_and_ids_increase_and_device_time_has_the_offset(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path / "d.db", clock=clock) as store:
        made = []
        for i in range(50):
            if i % 10 == 0:
                clock.now -= 5  # the clock steps back: ids must still increase
            made.append(store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")))
        seqs = [a.seq for a in made]
        ids = [a.event_id for a in made]
        assert seqs == sorted(seqs) and len(set(seqs)) == 50
        assert ids == sorted(ids) and len(set(ids)) == 50
        assert made[0].device_time.endswith("+07:00")
        assert abs(uuid7_time_ms(ids[0]) - int((clock.now + 45) * 1000)) < 60_000


def test_invalid_and_oversized_events_are_refused_with_a_reason(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        with pytest.raises(PayloadError, match="/payload/item") as bad:
            store.outbox.append(events.checkout(item="", due="2026-12-05"))
        assert bad.value.reason == "invalid"
        with pytest.raises(PayloadError) as big:  # checked before the schema is asked
            Outbox(store.db, checker=None).append(Event(
                "staff_alert", 1, "alert", {"alert": "x", "severity": "info",
                                            "message": "m" * 70_000}))
        assert big.value.reason == "oversized"
        with pytest.raises(PayloadError, match="/payload/message"):
            store.outbox.append(Event("staff_alert", 1, "alert", {
                "alert": "x", "severity": "info", "message": "m" * 2001}))
        assert store.outbox.pending() == []


def test_delivery_is_recorded_and_pending_skips_acked_and_refused(tmp_path: Path) -> None:
    with open_store(tmp_path / "d.db") as store:
        seqs = [store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")).seq
                for i in range(5)]
        store.outbox.record_delivery(acked=seqs[:2], attempted=seqs[:3])
        store.outbox.mark_refused(seqs[2], "broker refused: reason code 0x87")
        assert [p.seq for p in store.outbox.pending()] == seqs[3:]
        assert [p.seq for p in store.outbox.pending(after_seq=seqs[3])] == seqs[4:]
        depth = store.outbox.depth()
        assert (depth.pending, depth.refused) == (2, 1)
        assert store.outbox.refused()[0][3] == "broker refused: reason code 0x87"
        attempts = store.db.query("SELECT attempts FROM outbox ORDER BY seq")
        assert [a[0] for a in attempts] == [1, 1, 1, 0, 0]


def test_requeue_after_a_broker_lost_data(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path / "d.db", clock=clock) as store:
        seqs = [store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")).seq
                for i in range(4)]
        store.outbox.record_delivery(acked=seqs[:2])
        clock.now += 100
        store.outbox.record_delivery(acked=seqs[2:])
        assert store.outbox.requeue_since(int((clock.now - 50) * 1000)) == 2
        assert [p.seq for p in store.outbox.pending()] == seqs[2:]


def _health(i: int) -> events.Event:
    return events.health(uptime_s=i, software="t", disk_free_mb=1, disk_total_mb=2,
                         outbox={"pending": 0, "capacity": 10}, components={})


def test_retention_drops_only_health_oldest_first_and_alarms_before_full(
        tmp_path: Path) -> None:
    clock = Clock()
    policy = RetentionPolicy(capacity=100, alarm_ratio=0.8, keep_acked_s=3600)
    with open_store(tmp_path / "d.db", clock=clock) as store:
        outbox = store.outbox
        outbox.append_many([_health(i) for i in range(40)])
        outbox.append_many([events.checkout(item=f"3{i}", due="2026-12-05")
                            for i in range(39)])
        report = outbox.enforce(policy)
        assert (report.pending, report.alarm, report.dropped_health) == (79, False, 0)
        outbox.append(events.staff_alert(alert="tag_write_failed", message="x"))
        assert outbox.enforce(policy).alarm  # 80 of 100: the alarm, nothing dropped yet
        outbox.append_many([events.offline_conflict(
            operation="checkout", item=f"4{i}", transaction_time="2026-11-20T09:00:00+07:00",
            conflict="on_hold") for i in range(30)])
        report = outbox.enforce(policy)
        assert (report.pending, report.dropped_health, report.over_capacity) == (100, 10, False)
        kept_health = [p.payload for p in outbox.pending(0, 1000) if p.type == "health"]
        assert len(kept_health) == 30 and '"uptime_s":10' in kept_health[0]  # oldest went
        outbox.append_many([events.checkout(item=f"5{i}", due="2026-12-05")
                            for i in range(60)])
        report = outbox.enforce(policy)
        assert report.dropped_health == 30 and report.over_capacity
        by_class = outbox.depth().by_class
        assert by_class == {"transaction": 99, "alert": 1, "conflict": 30}
        assert outbox.depth().dropped_health == 40


def test_acknowledged_history_is_kept_then_trimmed(tmp_path: Path) -> None:
    clock = Clock()
    policy = RetentionPolicy(capacity=1000, keep_acked_s=3600)
    with open_store(tmp_path / "d.db", clock=clock) as store:
        seqs = [store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")).seq
                for i in range(3)]
        store.outbox.record_delivery(acked=seqs)
        clock.now += 3601  # acknowledged long ago, but the centre never said it has them
        assert store.outbox.enforce(policy).deleted_acked == 0
        store.outbox.confirm([(seqs[0], seqs[-1])])
        assert store.outbox.enforce(policy).deleted_acked == 0
        clock.now += 3601
        assert store.outbox.enforce(policy).deleted_acked == 3
        assert store.outbox.depth().total_rows == 0


def test_the_store_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    open_store(path).close()
    db = Database(path)
    with db.write() as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    with pytest.raises(StoreError, match="9999"):
        open_store(path)


def test_events_the_centre_never_receipted_are_sent_again(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path / "d.db", clock=clock) as store:
        seqs = [store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05")).seq
                for i in range(6)]
        store.outbox.record_delivery(acked=seqs)  # the broker has them all
        assert store.outbox.pending() == [] and store.outbox.depth().unconfirmed == 6
        assert store.outbox.confirm([(seqs[0], seqs[1]), (seqs[4], seqs[4])]) == 3
        clock.now += 10
        assert store.outbox.requeue_unconfirmed(int((clock.now - 60) * 1000)) == 0  # too soon
        assert store.outbox.requeue_unconfirmed(int(clock.now * 1000)) == 3
        assert [p.seq for p in store.outbox.pending()] == [seqs[2], seqs[3], seqs[5]]
        store.outbox.confirm([(seqs[2], seqs[5])])  # a late receipt settles them too
        assert store.outbox.pending() == [] and store.outbox.depth().unconfirmed == 0
