"""The shipped broker configuration, as the devices meet it: TLS with
certificate verification, client certificates, a password per device, and
an ACL that keeps every device to its own topics."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.config import load
from edge.mqtt.client import Message, MqttConnection, Settings
from edge.mqtt.errors import ConnectFailedError, ConnectionLostError
from edge.mqtt.settings import mqtt_settings
from tests.edge.netsetup import device_config, wait_for
from tests.peers.mosquitto import Broker, Pki


def tls(pki: Pki, user: str | None, ca: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca or pki.ca_cert))
    if user is not None:
        cert, key = pki.client(user)
        context.load_cert_chain(str(cert), str(key))
    return context


def settings(broker: Broker, user: str, *, password: str | None = None,
             context: ssl.SSLContext | None = None, client_id: str | None = None) -> Settings:
    return Settings("127.0.0.1", broker.port, client_id or user, user,
                    password or broker.password, context or tls(broker.pki, user),
                    connect_timeout_s=5)


async def test_a_device_config_connects_with_tls_cert_and_password(
        tmp_path: Path, mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[("hn", "k1")])
    loaded = load(device_config(tmp_path, broker, "hn", "k1"))
    assert loaded.device.mqtt is not None
    conn = await MqttConnection.open(mqtt_settings(loaded.device.mqtt, loaded.secrets,
                                                   site="hn", device="k1"))
    assert conn.connected
    assert await conn.publish("smartlib/v1/hn/k1/state", b"{}", retain=True) < 0x80
    await conn.close()


async def test_a_broker_with_a_certificate_from_another_ca_is_refused(
        tmp_path: Path, mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[("hn", "k1")])
    other = Pki(tmp_path / "other-ca")
    with pytest.raises(ConnectFailedError, match="CERTIFICATE_VERIFY_FAILED"):
        await MqttConnection.open(settings(broker, "hn.k1",
                                           context=tls(broker.pki, "hn.k1", other.ca_cert)))


async def test_wrong_password_or_no_client_certificate_is_refused(
        mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[("hn", "k1")])
    with pytest.raises(ConnectFailedError) as bad:
        await MqttConnection.open(settings(broker, "hn.k1", password="wrong"))
    assert bad.value.reason_code in (0x86, 0x87) and not bad.value.transient
    with pytest.raises(ConnectFailedError):
        await MqttConnection.open(settings(broker, "hn.k1", context=tls(broker.pki, None)))


async def test_a_device_cannot_publish_under_another_device_prefix(
        mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[("hn", "k1"), ("hn", "k2")])
    got: list[Message] = []
    relay = await MqttConnection.open(settings(broker, "relay"), on_message=got.append)
    await relay.subscribe("smartlib/v1/#")
    k1 = await MqttConnection.open(settings(broker, "hn.k1"))
    assert await k1.publish("smartlib/v1/hn/k1/evt/loan", b'{"own": 1}') == 0
    # As another device, and outside the tree: "not authorised", then cut off.
    assert await k1.publish("smartlib/v1/hn/k2/evt/loan", b'{"forged": 1}') == 0x87
    await asyncio.wait_for(k1.closed, 5)
    k1 = await MqttConnection.open(settings(broker, "hn.k1"))
    assert await k1.publish("smartlib/v1/hn/k2/state", b'{"forged": 1}', retain=True) == 0x87
    k1 = await MqttConnection.open(settings(broker, "hn.k1"))
    assert await k1.publish("smartlib/v1/hn/k1/evt/loan", b'{"own": 2}') == 0
    await _until(lambda: len(got) >= 2)  # the broker has dealt with everything before
    assert [m.payload for m in got] == [b'{"own": 1}', b'{"own": 2}']
    await relay.close()


async def _until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    await asyncio.to_thread(wait_for, condition, timeout_s, "the broker")


async def test_a_device_reads_only_its_own_commands(mosquitto: Callable[..., Broker]) -> None:
    broker = mosquitto(devices=[("hn", "k1"), ("hn", "k2")])
    seen: dict[str, list[str]] = {"k1": [], "k2": []}
    k1 = await MqttConnection.open(settings(broker, "hn.k1"),
                                   on_message=lambda m: seen["k1"].append(m.topic))
    k2 = await MqttConnection.open(settings(broker, "hn.k2"),
                                   on_message=lambda m: seen["k2"].append(m.topic))
    await k1.subscribe("smartlib/v1/hn/k1/cmd/+")
    await k2.subscribe("smartlib/v1/+/+/cmd/+")  # tries to listen to everyone's
    relay = await MqttConnection.open(settings(broker, "relay"))
    assert await relay.publish("smartlib/v1/hn/k1/cmd/ping", b"{}") == 0
    assert await relay.publish("smartlib/v1/hn/k2/cmd/ping", b"{}") == 0
    await _until(lambda: bool(seen["k1"] and seen["k2"]))
    await asyncio.sleep(0.2)  # anything misrouted would have come by now
    assert seen == {"k1": ["smartlib/v1/hn/k1/cmd/ping"],
                    "k2": ["smartlib/v1/hn/k2/cmd/ping"]}
    for conn in (k1, k2, relay):
        await conn.close()


async def test_a_vanished_device_is_announced_by_its_will(
        mosquitto: Callable[..., Broker]) -> None:
    from edge.mqtt.client import Will

    broker = mosquitto(devices=[("hn", "k1")])
    will = Will("smartlib/v1/hn/k1/state", b'{"online":false}')
    k1 = await MqttConnection.open(Settings(
        "127.0.0.1", broker.port, "hn.k1", "hn.k1", broker.password, tls(broker.pki, "hn.k1"),
        will=will, keepalive_s=5))
    await k1.publish("smartlib/v1/hn/k1/state", b'{"online":true}', retain=True)
    k1.abort()  # no DISCONNECT: the broker must send the will
    got: list[Message] = []
    relay = await MqttConnection.open(settings(broker, "relay"), on_message=got.append)
    await relay.subscribe("smartlib/v1/+/+/state")
    for _ in range(50):
        if got and got[-1].payload == b'{"online":false}':
            break
        await asyncio.sleep(0.1)
    assert got[-1].payload == b'{"online":false}' and got[-1].retain
    with pytest.raises(ConnectionLostError):
        await k1.publish("smartlib/v1/hn/k1/state", b"{}")
    await relay.close()
