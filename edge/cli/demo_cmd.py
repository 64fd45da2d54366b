"""``smartlib demo``: the product on this machine with simulators: the demo
ILS, the simulated RFID pad and card reader, the circulation service and
the kiosk window with a demo control panel; without a display (or with
``--headless``) a scripted session walked through the real window on a
private X server, with a screenshot of every screen and a transcript."""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from edge.cli.common import fail, print_json
from edge.errors import ExitCode
from edge.i18n import _, current_language

if TYPE_CHECKING:
    from edge.cli.common import SubParsers

#: Where the headless demo writes when --out is not given.
DEFAULT_OUT = "demo-out"


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "demo", help=_("run the product on this machine with simulators"),
        description=_("Run the kiosk with the demo library system, a simulated RFID pad and "
                      "card reader, and a control panel to put books on the pad and tap "
                      "library cards. Without a display, or with --headless, walk a scripted "
                      "session through the real screen instead (identify, borrow three books "
                      "including a two-part set, return one, renew one, receipt) and write a "
                      "screenshot of every screen and a transcript."))
    parser.add_argument("--out", metavar=_("DIR"),
                        help=_("write the demo's files here (headless default: {dir})").format(
                            dir=DEFAULT_OUT))
    parser.add_argument("--headless", action="store_true",
                        help=_("no window on this display: the scripted session on a private "
                               "X server (the default without a display)"))
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    parser.set_defaults(handler=_demo)


async def _demo(args: argparse.Namespace) -> int:
    display = importlib.import_module("kiosk.display")
    headless = bool(args.headless or not display.have_display())
    demo = importlib.import_module("kiosk.demo.main")
    try:
        if args.out or headless:
            directory = Path(args.out or DEFAULT_OUT)
            outcome = await demo.run_demo(directory, headless=headless,
                                          language=current_language())
        else:
            with tempfile.TemporaryDirectory(prefix="smartlib-demo-") as tmp:
                outcome = await demo.run_demo(Path(tmp), headless=False,
                                              language=current_language())
    except TimeoutError as exc:
        return fail(_("the scripted session stopped: {error}").format(error=exc),
                    ExitCode.FAILED)
    if not headless:
        return int(ExitCode.OK)
    if outcome.transcript is None:
        return fail(_("the scripted session did not finish"), ExitCode.FAILED)
    if args.json:
        print_json({"directory": str(outcome.directory), "transcript": str(outcome.transcript),
                    "screenshots": [str(path) for path in outcome.screenshots]})
    else:
        print(_("The scripted demo session ran through the kiosk screen: {n} screenshots "
                "in {dir}").format(n=len(outcome.screenshots), dir=outcome.directory))
        print(_("Read the session: {path}").format(path=outcome.transcript))
    return int(ExitCode.OK)
