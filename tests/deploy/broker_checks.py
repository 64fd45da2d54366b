"""The broker files site.yml wrote (tests/deploy/stage.py), put to work: a
real mosquitto with the staged configuration (only its port changed) lets
each device in with its client certificate and vaulted password, carries its
events to the relay, and stops it from writing under another device's prefix
or reading another device's commands. Subtests of test_provisioning.py."""

from __future__ import annotations

import os
import queue
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from tests.deploy.stage import SITE, Staged
from tests.peers.mosquitto import find_binary, free_port

PREFIX = f"smartlib/v1/{SITE}"


@contextmanager
def running_broker(staged: Staged) -> Iterator[int]:
    """mosquitto with the staged broker files; yields its port."""
    stage = staged.stage
    conf_d = stage.path("relay-01", "/etc/mosquitto/conf.d")
    shipped = (conf_d / "smartlib.conf").read_text()
    assert "\nlistener 8883\n" in shipped
    port = free_port()
    run_dir = stage.root / "mosquitto"
    (run_dir / "conf.d").mkdir(parents=True)
    (run_dir / "conf.d" / "smartlib.conf").write_text(
        shipped.replace("\nlistener 8883\n", f"\nlistener {port} 127.0.0.1\n"))
    # The main file as the broker role writes it, logging to stderr; as root,
    # mosquitto would switch to its own user, which does not own the staging root.
    main = run_dir / "mosquitto.conf"
    main.write_text(f"log_dest stderr\ninclude_dir {run_dir / 'conf.d'}\n"
                    + ("user root\n" if os.geteuid() == 0 else ""))
    binary = find_binary("mosquitto")
    assert binary, "mosquitto not found (apt install mosquitto)"
    log = (run_dir / "log").open("wb")
    process = subprocess.Popen([binary, "-c", str(main)], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process, run_dir / "log")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mosquitto exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("mosquitto did not listen")


class Client:
    """A paho client with a host's staged certificate, key and credentials."""

    def __init__(self, staged: Staged, host: str, port: int, password: str | None = None,
                 name: str = ""):
        stage = staged.stage
        etc = stage.path(host, "/etc/smartlib")
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connected: queue.Queue[int] = queue.Queue()
        self.subscribed: queue.Queue[list[int]] = queue.Queue()
        self.acked: queue.Queue[int] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{host}{name}",
                                  protocol=mqtt.MQTTv5)
        context = ssl.create_default_context(cafile=str(etc / "mqtt-ca.crt"))
        context.load_cert_chain(str(etc / "mqtt-client.crt"), str(etc / "mqtt-client.key"))
        self.client.tls_set_context(context)
        vaulted = stage.secrets[host]["smartlib_mqtt_password"]
        self.client.username_pw_set(f"{SITE}.{host}", vaulted if password is None else password)
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.put(rc.value)
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client.on_publish = lambda c, u, mid, rc, p: self.acked.put(rc.value)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subscribed.put(
            [code.value for code in codes])
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def reason(self) -> int:
        return self.connected.get(timeout=10)

    def subscribe(self, topic: str) -> None:
        info = self.client.subscribe(topic, qos=1)
        assert info[0] == mqtt.MQTT_ERR_SUCCESS
        self.subscribed.get(timeout=10)  # SUBACK before anything is published

    def publish(self, topic: str, payload: bytes) -> int:
        """Publish at QoS 1; the PUBACK's reason code (0x87: not authorised)."""
        self.client.publish(topic, payload, qos=1)
        return self.acked.get(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


NOT_AUTHORIZED = 0x87


def check_devices_reach_the_relay_only_under_their_own_prefix(staged: Staged,
                                                              broker: int) -> None:
    relay = Client(staged, "relay-01", broker)
    kiosk = Client(staged, "kiosk-01", broker)
    forger = Client(staged, "kiosk-01", broker, name="-forger")
    try:
        assert (relay.reason(), kiosk.reason(), forger.reason()) == (0, 0, 0)
        relay.subscribe(f"{PREFIX}/#")
        kiosk.subscribe(f"{PREFIX}/+/cmd/#")
        # Commands reach only the device they are for.
        assert relay.publish(f"{PREFIX}/gate-01/cmd/ping", b"for the gate") == 0
        assert relay.publish(f"{PREFIX}/kiosk-01/cmd/ping", b"for the kiosk") == 0
        assert kiosk.messages.get(timeout=10) == (f"{PREFIX}/kiosk-01/cmd/ping",
                                                  b"for the kiosk")
        # A device may not pose as another one.
        assert forger.publish(f"{PREFIX}/gate-01/evt/alarm", b"forged") == NOT_AUTHORIZED
        assert kiosk.publish(f"{PREFIX}/kiosk-01/evt/checkout", b"mine") == 0
        seen = [relay.messages.get(timeout=10) for _ in range(3)]
        assert seen == [(f"{PREFIX}/gate-01/cmd/ping", b"for the gate"),
                        (f"{PREFIX}/kiosk-01/cmd/ping", b"for the kiosk"),
                        (f"{PREFIX}/kiosk-01/evt/checkout", b"mine")]
        assert kiosk.messages.empty()
    finally:
        for client in (relay, kiosk, forger):
            client.close()


def check_a_wrong_password_is_refused(staged: Staged, broker: int) -> None:
    gate = Client(staged, "gate-01", broker, password="not-the-vaulted-one")
    try:
        assert gate.reason() in (0x86, NOT_AUTHORIZED)  # bad user name or password
    finally:
        gate.close()
