"""``smartlib kiosk``: help, and the errors an operator can act on (no
configuration, a configuration of another role, no display)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edge.config.examples import render
from tests.conftest import CliResult


def test_help_names_the_configuration(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "kiosk", "--help")
    assert result.code == 0
    assert "--config" in result.stdout and "staff mode" in result.stdout


def test_a_configuration_is_required(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "kiosk")
    assert result.code == 2
    assert "--config" in result.stderr


def test_a_gate_configuration_is_refused(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = tmp_path / "gate.toml"
    path.write_text(render("gate"), encoding="utf-8")
    result = cli("--lang", "en", "kiosk", "--config", str(path))
    assert result.code == 2
    assert "not a kiosk" in result.stderr


def test_without_a_display_it_says_so(cli_process: Callable[..., CliResult],
                                      tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(render("kiosk").replace("/var/lib/smartlib/", f"{tmp_path}/"),
                    encoding="utf-8")
    result = cli_process("--lang", "en", "kiosk", "--config", str(path),
                         env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.code == 3, result.stderr
    assert "no display" in result.stderr and "Traceback" not in result.stderr
