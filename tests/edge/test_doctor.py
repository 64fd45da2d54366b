"""``smartlib doctor`` against real sockets on 127.0.0.1 and real files."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.config.examples import render
from edge.i18n import activate
from tests.conftest import CliResult


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kiosk_config(tmp_path: Path, ils_port: int, mqtt_port: int, reader: str) -> Path:
    local = 'host = "127.0.0.1"\nport = {}'
    text = (render("kiosk")
            .replace('host = "ils.example.vn"\nport = 6001', local.format(ils_port))
            .replace('host = "mqtt.example.vn"\nport = 8883', local.format(mqtt_port))
            .replace('url = "feig:///dev/ttyUSB0?baud=38400"', f'url = "{reader}"')
            .replace("/var/lib/smartlib/", f"{tmp_path}/"))
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def verdicts(result: CliResult) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in json.loads(result.stdout)["checks"]}


def test_reachable_peers_and_present_port(
        tmp_path: Path, listener: int, cli: Callable[..., CliResult]) -> None:
    port_file = tmp_path / "ttyFAKE"
    port_file.touch()
    config = kiosk_config(tmp_path, listener, listener, f"feig://{port_file}?baud=38400")
    result = cli("--lang", "en", "doctor", "--config", str(config), "--json", "--timeout", "2")
    checks = verdicts(result)
    assert checks["ils"]["status"] == "ok" and f"127.0.0.1:{listener}" in checks["ils"]["detail"]
    assert checks["broker"]["status"] == "ok"
    assert checks["serial"]["status"] == "ok" and str(port_file) in checks["serial"]["detail"]
    assert checks["python"]["status"] == "ok"
    assert json.loads(result.stdout)["role"] == "kiosk"


def test_unreachable_ils_and_missing_port_fail(
        tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    dead = free_port()
    config = kiosk_config(tmp_path, dead, dead, "feig:///dev/ttyDOESNOTEXIST")
    result = cli("--lang", "en", "doctor", "--config", str(config), "--timeout", "1")
    assert result.code == 1
    lines = {line.split()[1]: line for line in result.stdout.splitlines()}
    assert lines["ils"].startswith("fail") and f"127.0.0.1:{dead}" in lines["ils"]
    assert lines["broker"].startswith("fail")
    assert lines["serial"].startswith("fail") and "/dev/ttyDOESNOTEXIST" in lines["serial"]


def test_role_without_config_skips_peers(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "doctor", "--role", "central", "--json")
    checks = verdicts(result)
    assert checks["ils"]["status"] == "skip" and checks["broker"]["status"] == "skip"
    assert all(k.startswith("extra:") or k in {"python", "serial", "pcscd", "gpio", "camera",
                                                 "disk", "broker", "ils"} for k in checks)


def test_role_must_match_config(tmp_path: Path, listener: int,
                                cli: Callable[..., CliResult]) -> None:
    config = kiosk_config(tmp_path, listener, listener, "sim://demo")
    result = cli("--lang", "en", "doctor", "--config", str(config), "--role", "gate")
    assert result.code == 2 and "contradicts" in result.stderr


def test_bad_config_is_exit_2(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('role = "gate"\n')
    result = cli("--lang", "en", "doctor", "--config", str(bad))
    assert result.code == 2 and f"{bad}" in result.stderr


def test_missing_required_extra_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from edge import doctor

    activate("en")
    monkeypatch.setitem(doctor.EXTRAS, "gpio", ("smartlib_no_such_module",))
    gpio = {v.check: v for v in doctor.check_extras("gate")}["extra:gpio"]
    assert gpio.status is doctor.Status.FAIL and "smartlib-edge[gpio]" in gpio.detail
    kiosk = {v.check: v for v in doctor.check_extras("kiosk")}["extra:gpio"]
    assert kiosk.status is doctor.Status.SKIP
