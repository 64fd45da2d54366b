"""Helpers shared by the CLI's area modules."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from edge.errors import ExitCode
from edge.i18n import _

Handler = Callable[[argparse.Namespace], int | Awaitable[int]]
if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help=_("print the result as JSON on stdout"))


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = ExitCode.USAGE) -> int:
    """Write ``smartlib: error: message`` to stderr and return ``code``."""
    sys.stderr.write(_("smartlib: error: {message}").format(message=message) + "\n")
    return int(code)
