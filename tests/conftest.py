"""Fixtures and guards shared by the whole suite.

Guards (see pyproject.toml): every test has a timeout; an unawaited coroutine
(RuntimeWarning) or an exception nobody saw (unraisable, thread) fails it.
Tests use 127.0.0.1 only and temporary directories, so they run in any order
and in parallel (pytest -n).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``smartlib ARGS`` in this process; return exit code and output."""
    from edge.cli import main

    def run(*args: str) -> CliResult:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture
def cli_process(tmp_path: Path) -> Callable[..., CliResult]:
    """Run the installed ``smartlib`` console script in a child process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> CliResult:
        full_env = {**os.environ, "HOME": str(tmp_path), **(env or {})}
        script = Path(sys.executable).with_name("smartlib")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "edge.cli"]
        proc = subprocess.run(
            [*command, *args], capture_output=True, text=True,
            env=full_env, timeout=timeout, cwd=tmp_path)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run
