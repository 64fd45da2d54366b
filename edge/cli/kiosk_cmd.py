"""``smartlib kiosk``: the touchscreen kiosk (circulation service, item and
card readers, Kivy window) for a kiosk's configuration."""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING

from edge.cli.common import fail
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "kiosk", help=_("run the touchscreen kiosk"),
        description=_("Run the self-service kiosk: the touchscreen where readers borrow, "
                      "return and renew, with the item reader, the card reader, the camera "
                      "and the library system of the configuration. It is left from staff "
                      "mode (staff card or staff PIN)."))
    parser.add_argument("--config", metavar=_("FILE"), help=_("the kiosk's configuration file"))
    parser.add_argument("--windowed", action="store_true",
                        help=_("in a window, even if the configuration asks for full screen"))
    parser.set_defaults(handler=_kiosk)


async def _kiosk(args: argparse.Namespace) -> int:
    from edge.config import load

    if not args.config:
        raise ConfigError("--config", [("--config", _("required: the kiosk's configuration "
                                                      "file"))])
    loaded = load(args.config)
    if loaded.device.role != "kiosk":
        return fail(_("{path} is the configuration of a {role}, not a kiosk").format(
            path=args.config, role=loaded.device.role), ExitCode.USAGE)
    display = importlib.import_module("kiosk.display")
    if not display.have_display():
        return fail(_("no display: the kiosk needs a screen (DISPLAY is not set); try "
                      "smartlib demo --headless"), ExitCode.UNAVAILABLE)
    launch = importlib.import_module("kiosk.launch")
    await launch.run_kiosk(loaded, windowed=args.windowed)
    return int(ExitCode.OK)
