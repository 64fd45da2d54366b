"""``smartlib demo``: the product working on one machine with simulators."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from edge.cli.common import print_json
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "demo", help=_("run the product on this machine with simulators"),
        description=_("Run the product on this machine with simulated devices: writes an "
                      "example configuration for every role, validates each one, and checks "
                      "this machine for every role."))
    parser.add_argument("--out", metavar=_("DIR"), help=_("keep the demo's files in DIR"))
    parser.add_argument("--headless", action="store_true",
                        help=_("no window: print what happens (the default without a display)"))
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    parser.set_defaults(handler=_demo)


async def _demo(args: argparse.Namespace) -> int:
    from edge.config import load
    from edge.config.examples import render
    from edge.doctor import Status, diagnose

    with tempfile.TemporaryDirectory(prefix="smartlib-demo-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        report = []
        for role in ("kiosk", "gate", "bookdrop", "central"):
            path = out / f"{role}.toml"
            text = render(role).replace("/var/lib/smartlib/", f"{out}/var/")
            path.write_text(text, encoding="utf-8")
            device = load(path).device
            verdicts = await diagnose(role, device, timeout_s=0.5)
            fails = [v for v in verdicts if v.status is Status.FAIL]
            report.append({"role": role, "config": str(path), "valid": True,
                           "problems": [f"{v.check}: {v.detail}" for v in fails]})
            if not args.json:
                print(_("{role}: configuration {path} is valid").format(role=role, path=path))
                for v in fails:
                    print(f"  {v.status.value:<5} {v.check}: {v.detail}")
        if args.json:
            print_json({"roles": report})
    return int(ExitCode.OK)
