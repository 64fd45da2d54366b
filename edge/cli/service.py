"""What the commands that run a device's service (``smartlib gate``,
``smartlib bookdrop``) share: loading the configuration for their role,
logging and language from it, the store, and stopping on SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from edge import i18n, logs
from edge.cli.common import fail
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from drivers.gpio import GpioBoard
    from edge.config import LoadedConfig
    from edge.store import Store


def config_arg(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--config", metavar=_("FILE"), default=default,
                        help=_("the device's configuration file"))


def load_role(args: argparse.Namespace, role: str) -> LoadedConfig:
    """The configuration named by ``--config``, which must be for ``role``
    (ConfigError, exit code 2, otherwise). Logging and the language follow
    it unless the command line chose them."""
    from edge.config import load

    if not args.config:
        raise ConfigError("--config", [("--config", _("required: the device's configuration "
                                                      "file"))])
    loaded = load(args.config)
    if loaded.device.role != role:
        raise ConfigError(str(loaded.path), [(f"{loaded.path}: role", _(
            "this is a {found} configuration; this command needs role = \"{role}\"").format(
                found=loaded.device.role, role=role))])
    if args.log_level is None:
        logs.setup(loaded.device.logging.level, args.log_format or loaded.device.logging.format)
    if getattr(args, "lang", None) is None:
        i18n.activate(loaded.device.language)
    return loaded


def open_gpio_board(pin_factory: str) -> GpioBoard | int:
    """The device's GPIO, or the exit code after saying why it cannot be had
    (2: the pin factory is wrong; 3: GPIO is not available here)."""
    from drivers.gpio import GpioBoard, GpioConfigError, GpioError

    try:
        return GpioBoard.open(pin_factory)
    except GpioConfigError as exc:
        return fail(_("GPIO: {error}").format(error=exc), ExitCode.USAGE)
    except GpioError as exc:
        return fail(_("GPIO is not available: {error}").format(error=exc), ExitCode.UNAVAILABLE)


async def open_device_store(loaded: LoadedConfig) -> Store:
    from edge.store import open_store

    device = loaded.device
    return await asyncio.to_thread(open_store, device.store.path,
                                   timezone=device.library.timezone)


async def serve_until_stopped(run: Callable[[], Awaitable[None]],
                              stop: Callable[[], None]) -> None:
    """Run a service; SIGTERM and SIGINT ask it to stop cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    try:
        await run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
