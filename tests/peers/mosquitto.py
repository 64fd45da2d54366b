"""A real mosquitto on 127.0.0.1, started with the shipped configuration
(deploy/mosquitto/smartlib.conf: TLS with client certificates, passwords,
the per-device ACL from :func:`edge.relay.acl.render_acl`), its paths and
port rewritten for a temporary directory.

Fixtures: ``mqtt_pki`` (a test CA; issues server and client certificates
with openssl), ``mosquitto`` (a factory: ``mosquitto(devices=[("s", "d")])``
returns a running :class:`Broker`, stopped at teardown).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edge.relay.acl import device_username, render_acl
from tests.conftest import ROOT

SHIPPED_CONFIG = ROOT / "deploy" / "mosquitto" / "smartlib.conf"
PASSWORD = "test-password-1"


def find_binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


class Pki:
    """A throw-away CA issuing EC P-256 certificates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.ca_cert = root / "ca.crt"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
                 "-subj", "/CN=smartlib test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=root)
        self.server_cert, self.server_key = self.issue(
            "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\n")
        self._clients: dict[str, tuple[Path, Path]] = {}

    def issue(self, name: str, cn: str, extensions: str) -> tuple[Path, Path]:
        (self.root / f"{name}.ext").write_text(extensions)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}",
                 cwd=self.root)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "30",
                 "-extfile", f"{name}.ext", cwd=self.root)
        return self.root / f"{name}.crt", self.root / f"{name}.key"

    def client(self, username: str) -> tuple[Path, Path]:
        """A client certificate and key for ``username`` (made once)."""
        if username not in self._clients:
            safe = username.replace("/", "_")
            self._clients[username] = self.issue(
                f"client-{safe}", username, "extendedKeyUsage=clientAuth\n")
        return self._clients[username]


@dataclass
class Broker:
    """A mosquitto process with the shipped configuration."""

    workdir: Path
    pki: Pki
    devices: list[tuple[str, str]]
    central_users: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    password: str = PASSWORD

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def users(self) -> list[str]:
        return [*self.central_users, *(device_username(s, d) for s, d in self.devices)]

    def write_files(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        passwd = self.workdir / "passwd"
        passwd.unlink(missing_ok=True)
        tool = find_binary("mosquitto_passwd")
        assert tool, "mosquitto_passwd not found (apt install mosquitto)"
        for i, user in enumerate(self.users()):
            flags = ["-c"] if i == 0 else []
            subprocess.run([tool, *flags, "-b", str(passwd), user, self.password], check=True,
                           capture_output=True, timeout=30)
        passwd.chmod(0o600)
        (self.workdir / "acl").write_text(render_acl(self.devices, self.central_users))
        text = SHIPPED_CONFIG.read_text()
        replacements = {
            "/etc/mosquitto/smartlib/passwd": str(passwd),
            "/etc/mosquitto/smartlib/acl": str(self.workdir / "acl"),
            "/etc/mosquitto/smartlib/ca.crt": str(self.pki.ca_cert),
            "/etc/mosquitto/smartlib/server.crt": str(self.pki.server_cert),
            "/etc/mosquitto/smartlib/server.key": str(self.pki.server_key),
            "/var/lib/mosquitto/": str(self.workdir / "data") + "/",
            "listener 8883": f"listener {self.port} 127.0.0.1",
        }
        for old, new in replacements.items():
            assert old in text, f"{old} not in {SHIPPED_CONFIG}"
            text = text.replace(old, new)
        if os.geteuid() == 0:  # mosquitto would switch to its own user and lose our files
            text += "\nuser root\n"
        config = self.workdir / "mosquitto.conf"
        config.write_text(text)
        return config

    def start(self, timeout_s: float = 10.0) -> None:
        binary = find_binary("mosquitto")
        assert binary, "mosquitto not found (apt install mosquitto)"
        config = self.write_files()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([binary, "-c", str(config)], stdout=log,
                                        stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        """Graceful stop (SIGTERM): mosquitto saves its persistence file."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no chance to save what it holds."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client_files(self, username: str) -> tuple[Path, Path]:
        return self.pki.client(username)


@pytest.fixture(scope="session")
def mqtt_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    if shutil.which("openssl") is None:
        pytest.fail("openssl not found (apt install openssl)")
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def mosquitto(tmp_path: Path, mqtt_pki: Pki) -> Iterator[Callable[..., Broker]]:
    """``mosquitto(devices=[(site, device)], central_users=["relay"])``: a
    running broker; every broker started is stopped at teardown."""
    started: list[Broker] = []

    def start(devices: list[tuple[str, str]] | None = None,
              central_users: list[str] | None = None) -> Broker:
        broker = Broker(tmp_path / f"broker{len(started)}", mqtt_pki,
                        list(devices or []), list(central_users or ["relay"]))
        started.append(broker)
        broker.start()
        return broker

    yield start
    for broker in started:
        broker.stop()
