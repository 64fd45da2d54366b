"""The command line as IT staff meet it: help everywhere, in both languages,
documented exit codes, and never a traceback on screen."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

import pytest

from edge.cli import build_parser, main
from edge.i18n import activate
from tests.conftest import CliResult


def all_command_paths() -> list[tuple[str, ...]]:
    """Every (sub)command path the parser knows, e.g. ("config", "check")."""
    activate("en")

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, (*path, name))

    return list(walk(build_parser(), ()))


PATHS = all_command_paths()


def test_every_area_of_the_design_is_registered_or_pending() -> None:
    top = {p[0] for p in PATHS if p}
    assert {"config", "doctor", "demo"} <= top


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "smartlib")
@pytest.mark.parametrize("language", ["en", "vi"])
def test_help_everywhere(path: tuple[str, ...], language: str,
                         cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", language, *path, "--help")
    assert result.code == 0
    usage = "usage: " if language == "en" else "cách dùng: "
    assert result.stdout.startswith(usage + "smartlib")
    if language == "vi":
        assert "hiện trợ giúp này rồi thoát" in result.stdout
        assert "show this help" not in result.stdout


def test_version(cli: Callable[..., CliResult]) -> None:
    from edge import __version__

    result = cli("--version")
    assert result.code == 0 and result.stdout.strip() == f"smartlib-edge {__version__}"


@pytest.mark.parametrize("args", [
    (),                       # no command
    ("frobnicate",),          # unknown command
    ("config", "check"),      # missing FILE
    ("doctor", "--role", "toaster"),
])
def test_usage_errors_exit_2_in_the_chosen_language(
        args: tuple[str, ...], cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "vi", *args)
    assert result.code == 2
    assert "lỗi:" in result.stderr
    assert "Traceback" not in result.stderr


def test_language_from_environment(monkeypatch: pytest.MonkeyPatch,
                                   cli: Callable[..., CliResult]) -> None:
    monkeypatch.setenv("SMARTLIB_LANG", "en")
    assert cli("config", "--help").stdout.startswith("usage:")
    monkeypatch.delenv("SMARTLIB_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert cli("config", "--help").stdout.startswith("cách dùng:")  # Vietnamese first


def test_unexpected_error_is_a_message_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import edge.cli.config_cmd as config_cmd

    def explode(_args: argparse.Namespace) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(config_cmd, "_example", explode)
    code = main(["--lang", "en", "config", "example", "kiosk"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "internal error; run again with --log-level DEBUG" in err
    assert "Traceback" not in err and "boom" not in err
    code = main(["--lang", "en", "--log-level", "DEBUG", "config", "example", "kiosk"])
    out, err = capsys.readouterr()
    assert "ZeroDivisionError: boom" in err  # the details are in the log when asked for


def test_console_script_runs(cli_process: Callable[..., CliResult]) -> None:
    result = cli_process("--lang", "en", "--help")
    assert result.code == 0 and "exit codes: 0 success" in result.stdout
