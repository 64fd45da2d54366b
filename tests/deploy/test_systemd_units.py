"""The systemd units shipped in deploy/systemd: systemd itself finds nothing
wrong with them (``systemd-analyze verify``, warnings included), and the
services run command lines that exist."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from edge.cli import build_parser
from tests.conftest import ROOT
from tests.deploy.units import assert_unit_verifies

UNITS = sorted([*(ROOT / "deploy" / "systemd").glob("*.service"),
                *(ROOT / "deploy" / "systemd").glob("*.timer")])
SERVICES = [u for u in UNITS if u.suffix == ".service"]
#: The long-running services: `smartlib ROLE --config /etc/smartlib/FILE`.
RUNTIME = {"agent": "device.toml", "relay": "central.toml", "kiosk": "device.toml",
           "gate": "device.toml", "bookdrop": "device.toml"}


def _exec_start(unit: Path) -> list[str]:
    line = next(line for line in unit.read_text().splitlines()
                if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_there_is_a_unit_for_every_process_and_the_backup() -> None:
    assert {u.name for u in UNITS} == {f"smartlib-{name}.service" for name in RUNTIME} | {
        "smartlib-backup.service", "smartlib-backup.timer"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_finds_nothing(unit: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("smartlib")
    # The units name /opt/smartlib and /usr/local/sbin; verify checks that the
    # programs exist, so point them at this checkout's (nothing else changes).
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text()
                    .replace("/opt/smartlib/bin/smartlib", str(script))
                    .replace("/usr/local/sbin/smartlib-backup",
                             str(ROOT / "deploy" / "backup" / "smartlib-backup")))
    if unit.suffix == ".timer":  # verify looks for the service a timer starts
        service = unit.with_suffix(".service")
        (tmp_path / service.name).write_text(service.read_text().replace(
            "/usr/local/sbin/smartlib-backup", str(ROOT / "deploy" / "backup" /
                                                   "smartlib-backup")))
    assert_unit_verifies(copy)


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_service_runs_the_documented_command_line(name: str) -> None:
    argv = _exec_start(ROOT / "deploy" / "systemd" / f"smartlib-{name}.service")
    assert argv == ["/opt/smartlib/bin/smartlib", name, "--config",
                    f"/etc/smartlib/{RUNTIME[name]}"]


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_service_command_is_one_smartlib_accepts(name: str) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    if name not in commands:
        pytest.skip(f"`smartlib {name}` is not built on this branch yet")
    argv = _exec_start(ROOT / "deploy" / "systemd" / f"smartlib-{name}.service")
    args = parser.parse_args(argv[1:])
    assert args.config == f"/etc/smartlib/{RUNTIME[name]}"


def test_backup_service_runs_the_shipped_script_with_its_settings() -> None:
    argv = _exec_start(ROOT / "deploy" / "systemd" / "smartlib-backup.service")
    assert argv == ["/usr/local/sbin/smartlib-backup", "--env", "/etc/smartlib/backup.env"]
    assert (ROOT / "deploy" / "backup" / "smartlib-backup").stat().st_mode & 0o111
