"""Fixtures of the agent's tests: the real peers, and one agent process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.contract.commands import Reply
from edge.mqtt.client import Message, MqttConnection, Settings
from edge.relay.requester import send_command
from tests.edge.mqtt.test_broker import tls
from tests.edge.netsetup import Service, device_config
from tests.peers.mosquitto import Broker, mosquitto, mqtt_pki  # noqa: F401
from tests.peers.postgres import postgres_server, postgres_url  # noqa: F401

SITE = "hn-tvtp"
DEVICE = "gate-07"


@dataclass
class Device:
    broker: Broker
    config: Path
    service: Service

    def operator(self) -> Settings:
        return Settings("127.0.0.1", self.broker.port, "relay.op", "relay",
                        self.broker.password, tls(self.broker.pki, "relay"))

    async def command(self, name: str, args: dict[str, object] | None = None,
                      timeout_s: float = 30.0) -> Reply:
        return await send_command(self.operator(), SITE, DEVICE, name, args,
                                  timeout_s=timeout_s)

    async def states(self, count: int, timeout_s: float = 30.0) -> list[dict[str, object]]:
        """The retained state, then each change, until ``count`` were seen."""
        seen: asyncio.Queue[Message] = asyncio.Queue()
        conn = await MqttConnection.open(self.operator(), on_message=seen.put_nowait)
        await conn.subscribe(f"smartlib/v1/{SITE}/{DEVICE}/state")
        out = []
        try:
            async with asyncio.timeout(timeout_s):
                while len(out) < count:
                    out.append(json.loads((await seen.get()).payload))
        finally:
            await conn.close()
        return out


@pytest.fixture
def device(tmp_path: Path, mosquitto: Callable[..., Broker]) -> Iterator[Device]:  # noqa: F811
    broker = mosquitto(devices=[(SITE, DEVICE)])
    config = device_config(tmp_path / "dev", broker, SITE, DEVICE,
                           agent="config_confirm_s = 6.0\ncommand_timeout_s = 10.0\n")
    service = Service(["agent", "--config", str(config)], tmp_path / "agent.log").start()
    yield Device(broker, config, service)
    service.stop()


async def wait_online(device: Device) -> dict[str, object]:
    for _ in range(200):
        states = await device.states(1)
        if states[0]["online"]:
            return states[0]
        await asyncio.sleep(0.1)
    raise AssertionError(device.service.output()[-2000:])


