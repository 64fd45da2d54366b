"""Root of the errors :mod:`edge` raises, and the CLI's exit codes."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes of every ``smartlib`` command (documented in docs/cli.md)."""

    OK = 0
    #: The command ran but the answer is "no": a check failed, the ILS refused.
    FAILED = 1
    #: Bad input: usage, configuration file, or data given on the command line.
    USAGE = 2
    #: A peer or device could not be reached (ILS, broker, reader).
    UNAVAILABLE = 3
    #: Interrupted by the user (Ctrl-C) or by SIGTERM.
    INTERRUPTED = 130


class EdgeError(Exception):
    """Root of every error raised by :mod:`edge`."""

    exit_code: ExitCode = ExitCode.FAILED


class ConfigError(EdgeError, ValueError):
    """A configuration or secrets file is missing, malformed or invalid.

    ``problems`` lists each one as ``(location, message)`` where location is
    ``file:line: key`` so an operator can go straight to it.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{where}: {what}" for where, what in problems]
        super().__init__("\n".join(lines))
