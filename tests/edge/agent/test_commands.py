"""Remote commands, answered by a running agent over the real broker with
MQTT v5 request/response: what an operator at the centre sees."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.agent.runtime import Agent
from edge.config import load
from edge.contract.commands import Reply, encode_request
from edge.mqtt.client import Message, MqttConnection, Settings
from edge.relay.requester import send_command
from edge.store import Store, open_store
from edge.store.control import FlushReport, offline_queue_handler
from tests.edge.mqtt.test_broker import tls
from tests.edge.netsetup import device_config
from tests.peers.mosquitto import Broker

SITE = "hn-tvtp"


@dataclass
class Running:
    agent: Agent
    broker: Broker
    config: Path
    store: Store
    device: str

    def operator(self) -> Settings:
        return Settings("127.0.0.1", self.broker.port, "relay.op", "relay",
                        self.broker.password, tls(self.broker.pki, "relay"))

    async def command(self, name: str, args: dict[str, object] | None = None,
                      timeout_s: float = 10.0) -> Reply:
        return await send_command(self.operator(), SITE, self.device, name, args,
                                  timeout_s=timeout_s)


@contextlib.asynccontextmanager
async def running_agent(tmp_path: Path, broker: Broker, role: str, device: str,
                 agent_extra: str = "", mqtt_extra: str = "health_interval_s = 3600.0",
                 ) -> AsyncIterator[Running]:
    config = device_config(tmp_path, broker, SITE, device, role=role, mqtt_extra=mqtt_extra,
                           agent=(
        "command_timeout_s = 3.0\nlock_ack_timeout_s = 1.0\n"
        'services = { kiosk = "smartlib-no-such-unit-for-tests.service" }\n'
        f'systemctl = "{shutil.which("systemctl") or "/usr/bin/systemctl"}"\n' + agent_extra))
    loaded = load(config)
    store = open_store(loaded.device.store.path)
    agent = Agent(loaded, store)
    task = asyncio.create_task(agent.run())
    await asyncio.wait_for(agent.ready.wait(), 30)
    try:
        yield Running(agent, broker, config, store, device)
    finally:
        agent.request_stop()
        await asyncio.wait_for(task, 10)
        store.close()


@pytest.fixture
async def kiosk(tmp_path: Path, mosquitto: Callable[..., Broker]) -> AsyncIterator[Running]:
    broker = mosquitto(devices=[(SITE, "kiosk-01")])
    async with running_agent(tmp_path, broker, "kiosk", "kiosk-01") as running:
        yield running


@pytest.fixture
async def gate(tmp_path: Path, mosquitto: Callable[..., Broker]) -> AsyncIterator[Running]:
    broker = mosquitto(devices=[(SITE, "gate-01")])
    async with running_agent(tmp_path, broker, "gate", "gate-01") as running:
        yield running


async def test_ping_and_get_config(kiosk: Running) -> None:
    pong = await kiosk.command("ping")
    assert pong.ok and pong.result and pong.result["pong"] is True
    assert pong.result["uptime_s"] >= 0
    config = await kiosk.command("get_config")
    assert config.ok and config.result
    assert config.result["text"] == kiosk.config.read_text()


@pytest.mark.parametrize(("name", "payload", "code"), [
    ("reboot_everything", b"{}", "unknown_command"),
    ("ping", b"{not json", "malformed"),
    ("ping", b'{"v": 2, "args": {}}', "unsupported_version"),
    ("lock_kiosk", b'{"v": 1, "args": {"reason": 42}}', "invalid"),
    ("restart_service", b'{"v": 1, "args": {}}', "invalid"),
    ("ping", b'{"v": 1, "args": {"surprise": true}}', "invalid"),
])
async def test_bad_commands_get_an_error_reply_and_the_agent_goes_on(
        kiosk: Running, name: str, payload: bytes, code: str) -> None:
    replies: asyncio.Queue[Message] = asyncio.Queue()
    op = await MqttConnection.open(kiosk.operator(), on_message=replies.put_nowait)
    reply_to = f"smartlib/v1/{SITE}/kiosk-01/reply/op1"
    await op.subscribe(reply_to)
    await op.publish(f"smartlib/v1/{SITE}/kiosk-01/cmd/{name}", payload,
                     response_topic=reply_to, correlation_data=b"c1")
    msg = await asyncio.wait_for(replies.get(), 10)
    await op.close()
    from edge.contract.commands import decode_reply

    reply = decode_reply(msg.payload)
    assert (reply.ok, reply.code, msg.correlation_data) == (False, code, b"c1")
    assert (await kiosk.command("ping")).ok


async def test_a_command_without_a_reply_topic_is_ignored_safely(kiosk: Running) -> None:
    op = await MqttConnection.open(kiosk.operator())
    await op.publish(f"smartlib/v1/{SITE}/kiosk-01/cmd/ping", encode_request())
    await op.publish(f"smartlib/v1/{SITE}/kiosk-01/cmd/ping", encode_request(),
                     response_topic="elsewhere/reply")  # outside its prefix
    await op.close()
    assert (await kiosk.command("ping")).ok
    assert kiosk.agent.commands.ignored == 2


async def test_lock_and_unlock_reach_the_kiosk_screen(kiosk: Running) -> None:
    screen: list[tuple[bool, str | None]] = []
    kiosk_store = open_store(kiosk.store.path)  # the kiosk process's own connection

    async def kiosk_ui() -> None:
        async for state in kiosk_store.kiosk_lock.changes(poll_s=0.02):
            screen.append((state.locked, state.reason))
            await asyncio.to_thread(kiosk_store.kiosk_lock.acknowledge, state.version)

    ui = asyncio.create_task(kiosk_ui())
    try:
        locked = await kiosk.command("lock_kiosk", {"reason": "Bảo trì đầu đọc"})
        assert locked.ok and locked.result == {"locked": True, "applied": True,
                                               "reason": "Bảo trì đầu đọc", "version": 1}
        unlocked = await kiosk.command("unlock_kiosk")
        assert unlocked.ok and unlocked.result
        assert unlocked.result["locked"] is False and unlocked.result["applied"] is True
    finally:
        ui.cancel()
        await asyncio.gather(ui, return_exceptions=True)
        kiosk_store.close()
    assert screen == [(False, None), (True, "Bảo trì đầu đọc"), (False, None)]


async def test_a_lock_with_no_kiosk_running_is_kept_but_not_applied(kiosk: Running) -> None:
    reply = await kiosk.command("lock_kiosk")
    assert reply.ok and reply.result and reply.result["applied"] is False
    assert kiosk.store.kiosk_lock.get().locked


async def test_gate_has_no_kiosk_or_offline_queue(gate: Running) -> None:
    for name in ("lock_kiosk", "unlock_kiosk", "flush_offline_queue"):
        reply = await gate.command(name)
        assert (reply.ok, reply.code) == (False, "not_supported"), name


async def test_flush_offline_queue_is_carried_out_by_the_service(kiosk: Running) -> None:
    class Journal:
        def __init__(self) -> None:
            self.queue = ["3001", "3002", "3003"]
            self.ils: list[str] = []

        async def flush(self) -> FlushReport:
            conflicts = 0
            while self.queue:
                item = self.queue.pop(0)
                if item == "3002":
                    conflicts += 1  # on hold for someone else
                self.ils.append(item)
            return FlushReport(replayed=len(self.ils) - conflicts, conflicts=conflicts,
                               remaining=len(self.queue))

    journal = Journal()
    service = open_store(kiosk.store.path)
    serving = asyncio.create_task(service.requests.serve(
        {"flush_offline_queue": offline_queue_handler(journal)}, poll_s=0.02))
    try:
        reply = await kiosk.command("flush_offline_queue")
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        service.close()
    assert reply.ok and reply.result == {"replayed": 2, "conflicts": 1, "remaining": 0}
    assert journal.ils == ["3001", "3002", "3003"]


async def test_flush_with_no_service_running_says_so(kiosk: Running) -> None:
    reply = await kiosk.command("flush_offline_queue")
    assert (reply.ok, reply.code) == (False, "not_running")


async def test_restarting_an_unknown_or_failing_service(kiosk: Running) -> None:
    unknown = await kiosk.command("restart_service", {"service": "toaster"})
    assert (unknown.ok, unknown.code) == (False, "not_supported")
    assert unknown.message and "kiosk" in unknown.message
    # This machine runs no systemd for our unit: systemctl's own words come back.
    failing = await kiosk.command("restart_service", {"service": "kiosk"})
    assert (failing.ok, failing.code) == (False, "failed")
    assert failing.message and "smartlib-no-such-unit-for-tests.service" in failing.message
