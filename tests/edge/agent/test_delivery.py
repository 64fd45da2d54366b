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


def stored_count(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT count(*) FROM events WHERE type = 'loan'")).scalar_one())
    except sa.exc.OperationalError:
        return 0
    finally:
        engine.dispose()


def wait_stored(db_url: str, target: float, what: str, stall_s: float = 60.0) -> None:
    """Wait until ``target`` loans are stored; fail only when no new one was
    stored for ``stall_s`` (a loaded machine is slow, a stuck delivery is
    stuck: this tells one from the other without a deadline to tune)."""
    count = stored_count(db_url)
    last_progress = time.monotonic()
    while count < target:
        if time.monotonic() - last_progress > stall_s:
            raise AssertionError(f"no event stored for {stall_s:.0f} s waiting for {what} "
                                 f"({count} of {target:.0f} stored)")
        time.sleep(0.1)
        now = stored_count(db_url)
        if now > count:
            count, last_progress = now, time.monotonic()


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

    def start_relay(self) -> None:
        self.relay.start()
        wait_for(lambda: "subscribed" in self.relay.output(), 60, "the relay to subscribe")

    def assert_all_once(self, ids: list[str]) -> list[str]:
        got = [r[0] for r in stored(self.db_url)]
        assert len(got) == len(set(got)), "an event was stored twice"
        assert set(got) == set(ids), f"missing: {len(set(ids) - set(got))}"
        return got

    def assert_all_once_in_order(self, ids: list[str]) -> None:
        got = self.assert_all_once(ids)
        # One relay, one device, a broker that keeps what it acknowledged: the
        # first arrival of each event follows the device's order (what a crash
        # makes the device send twice arrives as a duplicate, not stored).
        position = {event_id: i for i, event_id in enumerate(ids)}
        assert [position[g] for g in got] == sorted(position[g] for g in got)


@pytest.fixture
def setup(tmp_path: Path, mosquitto: Callable[..., Broker]) -> Iterator[Setup]:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    db_url = f"sqlite:///{tmp_path / 'relay.db'}"
    relay = Service(["relay", "--config", str(central_config(
        tmp_path / "relay", broker, "relay-01", db_url))], tmp_path / "relay.log")
    config = device_config(tmp_path / "dev", broker, SITE, "gate-01",
                           agent="confirm_timeout_s = 3.0\n")
    agent = Service(["agent", "--config", str(config)], tmp_path / "agent.log")
    s = Setup(broker, db_url, relay, agent, tmp_path / "dev" / "device.db")
    yield s
    agent.stop()
    relay.stop()


def test_events_reach_the_relay_once_and_in_order(setup: Setup) -> None:
    ids = fill(setup.store_path, 300)
    setup.start_relay()
    setup.agent.start()
    wait_stored(setup.db_url, 300, "300 events at the relay")
    setup.assert_all_once_in_order(ids)
    with open_store(setup.store_path) as store:
        wait_for(lambda: store.outbox.depth().by_class.get("transaction", 0) == 0, 60,
                 "the outbox to record every PUBACK")


def test_agent_killed_while_publishing_loses_and_doubles_nothing(setup: Setup) -> None:
    total = 8_000
    ids = fill(setup.store_path, total)
    setup.start_relay()
    kills = 0
    for fraction in (0.15, 0.4, 0.7):
        setup.agent.start()
        wait_stored(setup.db_url, total * fraction, f"{fraction:.0%} of the events")
        setup.agent.kill()  # SIGKILL mid-stream: PUBACKs in flight, batch not recorded
        kills += 1
        with open_store(setup.store_path) as store:
            depth = store.outbox.depth()
        # Not yet done end to end: unsent, or sent and not yet receipted by the
        # centre (under load the agent may have published everything already).
        outstanding = depth.pending + depth.unconfirmed
        assert 0 < outstanding < total, "the kill should land while events are in flight"
    setup.agent.start()
    wait_stored(setup.db_url, total, "every event after the kills")
    time.sleep(0.5)  # anything sent twice has had time to arrive
    setup.assert_all_once_in_order(ids)
    assert kills == 3


def test_broker_restarts_mid_stream(setup: Setup) -> None:
    """mosquitto 2.0 may lose a shared subscription over a restart and route
    some acknowledged events nowhere; the centre's receipts bring them back."""
    total = 6_000
    ids = fill(setup.store_path, total)
    setup.start_relay()
    setup.agent.start()
    for fraction in (0.2, 0.6):
        wait_stored(setup.db_url, total * fraction, f"{fraction:.0%} of the events")
        setup.broker.restart()
    wait_stored(setup.db_url, total, "every event after restarts")
    time.sleep(0.5)
    setup.assert_all_once(ids)


def test_broker_outage_events_pile_up_then_drain(setup: Setup) -> None:
    """The broker is down for a while (tens of seconds in the suite; see
    bench/agent.py --outage-s for minutes); the kiosk keeps recording."""
    first = fill(setup.store_path, 200)
    setup.start_relay()
    setup.agent.start()
    wait_stored(setup.db_url, 200, "the first events")
    setup.broker.stop()
    outage_s = 10.0
    started = time.monotonic()
    later: list[str] = []
    while time.monotonic() - started < outage_s:  # recorded while the broker is away
        later += fill(setup.store_path, 250, start=len(first) + len(later))
        time.sleep(1.0)
    with open_store(setup.store_path) as store:
        assert store.outbox.depth().by_class["transaction"] >= len(later)
    assert setup.agent.alive() and setup.relay.alive()
    setup.broker.start()
    wait_stored(setup.db_url, len(first) + len(later), "the events recorded during the outage")
    setup.assert_all_once(first + later)
    assert "cannot connect to the broker" in setup.agent.output()


def test_broker_killed_mid_stream_loses_nothing(setup: Setup) -> None:
    """SIGKILL: the broker dies with events it acknowledged but had not passed
    on or saved; the device sends them again when no receipt comes."""
    total = 6_000
    ids = fill(setup.store_path, total)
    setup.start_relay()
    setup.agent.start()
    wait_stored(setup.db_url, total * 0.3, "30% of the events")
    setup.broker.kill()
    time.sleep(1.0)
    setup.broker.start()
    wait_stored(setup.db_url, total, "every event after the kill")
    time.sleep(0.5)
    setup.assert_all_once(ids)
    with open_store(setup.store_path) as store:
        wait_for(lambda: store.outbox.depth().unconfirmed == 0, 60, "every receipt")
