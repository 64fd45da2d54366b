"""The ``smartlib`` command line.

Each area (tag, sip2, reader, agent, relay, kiosk, gate, bookdrop, demo,
doctor, config, ...) lives in its own module with a ``register(subparsers)``
function; :data:`AREAS` lists them in the order ``--help`` shows them. Area
modules import their heavy dependencies inside their handlers, so ``smartlib
--help`` stays fast and a gate never loads Kivy.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import sys
from collections.abc import Sequence
from typing import cast

from edge import __version__, i18n, logs
from edge.cli.common import Handler, fail
from edge.errors import EdgeError, ExitCode
from edge.i18n import _

#: Area modules, each with ``register(subparsers)``.
AREAS: tuple[str, ...] = (
    "edge.cli.config_cmd",
    "edge.cli.doctor_cmd",
    "edge.cli.demo_cmd",
    "edge.cli.tag_cmd",
    "edge.cli.reader_cmd",
    "edge.cli.sip2_cmd",
    "edge.cli.ils_sim_cmd",
    "edge.cli.agent_cmd",
    "edge.cli.relay_cmd",
    "edge.cli.report_cmd",
    "edge.cli.gate_cmd",
    "edge.cli.bookdrop_cmd",
    "edge.cli.offline_cmd",
)

log = logging.getLogger(__name__)


def _epilog() -> str:
    return _(
        "exit codes: 0 success; 1 the operation failed or a check found a problem; "
        "2 bad input (usage, configuration, data); 3 a device or peer is unreachable; "
        "130 interrupted."
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smartlib",
        description=_("Self-service library equipment: kiosks, RFID gates, book drops, "
                      "edge agent and central relay."),
        epilog=_epilog(),
    )
    parser.add_argument("--version", action="version", version=f"smartlib-edge {__version__}",
                        help=_("show the version and exit"))
    parser.add_argument(
        "--lang", choices=i18n.LANGUAGES, help=_("language of messages (default: from the "
                                                  "environment, else Vietnamese)"))
    parser.add_argument(
        "--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help=_("log level on stderr (default: the configuration's, else WARNING)"))
    parser.add_argument("--log-format", choices=("logfmt", "json"), default="logfmt",
                        help=_("log line format on stderr"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), required=True)
    for name in AREAS:
        importlib.import_module(name).register(sub)
    return parser


def _pre_language(argv: Sequence[str]) -> str:
    """The language asked for with --lang, before argparse builds its texts."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in i18n.LANGUAGES:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in i18n.LANGUAGES:
            return arg[7:]
    return i18n.language_from_environment()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    i18n.activate(_pre_language(args_list))
    parser = build_parser()
    args = parser.parse_args(args_list)
    logs.setup(args.log_level or "WARNING", args.log_format)
    handler: Handler = args.handler
    try:
        outcome = handler(args)
        code = asyncio.run(outcome) if inspect.iscoroutine(outcome) else outcome
        return int(cast(int, code))
    except EdgeError as exc:
        return fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return fail(_("interrupted"), ExitCode.INTERRUPTED)
    except Exception:  # noqa: BLE001 - last resort: log the traceback, never show it
        log.debug("unexpected error", exc_info=True)
        return fail(
            _("internal error; run again with --log-level DEBUG to see the details"),
            ExitCode.FAILED,
        )
