"""The systemd units shipped for the agent and the relay: systemd itself
finds nothing wrong with them (``systemd-analyze verify``, warnings
included), and their command lines are ones ``smartlib`` accepts."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edge.cli import build_parser
from tests.conftest import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_there_are_units_for_agent_and_relay() -> None:
    assert {u.name for u in UNITS} >= {"smartlib-agent.service", "smartlib-relay.service"}


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_finds_nothing(unit: Path, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze not found (apt install systemd)")
    script = Path(sys.executable).with_name("smartlib")
    # The unit names /opt/smartlib; verify checks the program exists, so point
    # it at this checkout's script (nothing else changes).
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/smartlib/bin/smartlib", str(script)))
    done = subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # unknown keys are only warnings


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_exec_start_is_a_valid_smartlib_command(unit: Path) -> None:
    line = next(line for line in unit.read_text().splitlines()
                if line.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0] == "/opt/smartlib/bin/smartlib"
    args = build_parser().parse_args(argv[1:])
    assert args.config.startswith("/etc/smartlib/")
