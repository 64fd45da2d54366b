"""Every event reaches the centre once in effect, in order, over a real
mosquitto with TLS and the per-device ACL: across agent SIGKILLs, broker
restarts and a broker outage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from edge.contract import events
from edge.store import open_store
from tests.edge.netsetup import Service, central_config, device_config, wait_for
from tests.peers.mosquitto import Broker

SITE = "hn-tvtp"


def fill(store_path: Path, count: int, start: int = 0) -> list[str]:
    """Append ``count`` loan events (as circulation would); their ids in order."""
    with open_store(store_path) as store:
        made = [events.checkout(item=f"3000{i:06d}", due="2026-12-05", title="Truyện Kiều")
                for i in range(start, start + count)]
        store.outbox.append_many(made)
        return [row.event_id for row in store.outbox.pending(0, 10**9)
                if row.type == "loan"][-count:]


def stored(db_url: str) -> list[tuple[str, int, int]]:
    """(event id, seq, arrival order) of every stored loan, in arrival order."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [(str(r[0]), int(r[1]), int(r[2])) for r in conn.execute(sa.text(
                "SELECT event_id, seq, id FROM events WHERE type = 'loan' ORDER BY id"))]
    except sa.exc.OperationalError:
        return []
    finally:
        engine.dispose()


def duplicates(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT coalesce(sum(duplicates), 0) FROM daily_stats")).scalar_one())
    finally:
        engine.dispose()


@dataclass
class Setup:
    broker: Broker
    db_url: str
    relay: Service
    agent: Service
    store_path: Path

    def assert_all_once_in_order(self, ids: list[str]) -> None:
        rows = stored(self.db_url)
        got = [r[0] for r in rows]
        assert len(got) == len(set(got)), "an event was stored twice"
        assert set(got) == set(ids), f"missing: {len(set(ids) - set(got))}"
        # One relay, one device: the first arrival of each event follows the
        # device's order (re-sent events after a crash are duplicates, not stored).
        assert got == sorted(got, key=ids.index)
        seqs = [r[1] for r in rows]
        assert seqs == sorted(seqs)


@pytest.fixture
def setup(tmp_path: Path, mosquitto: Callable[..., Broker]) -> Iterator[Setup]:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    db_url = f"sqlite:///{tmp_path / 'relay.db'}"
    relay = Service(["relay", "--config", str(central_config(
        tmp_path / "relay", broker, "relay-01", db_url))], tmp_path / "relay.log")
    config = device_config(tmp_path / "dev", broker, SITE, "gate-01")
    agent = Service(["agent", "--config", str(config)], tmp_path / "agent.log")
    s = Setup(broker, db_url, relay, agent, tmp_path / "dev" / "device.db")
    yield s
    agent.stop()
    relay.stop()


def test_events_reach_the_relay_once_and_in_order(setup: Setup) -> None:
    ids = fill(setup.store_path, 300)
    setup.relay.start()
    setup.agent.start()
    wait_for(lambda: len(stored(setup.db_url)) >= 300, 60, "300 events at the relay")
    setup.assert_all_once_in_order(ids)
    with open_store(setup.store_path) as store:
        wait_for(lambda: store.outbox.depth().by_class.get("transaction", 0) == 0, 10,
                 "the outbox to record every PUBACK")


def test_agent_killed_while_publishing_loses_and_doubles_nothing(setup: Setup) -> None:
    total = 12_000
    ids = fill(setup.store_path, total)
    setup.relay.start()
    kills = 0
    for fraction in (0.15, 0.4, 0.7):
        setup.agent.start()
        wait_for(lambda f=fraction: len(stored(setup.db_url)) >= total * f, 60,
                 f"{fraction:.0%} of the events")
        setup.agent.kill()  # SIGKILL mid-stream: PUBACKs in flight, batch not recorded
        kills += 1
        with open_store(setup.store_path) as store:
            pending = store.outbox.depth().pending
        assert 0 < pending < total, "the kill should land while events are in flight"
    setup.agent.start()
    wait_for(lambda: len(stored(setup.db_url)) >= total, 90, "every event after the kills")
    time.sleep(0.5)  # anything sent twice has had time to arrive
    setup.assert_all_once_in_order(ids)
    assert kills == 3


def test_broker_restarts_mid_stream(setup: Setup) -> None:
    total = 8_000
    ids = fill(setup.store_path, total)
    setup.relay.start()
    setup.agent.start()
    for fraction in (0.2, 0.6):
        wait_for(lambda f=fraction: len(stored(setup.db_url)) >= total * f, 60,
                 f"{fraction:.0%} of the events")
        setup.broker.restart()
    wait_for(lambda: len(stored(setup.db_url)) >= total, 90, "every event after restarts")
    time.sleep(0.5)
    setup.assert_all_once_in_order(ids)


def test_broker_outage_events_pile_up_then_drain(setup: Setup) -> None:
    """The broker is down for a while (tens of seconds in the suite; see
    bench/agent.py --outage-s for minutes); the kiosk keeps recording."""
    first = fill(setup.store_path, 200)
    setup.relay.start()
    setup.agent.start()
    wait_for(lambda: len(stored(setup.db_url)) >= 200, 60, "the first events")
    setup.broker.stop()
    outage_s = 12.0
    started = time.monotonic()
    later: list[str] = []
    while time.monotonic() - started < outage_s:  # recorded while the broker is away
        later += fill(setup.store_path, 250, start=len(first) + len(later))
        time.sleep(1.0)
    with open_store(setup.store_path) as store:
        assert store.outbox.depth().by_class["transaction"] >= len(later)
    assert setup.agent.alive() and setup.relay.alive()
    setup.broker.start()
    wait_for(lambda: len(stored(setup.db_url)) >= len(first) + len(later), 90,
             "the events recorded during the outage")
    setup.assert_all_once_in_order(first + later)
    assert "cannot connect to the broker" in setup.agent.output()
