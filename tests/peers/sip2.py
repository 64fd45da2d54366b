"""Real SIP2 peers for tests: our demo ILS, the pysip2 server framework
(PyPI, written by others) and TLS certificates made with openssl.

Pull these fixtures into an area's conftest.py with
``from tests.peers.sip2 import *``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drivers.sim.ils import DemoIls
from drivers.sip2 import Sip2Settings

#: The SIP2 account of the demo ILS in tests.
SIP_USER, SIP_PASSWORD = "kiosk01", "mật-khẩu"

__all__ = ["SIP_PASSWORD", "SIP_USER", "Certificates", "demo_ils", "settings_for",
           "tls_certificates"]


@pytest.fixture
async def demo_ils(tmp_path: Path) -> AsyncIterator[DemoIls]:
    """The demo ILS on 127.0.0.1 (random port), requiring login as SIP_USER."""
    ils = DemoIls(db_path=tmp_path / "ils.db", accounts={SIP_USER: SIP_PASSWORD})
    await ils.start("127.0.0.1", 0)
    try:
        yield ils
    finally:
        await ils.stop()


@pytest.fixture
def settings_for() -> Callable[..., Sip2Settings]:
    """``settings_for(ils, **overrides)``: client settings for a demo ILS."""

    def make(ils: DemoIls, **overrides: Any) -> Sip2Settings:
        values: dict[str, Any] = {
            "host": "127.0.0.1", "port": ils.port, "login_user": SIP_USER,
            "login_password": SIP_PASSWORD, "institution": "TVTPHN", "location": "TANG1",
            "timeout_s": 5.0, "keepalive_s": None,
        }
        values.update(overrides)
        return Sip2Settings(**values)

    return make


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def tls_certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A private CA, a server certificate for ``ils.test`` and 127.0.0.1, and
    a client certificate, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed for the TLS tests (deploy/bootstrap.sh installs it)")
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=smartlib test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, san in (("server", "DNS:ils.test,IP:127.0.0.1"), ("client", "DNS:kiosk.test")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                 "-out", f"{name}.pem", cwd=d)
    return Certificates(d / "ca.pem", d / "server.pem", d / "server.key", d / "client.pem",
                        d / "client.key")
