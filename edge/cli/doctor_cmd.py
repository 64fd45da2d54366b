"""``smartlib doctor``: what this machine has and lacks for a role."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from edge.cli.common import add_json, fail, print_json
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers

ROLES = ("kiosk", "gate", "bookdrop", "central")


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "doctor", help=_("say what this machine has and lacks for a role"),
        description=_("Check this machine for a role: Python, installed extras, serial ports, "
                      "pcscd, GPIO, camera, disk, and whether the broker and the ILS answer. "
                      "One verdict per line (ok, warn, fail, skip). Exit code 1 if any check "
                      "fails."))
    parser.add_argument("--config", metavar=_("FILE"),
                        help=_("the device's configuration (gives the role, ports and peers)"))
    parser.add_argument("--role", choices=ROLES, help=_("role to check for (default: the "
                                                        "configuration's, else kiosk)"))
    parser.add_argument("--timeout", type=float, default=3.0, metavar=_("SECONDS"),
                        help=_("how long to wait for the broker and the ILS"))
    add_json(parser)
    parser.set_defaults(handler=_doctor)


async def _doctor(args: argparse.Namespace) -> int:
    from edge.config import load
    from edge.doctor import Status, diagnose, worst

    device = None
    if args.config:
        device = load(args.config).device
    role = args.role or (device.role if device else "kiosk")
    if device is not None and args.role and args.role != device.role:
        return fail(_("--role {role} contradicts the configuration's role {config}").format(
            role=args.role, config=device.role))
    verdicts = await diagnose(role, device, args.timeout)
    overall = worst(verdicts)
    if args.json:
        print_json({"role": role, "verdict": overall.value,
                    "checks": [{"check": v.check, "status": v.status.value, "detail": v.detail}
                               for v in verdicts]})
    else:
        width = max(len(v.check) for v in verdicts)
        for v in verdicts:
            print(f"{v.status.value:<5} {v.check:<{width}}  {v.detail}")
    return int(ExitCode.FAILED if overall is Status.FAIL else ExitCode.OK)
