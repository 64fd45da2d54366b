"""``smartlib sip2`` and ``smartlib ils-sim`` as IT staff use them: the demo
ILS runs as its own process (started with the CLI), the diagnostic commands
talk to it, exit codes say accepted / refused / unreachable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult

PASSWORD = "mật khẩu"


@pytest.fixture(scope="module")
def ils_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``smartlib ils-sim --port 0`` in a child process; its port."""
    tmp_path = tmp_path_factory.mktemp("ils-sim")
    env = {**os.environ, "SIP_PW": PASSWORD, "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "--lang", "en", "ils-sim", "--port", "0",
         "--db", str(tmp_path / "ils.db"), "--user", "kiosk01", "--password-env", "SIP_PW",
         "--fault", "vendor-field=ZZ:vendor"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("demo ILS listening on 127.0.0.1:"), line + proc.stderr.read()
    try:
        yield int(line.rsplit(":", 1)[1])
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0  # a clean stop on SIGTERM


@pytest.fixture
def sip2(cli: Callable[..., CliResult], ils_port: int,
         monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    monkeypatch.setenv("SMARTLIB_SIP2_PASSWORD", PASSWORD)

    def run(*args: str) -> CliResult:
        return cli("--lang", "en", "sip2", "--host", "127.0.0.1", "--port", str(ils_port),
                   "--user", "kiosk01", "--institution", "TVTPHN", "--location", "TANG1",
                   *args)
    return run


def test_status(sip2: Callable[..., CliResult]) -> None:
    result = sip2("--json", "status")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["online"] is True and data["library_name"] == "Thư viện Thành phố Hà Nội"
    assert "11" in data["supported_messages"]
    text = sip2("status")
    assert text.code == 0 and "ILS answer: accepted" in text.stdout


def test_login(sip2: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    assert sip2("login").code == 0
    monkeypatch.setenv("SMARTLIB_SIP2_PASSWORD", "wrong")
    refused = sip2("login")
    assert refused.code == 1 and "refused the login" in refused.stderr


def test_patron_item_checkout_checkin_renew(sip2: Callable[..., CliResult]) -> None:
    patron = sip2("patron", "P0001", "--pin", "1234", "--json")
    assert patron.code == 0
    data = json.loads(patron.stdout)
    assert data["personal_name"] == "Nguyễn Thị Minh Anh" and data["valid_patron_password"]
    assert data["extra"] == [["ZZ", "vendor"]]

    out = sip2("checkout", "P0001", "30000001", "--json")
    assert out.code == 0 and json.loads(out.stdout)["ok"] is True
    blocked = sip2("checkout", "P0003", "30000002")
    assert blocked.code == 1 and "ILS answer: refused" in blocked.stdout
    assert "Card expired" in blocked.stdout

    item = json.loads(sip2("item", "30000001", "--json").stdout)
    assert item["circulation_status_name"] == "charged"
    assert item["title_identifier"] == "Truyện Kiều"

    renewed = sip2("renew", "P0001", "30000011")
    assert renewed.code == 1 and "No renewals left" in renewed.stdout

    transit = json.loads(sip2("checkin", "30000008", "--json").stdout)
    assert transit["route"] == "transit" and transit["destination_location"] == "VN-TVQG"


def test_raw_and_trace(sip2: Callable[..., CliResult]) -> None:
    result = sip2("--trace", "--json", "raw", "9900302.00")
    assert result.code == 0
    assert json.loads(result.stdout)["code"] == "98"
    sent = [line for line in result.stderr.splitlines() if line.startswith("-> 93")]
    assert sent and "|CO***|" in sent[0] and PASSWORD not in result.stderr
    assert any(line.startswith("<- 98") for line in result.stderr.splitlines())


def test_unreachable_is_exit_3(cli: Callable[..., CliResult], unused_tcp_port: int) -> None:
    result = cli("--lang", "en", "sip2", "--host", "127.0.0.1", "--port",
                 str(unused_tcp_port), "--timeout", "2", "status")
    assert result.code == 3 and "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("message", "code", "checksum_ok"), [
    ("9300CNuser_id|COpassw0rd|AY1AZF594", 0, True),
    ("9300CNuser_id|COpassw0rd|AY1AZF595", 1, False),
    ("941", 0, None),
])
def test_decode_offline(cli: Callable[..., CliResult], message: str, code: int,
                        checksum_ok: bool | None) -> None:
    result = cli("--lang", "en", "sip2", "decode", message, "--json")
    assert result.code == code
    data = json.loads(result.stdout)
    assert data["checksum_ok"] is checksum_ok
    assert data["code"] == message[:2]


def test_decode_names_what_is_wrong(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "sip2", "decode", "12XNNY20250314    092653")
    assert result.code == 2 and "byte 2, message 12, field ok" in result.stderr


def test_bad_input(cli: Callable[..., CliResult]) -> None:
    assert cli("sip2", "status").code == 2  # no host
    assert cli("--lang", "en", "ils-sim", "--fault", "nonsense").code == 2
    missing = cli("--lang", "en", "sip2", "--host", "h", "--password-env", "NO_SUCH_VAR_X",
                  "status")
    assert missing.code == 2 and "NO_SUCH_VAR_X" in missing.stderr


def test_connection_settings_from_a_device_configuration(
        cli: Callable[..., CliResult], ils_port: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from edge.config.examples import render

    text = render("kiosk").replace('host = "ils.example.vn"', 'host = "127.0.0.1"')
    text = text.replace("port = 6001", f"port = {ils_port}", 1)
    config = tmp_path / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SMARTLIB_SIP2_PASSWORD", PASSWORD)
    result = cli("--lang", "en", "sip2", "--config", str(config), "--json", "item", "30000003")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["title_identifier"] == "Dế Mèn phiêu lưu ký"
