"""``smartlib config check FILE`` and ``smartlib config example ROLE``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from edge.cli.common import add_json, print_json
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers


def register(sub: SubParsers) -> None:
    parser = sub.add_parser("config", help=_("check a configuration file, or print an example"),
                            description=_("Check a device's configuration, or print a commented "
                                          "example for a role."))
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    check = actions.add_parser("check", help=_("validate a configuration file and its secrets"),
                               description=_("Validate FILE and its secrets. Exit code 0 if "
                                             "valid, 2 with every problem listed if not."))
    check.add_argument("file", metavar=_("FILE"))
    add_json(check)
    check.set_defaults(handler=_check)

    from edge.config.examples import EXAMPLES

    example = actions.add_parser("example", help=_("print a commented example configuration"),
                                 description=_("Print a commented example configuration for "
                                               "ROLE, or an example secrets file."))
    example.add_argument("role", choices=EXAMPLES, metavar=_("ROLE"),
                         help=" | ".join(EXAMPLES))
    example.set_defaults(handler=_example)


def _check(args: argparse.Namespace) -> int:
    from edge.config import load

    try:
        loaded = load(args.file)
    except ConfigError as exc:
        if args.json:
            print_json({"valid": False, "file": exc.path,
                        "problems": [{"where": w, "what": m} for w, m in exc.problems]})
        else:
            for where, what in exc.problems:
                sys.stderr.write(f"{where}: {what}\n")
        return int(ExitCode.USAGE)
    device = loaded.device
    secrets = sorted(k for k, v in loaded.secrets.model_dump().items() if v is not None)
    if args.json:
        print_json({"valid": True, "file": str(loaded.path), "role": device.role,
                    "site": device.site, "device": device.device, "secrets_present": secrets})
    else:
        print(_("{file}: valid {role} configuration for {site}/{device}").format(
            file=loaded.path, role=device.role, site=device.site, device=device.device))
    return int(ExitCode.OK)


def _example(args: argparse.Namespace) -> int:
    from edge.config.examples import render

    sys.stdout.write(render(args.role))
    return int(ExitCode.OK)
