"""Configuration files for devices and relays talking to a test broker
(tests/peers/mosquitto.py), and helpers to run them as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.peers.mosquitto import Broker


def write_secrets(directory: Path, username: str, password: str,
                  database_password: str | None = None, sip2_password: str | None = None,
                  ) -> Path:
    path = directory / "secrets.toml"
    text = f'mqtt_username = "{username}"\nmqtt_password = "{password}"\n'
    if database_password is not None:
        text += f'database_password = "{database_password}"\n'
    if sip2_password is not None:
        text += f'sip2_password = "{sip2_password}"\n'
    path.write_text(text)
    path.chmod(0o600)
    return path


def _mqtt_section(broker: Broker, username: str, extra: str = "") -> str:
    cert, key = broker.client_files(username)
    return (f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n'
            f'ca_file = "{broker.pki.ca_cert}"\nclient_cert = "{cert}"\nclient_key = "{key}"\n'
            f"reconnect_min_s = 0.2\nreconnect_max_s = 1.0\nconnect_timeout_s = 5.0\n{extra}\n")


def device_config(directory: Path, broker: Broker, site: str, device: str, *,
                  role: str = "gate", mqtt_extra: str = "health_interval_s = 3600.0",
                  agent: str = "", password: str | None = None) -> Path:
    """A device's configuration (and 0600 secrets) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    username = f"{site}.{device}"
    write_secrets(directory, username, password or broker.password)
    role_sections = {
        "gate": '[reader]\nurl = "sim://demo"\n',
        "kiosk": '[ils]\nhost = "127.0.0.1"\n[reader]\nurl = "sim://demo"\n',
        "bookdrop": '[ils]\nhost = "127.0.0.1"\n[reader]\nurl = "sim://demo"\n',
    }[role]
    text = (f'role = "{role}"\nsite = "{site}"\ndevice = "{device}"\n'
            f'secrets_file = "secrets.toml"\n'
            f'[library]\nisil = "VN-TEST1"\nname = "Thư viện thử"\n'
            f'[store]\npath = "{directory / "device.db"}"\n'
            + _mqtt_section(broker, username, mqtt_extra)
            + "[agent]\n" + ("" if "retention_interval_s" in agent else
                              "retention_interval_s = 3600.0\n") + agent + "\n"
            + role_sections)
    path = directory / "device.toml"
    path.write_text(text)
    return path


def central_config(directory: Path, broker: Broker, name: str, database_url: str, *,
                   user: str = "relay", relay: str = "", database_password: str | None = None,
                   ils: tuple[int, str, str] | None = None) -> Path:
    """A central configuration; ``ils`` = (port, SIP2 user, password) of an ILS
    on 127.0.0.1 for naming alarmed items."""
    directory.mkdir(parents=True, exist_ok=True)
    write_secrets(directory, user, broker.password, database_password,
                  ils[2] if ils else None)
    text = (f'role = "central"\nsite = "central"\ndevice = "{name}"\n'
            f'secrets_file = "secrets.toml"\n'
            f'[library]\nisil = "VN-TEST1"\nname = "Trung tâm"\n'
            f'[store]\npath = "{directory / "central-device.db"}"\n'
            + _mqtt_section(broker, user)
            + f'[relay]\ndatabase_url = "{database_url}"\n{relay}\n'
            + (f'[ils]\nhost = "127.0.0.1"\nport = {ils[0]}\nlogin_user = "{ils[1]}"\n'
               'timeout_s = 2.0\n' if ils else ""))
    path = directory / "central.toml"
    path.write_text(text)
    return path


class Service:
    """``smartlib ARGS`` as a child process (the way systemd runs it)."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log = log
        self.env = {**os.environ, "SMARTLIB_LANG": "en", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "--log-level", "INFO", *self.args],
            stdout=out, stderr=subprocess.STDOUT, env=self.env)
        out.close()
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self, timeout_s: float = 15.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_for(condition: Callable[[], object], timeout_s: float = 30.0, what: str = "",
             interval_s: float = 0.05) -> object:
    """Poll ``condition`` until it is truthy; fail with ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)
