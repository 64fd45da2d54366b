"""The relay over the real broker: two relays share the load and store no
event twice (SQLite and PostgreSQL), bad messages are refused with a reason
and counted, the registry follows state and health, alarms get their title,
and `smartlib report` gives the day's figures."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from drivers.sim.ils import DemoIls
from edge.cli.relay_cmd import open_database
from edge.config import load
from edge.contract import encode_envelope, encode_payload, events
from edge.contract.ids import Uuid7Source
from edge.mqtt.client import MqttConnection, Settings
from edge.relay.enrich import CachedTitles, TitleLookupError
from edge.relay.ingest import Relay
from edge.relay.wiring import title_lookup
from tests.conftest import CliResult
from tests.edge.agent.test_delivery import fill, stored
from tests.edge.mqtt.test_broker import tls
from tests.edge.netsetup import Service, central_config, device_config, wait_for
from tests.peers.mosquitto import Broker
from tests.peers.sip2 import SIP_PASSWORD, SIP_USER

SITE = "hn-tvtp"
ids = Uuid7Source(lambda: 0x2A)


def wire(event: events.Event, seq: int, device: str = "gate-01",
         time: str = "2026-11-21T09:00:00.000+07:00", site: str = SITE) -> bytes:
    return encode_envelope(event_id=ids.next(1_795_200_000_000 + seq), seq=seq, site=site,
                           device=device, event_type=event.type, schema=event.schema,
                           time=time, payload_json=encode_payload(event.payload))


def device_settings(broker: Broker, device: str = "gate-01") -> Settings:
    user = f"{SITE}.{device}"
    return Settings("127.0.0.1", broker.port, user, user, broker.password,
                    tls(broker.pki, user))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_relays_share_the_load_and_store_nothing_twice(
        backend: str, tmp_path: Path, mosquitto: Callable[..., Broker],
        request: pytest.FixtureRequest) -> None:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    url = (f"sqlite:///{tmp_path / 'relay.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    relays = [Service(["relay", "--config", str(central_config(
        tmp_path / name, broker, name, url))], tmp_path / f"{name}.log").start()
        for name in ("relay-01", "relay-02")]
    total = 3000
    event_ids = fill(tmp_path / "dev" / "device.db", total)
    agent = Service(["agent", "--config", str(device_config(
        tmp_path / "dev", broker, SITE, "gate-01"))], tmp_path / "agent.log")
    try:
        wait_for(lambda: all("subscribed" in r.output() for r in relays), 30, "both relays")
        agent.start()
        wait_for(lambda: len(stored(url)) >= total // 3, 60, "a third of the events")
        agent.kill()  # resends after the restart may land at the other relay
        agent.start()
        wait_for(lambda: len(stored(url)) >= total, 90, "every event")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            by_relay = dict(conn.execute(sa.text(
                "SELECT relay, count(*) FROM events WHERE type = 'loan' GROUP BY relay")).all())
            count, distinct = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT event_id) FROM events")).one()
        engine.dispose()
        assert count == distinct
        assert sorted(r[0] for r in stored(url)) == sorted(event_ids)
        assert set(by_relay) == {"central.relay-01", "central.relay-02"}
        assert min(by_relay.values()) > total // 10, by_relay  # both did real work
    finally:
        agent.stop()
        for relay in relays:
            relay.stop()


@contextlib.asynccontextmanager
async def running_relay(config: Path, titles: CachedTitles | None = None) -> AsyncIterator[Relay]:
    loaded = load(config)
    db = open_database(loaded)
    relay = Relay(loaded, db, titles=titles)
    task = asyncio.create_task(relay.run())
    await asyncio.wait_for(relay.subscribed.wait(), 30)
    try:
        yield relay
    finally:
        relay.request_stop()
        await asyncio.wait_for(task, 10)
        db.dispose()


@pytest.fixture
async def relay(tmp_path: Path, mosquitto: Callable[..., Broker]) -> AsyncIterator[
        tuple[Relay, Broker, Path]]:
    broker = mosquitto(devices=[(SITE, "gate-01"), (SITE, "gate-02")])
    config = central_config(tmp_path / "relay", broker, "relay-01",
                            f"sqlite:///{tmp_path / 'relay.db'}",
                            relay="max_payload_bytes = 8192")
    async with running_relay(config) as running:
        yield running, broker, config


async def test_bad_messages_are_refused_with_a_reason_and_counted(
        relay: tuple[Relay, Broker, Path]) -> None:
    running, broker, _ = relay
    dev = await MqttConnection.open(device_settings(broker))
    base = "smartlib/v1/hn-tvtp/gate-01"
    good = events.gate_alarm(uid="E004015000000001")
    cases = [
        (f"{base}/evt/gate_alarm", b'{"v":1, "id": oops}'),                     # not JSON
        (f"{base}/evt/gate_alarm", b"\xff\xfe{}"),                              # not UTF-8
        (f"{base}/evt/gate_alarm", b"[1,2,3]"),                                 # not an object
        (f"{base}/evt/gate_alarm", b'{"x":"' + b"a" * 10_000 + b'"}'),          # too large
        (f"{base}/evt/gate_alarm", wire(events.Event("gate_alarm", 1, "alert",
                                                     {"direction": "up"}), 1)),  # schema
        (f"{base}/evt/loan", wire(good, 2)),                                    # wrong type
        (f"{base}/evt/gate_alarm", wire(good, 3, device="gate-02")),            # wrong device
        (f"{base}/evt/gate_alarm", wire(events.Event("teleport", 1, "alert", {}), 4)),
        (f"{base}/evt/gate_alarm", wire(good, 5)),                              # fine
    ]
    for topic, payload in cases:
        assert await dev.publish(topic, payload) < 0x80
    await dev.close()
    db = running.db
    await asyncio.to_thread(wait_for, lambda: db.totals()["events"] == 1 and sum(
        db.totals()["rejected"].values()) == 8, 10, "8 refusals")
    assert db.totals()["rejected"] == {"not_json": 1, "not_utf8": 1, "not_object": 1,
                                       "oversized": 1, "invalid": 1, "topic_mismatch": 2,
                                       "unknown_type": 1}
    engine = db.engine
    with engine.connect() as conn:
        details = [r[0] for r in conn.execute(sa.text(
            "SELECT detail FROM rejections ORDER BY id"))]
    assert details[0].startswith("byte ") and "/payload/direction" in details[4]
    assert "exceeds the limit of 8192" in details[3]


async def test_registry_and_alarm_titles_from_the_ils_over_sip2(
        tmp_path: Path, mosquitto: Callable[..., Broker], demo_ils: DemoIls) -> None:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    config = central_config(tmp_path / "relay", broker, "relay-01",
                            f"sqlite:///{tmp_path / 'relay.db'}",
                            ils=(demo_ils.port, SIP_USER, SIP_PASSWORD))
    titles = title_lookup(load(config))
    assert titles is not None
    async with running_relay(config, titles) as running:
        dev = await MqttConnection.open(device_settings(broker))
        base = "smartlib/v1/hn-tvtp/gate-01"
        await dev.publish(f"{base}/state", b'{"v":1,"online":true,"time":"2026-11-21T09:00:00'
                          b'+07:00","software":"0.1.0","role":"gate","isil":"VN-TVTPHN"}',
                          retain=True)
        await dev.publish(f"{base}/evt/gate_alarm", wire(events.gate_alarm(
            uid="E004015000000001", item="30000001"), 1))
        await dev.publish(f"{base}/evt/gate_alarm", wire(events.gate_alarm(
            uid="E004015000000009", item="99999999"), 2))  # the ILS does not know it
        await dev.publish(f"{base}/evt/gate_alarm", wire(events.gate_alarm(
            uid="E004015000000002", item="30000001", title="Truyện Kiều (gate)"), 3))
        await dev.publish(f"{base}/health", wire(events.health(
            uptime_s=3, software="0.1.0", disk_free_mb=100, disk_total_mb=200,
            outbox={"pending": 7, "capacity": 200_000}, components={}), 4))
        await dev.close()
        db = running.db
        await asyncio.to_thread(wait_for, lambda: db.totals()["events"] == 4, 10, "4 events")
        [device] = db.devices()
        assert (device["online"], device["role"], device["outbox_pending"]) == (True, "gate",
                                                                                7)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT seq, enrichment FROM events WHERE type = "
                                        "'gate_alarm' ORDER BY seq")).all()
        enrichment = [json.loads(r[1]) if r[1] else None for r in rows]
        # Named by the ILS; unknown there; already named by the gate.
        assert enrichment == [{"title": "Truyện Kiều", "source": "ils"}, None, None]
        assert titles.lookups == 2


async def test_a_slow_or_failing_ils_delays_only_the_title() -> None:
    calls: list[str] = []

    async def lookup(item: str) -> str | None:
        calls.append(item)
        if item == "slow":
            await asyncio.sleep(10)
        if item == "down":
            raise TitleLookupError("SIP2: connection refused")
        return "Số đỏ"

    titles = CachedTitles(lookup, timeout_s=0.2)
    assert await titles.title("slow") is None
    assert await titles.title("down") is None
    assert await titles.title("3001") == "Số đỏ"
    assert await titles.title("3001") == "Số đỏ"  # cached
    assert (calls, titles.failures) == (["slow", "down", "3001"], 2)


async def test_report_csv_and_json(relay: tuple[Relay, Broker, Path],
                                   cli: Callable[..., CliResult]) -> None:
    running, broker, config = relay
    dev = await MqttConnection.open(device_settings(broker))
    base = "smartlib/v1/hn-tvtp/gate-01"
    day1, day2 = "2026-11-20T10:00:00.000+07:00", "2026-11-21T10:00:00.000+07:00"
    batch = [("loan", events.checkout(item="30000001", due="2026-12-05"), day1),
             ("loan", events.checkout(item="30000002", due="2026-12-05"), day2),
             ("return", events.checkin(item="30000001", routing=events.Routing("shelf")), day2),
             ("visitor_count", events.visitor_count(
                 period_start=day2, period_end="2026-11-21T11:00:00+07:00", entered=30,
                 exited=28), day2),
             ("gate_alarm", events.gate_alarm(uid="E004015000000003"), day2)]
    for seq, (kind, event, when) in enumerate(batch, 1):
        await dev.publish(f"{base}/evt/{kind}", wire(event, seq, time=when))
    await dev.close()
    await asyncio.to_thread(wait_for, lambda: running.db.totals()["events"] == 5, 10, "5")
    result = await asyncio.to_thread(cli, "report", "--config", str(config), "--site", SITE,
                                     "--from", "2026-11-20", "--to", "2026-11-21",
                                     "--format", "csv")
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["date"], r["loans"], r["returns"], r["alarms"], r["visitors"]) for r in rows] == [
        ("2026-11-20", "1", "0", "0", "0"), ("2026-11-21", "1", "1", "1", "30"),
        ("total", "2", "1", "1", "30")]
    result = await asyncio.to_thread(cli, "report", "--config", str(config), "--site", SITE,
                                     "--from", "2026-11-21", "--to", "2026-11-21",
                                     "--format", "json")
    data = json.loads(result.stdout)
    assert data["totals"]["loans"] == 1 and data["by_device"]["gate-01"]["visitors"] == 30
    bad = await asyncio.to_thread(cli, "report", "--config", str(config), "--site", SITE,
                                  "--from", "2026-11-22", "--to", "2026-11-21")
    assert bad.code == 2
