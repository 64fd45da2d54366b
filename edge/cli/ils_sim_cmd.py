"""``smartlib ils-sim``: run the demo ILS (a SIP2 server over the demo
library's catalogue) for the demo, for staff rehearsals and for tests."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import TYPE_CHECKING

from edge.cli.common import fail
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "ils-sim", help=_("run the demo ILS, a SIP2 server with the demo library"),
        description=_("Run the demo library system: a SIP2 server over a small SQLite "
                      "catalogue seeded with the demo library (patrons, Vietnamese titles, "
                      "loans, holds). Faults can be injected to rehearse what real servers "
                      "do. Stops on Ctrl-C."))
    parser.add_argument("--host", default="127.0.0.1",
                        help=_("address to listen on (default 127.0.0.1)"))
    parser.add_argument("--port", type=int, default=6001,
                        help=_("port to listen on (default 6001; 0 picks a free one)"))
    parser.add_argument("--db", metavar=_("FILE"),
                        help=_("keep the catalogue in FILE (default: in memory)"))
    parser.add_argument("--data", metavar=_("FILE"),
                        help=_("seed an empty catalogue from FILE instead of the demo library"))
    parser.add_argument("--user", help=_("require this SIP2 login user"))
    parser.add_argument("--password-env", metavar=_("VAR"),
                        help=_("environment variable holding that user's password (default: "
                               "SMARTLIB_SIP2_PASSWORD)"))
    parser.add_argument("--encoding", choices=("utf-8", "cp850", "latin-1", "ascii"),
                        default="utf-8", help=_("character set of the messages"))
    parser.add_argument(
        "--fault", action="append", default=[], metavar=_("FAULT"),
        help=_("inject a fault, repeatable: delay=SECONDS, drop-idle=SECONDS, drop-next=N, "
               "silent-next=N, resend-next=N, corrupt-next=N, garbage-next=N, stale-next=N, "
               "oversize-next=N, split, crlf, wrong-sequence, vendor-field=ID:VALUE"))
    parser.set_defaults(handler=_run)


async def _run(args: argparse.Namespace) -> int:
    from drivers.sim.ils import DemoIls, Faults, parse_fault

    faults = Faults()
    try:
        for text in args.fault:
            parse_fault(text, faults)
    except ValueError as exc:
        return fail(str(exc), ExitCode.USAGE)
    accounts = None
    if args.user:
        password = os.environ.get(args.password_env or "SMARTLIB_SIP2_PASSWORD")
        if password is None:
            return fail(_("--user needs a password: set {var}").format(
                var=args.password_env or "SMARTLIB_SIP2_PASSWORD"), ExitCode.USAGE)
        accounts = {args.user: password}
    ils = DemoIls(db_path=args.db, data=args.data, accounts=accounts, encoding=args.encoding,
                  faults=faults)
    try:
        port = await ils.start(args.host, args.port)
    except OSError as exc:
        return fail(_("cannot listen on {host}:{port}: {reason}").format(
            host=args.host, port=args.port, reason=exc.strerror or exc), ExitCode.UNAVAILABLE)
    print(_("demo ILS listening on {host}:{port}").format(host=args.host, port=port),
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await ils.stop()
    return int(ExitCode.OK)
