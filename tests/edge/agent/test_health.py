"""Health telemetry and the outbox alarm, as the centre sees them: the
health reaches the relay's registry with each component's status; a filling
outbox raises the alarm before it is full and sheds health, never
transactions; nothing leaves the device while no relay is there to take it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from edge.contract import events
from edge.store import open_store
from tests.edge.agent.test_commands import running_agent
from tests.edge.netsetup import central_config, wait_for
from tests.edge.relay.test_relay import running_relay
from tests.peers.mosquitto import Broker

SITE = "hn-tvtp"


async def test_outbox_alarm_and_health_then_drain_when_a_relay_appears(
        tmp_path: Path, mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[(SITE, "kiosk-01")])
    store_path = tmp_path / "dev" / "device.db"
    with open_store(store_path) as store:  # the kiosk recorded these before
        store.outbox.append_many([events.checkout(item=f"3{i:04d}", due="2026-12-05")
                                  for i in range(85)])
        store.status.report("reader", "ok", "FEIG ISC.MR102")
        store.status.report("ils", "down", "SIP2 timeout after 10 s")
    async with running_agent(tmp_path / "dev", broker, "kiosk", "kiosk-01", agent_extra=(
            "outbox_capacity = 100\nretention_interval_s = 0.2\n"),
            mqtt_extra="health_interval_s = 0.1") as kiosk:
        # No relay has ever subscribed: the broker says "no subscribers" (0x10),
        # and the events stay on the device.
        await asyncio.to_thread(wait_for, lambda: kiosk.agent.alarm, 20, "the alarm")
        await asyncio.to_thread(
            wait_for, lambda: kiosk.store.outbox.depth().by_class.get("alert") == 1, 20,
            "the staff alert")
        depth = await asyncio.to_thread(kiosk.store.outbox.depth)
        assert depth.by_class["transaction"] == 85
        pending = await asyncio.to_thread(kiosk.store.outbox.pending, 0, 1000)
        alert = next(p for p in pending if p.type == "staff_alert")
        assert json.loads(alert.payload)["alert"] == "outbox_nearly_full"
        await asyncio.to_thread(wait_for, lambda: kiosk.store.outbox.depth().dropped_health > 0,
                                20, "health to be shed")
        # Retention runs every retention_interval_s while health keeps coming
        # every 0.1 s, so between two runs the outbox may hold a health event or
        # two over capacity; each run brings it back, never dropping a loan.
        await asyncio.to_thread(wait_for, lambda: kiosk.store.outbox.depth().pending <= 100, 20,
                                "the outbox back within its capacity")
        depth = await asyncio.to_thread(kiosk.store.outbox.depth)
        assert depth.by_class["transaction"] == 85

        db_url = f"sqlite:///{tmp_path / 'relay.db'}"
        config = central_config(tmp_path / "relay", broker, "relay-01", db_url)
        async with running_relay(config) as relay:
            await asyncio.to_thread(
                wait_for, lambda: relay.db.totals()["events"] >= 86 + 1, 30, "the backlog")
            with relay.db.engine.connect() as conn:
                loans = conn.execute(sa.text(
                    "SELECT count(*) FROM events WHERE type = 'loan'")).scalar_one()
                health = conn.execute(sa.text(
                    "SELECT payload FROM events WHERE type = 'health' ORDER BY seq DESC "
                    "LIMIT 1")).scalar_one()
            assert loans == 85
            payload = health if isinstance(health, dict) else json.loads(health)
            assert payload["components"]["reader"]["status"] == "ok"
            assert payload["components"]["ils"] == {
                "status": "down", "detail": "SIP2 timeout after 10 s",
                "since": payload["components"]["ils"]["since"]}
            assert payload["outbox"]["capacity"] == 100
            [device] = relay.db.devices()
            assert device["site"] == SITE and device["online"] is True
            await asyncio.to_thread(wait_for, lambda: not kiosk.agent.alarm or
                                    kiosk.store.outbox.depth().pending < 72, 10, "drained")


async def test_a_component_whose_service_stopped_reporting_shows_unknown(
        tmp_path: Path, mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    now = [1_795_200_000.0]
    with open_store(tmp_path / "dev" / "device.db", clock=lambda: now[0]) as store:
        store.status.report("reader", "ok")
    async with running_agent(tmp_path / "dev", broker, "gate", "gate-01",
                             agent_extra="status_stale_s = 60.0\n") as gate:
        await gate.agent.append_health()
        rows = await asyncio.to_thread(gate.store.outbox.pending, 0, 100)
        health = json.loads([r for r in rows if r.type == "health"][-1].payload)
        assert health["components"]["reader"]["status"] == "unknown"
        assert "no report for" in health["components"]["reader"]["detail"]
        assert health["components"]["broker"]["status"] == "ok"
        assert health["memory_mb"] > 0 and health["disk_total_mb"] > 0
        board = await asyncio.to_thread(gate.store.status.snapshot)
        assert board["broker"].status == "ok"  # for the kiosk's staff screen
