"""``smartlib relay``: the central relay, its device registry, remote
commands to devices, and the broker's ACL."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge import logs
from edge.cli.common import add_json, fail, print_json
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers
    from edge.config import LoadedConfig
    from edge.relay.database import RelayDatabase


def _config_arg(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--config", metavar=_("FILE"), default=default,
                        help=_("the central configuration file (role = \"central\")"))


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "relay", help=_("run the central relay, or use its registry and commands"),
        description=_("Run the central relay: it stores every device's events once, keeps "
                      "the device registry and the daily statistics. Several relays with the "
                      "same shared_group share the load. With an action, look at the "
                      "registry, send a command to a device, or print the broker's ACL."))
    _config_arg(parser)
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"))

    status = actions.add_parser("status", help=_("show the device registry and counts"),
                                description=_("Show every device the relay has heard of "
                                              "(online, last seen, software, outbox) and "
                                              "the events stored, duplicates and refusals."))
    _config_arg(status, argparse.SUPPRESS)
    add_json(status)
    status.set_defaults(handler=_status)

    command = actions.add_parser(
        "command", help=_("send a remote command to a device and print its reply"),
        description=_("Send NAME to the device SITE/DEVICE (MQTT v5 request/response) and "
                      "print its reply. Commands: ping, get_config, set_config, "
                      "restart_service, lock_kiosk, unlock_kiosk, flush_offline_queue."))
    _config_arg(command, argparse.SUPPRESS)
    command.add_argument("target", metavar=_("SITE/DEVICE"))
    command.add_argument("name", metavar=_("NAME"))
    command.add_argument("--arg", action="append", default=[], metavar=_("KEY=VALUE"),
                         help=_("an argument (VALUE as JSON if it parses, else text)"))
    command.add_argument("--text-file", metavar=_("FILE"),
                         help=_("set_config: the new configuration file"))
    command.add_argument("--timeout", type=float, default=90.0, metavar=_("SECONDS"),
                         help=_("how long to wait for the reply"))
    add_json(command)
    command.set_defaults(handler=_command)

    acl = actions.add_parser(
        "acl", help=_("print the broker's ACL for a list of devices"),
        description=_("Print a mosquitto ACL: each device may publish only under its own "
                      "prefix and read only its own commands; central users read all and "
                      "send commands."))
    acl.add_argument("--device", action="append", default=[], metavar=_("SITE/DEVICE"),
                     help=_("a device (repeat for each)"))
    acl.add_argument("--devices-file", metavar=_("FILE"),
                     help=_("a file with one SITE/DEVICE per line"))
    acl.add_argument("--central", action="append", default=[], metavar=_("USER"),
                     help=_("a relay or operator user (default: relay)"))
    acl.set_defaults(handler=_acl)
    parser.set_defaults(handler=_run)


def _load(args: argparse.Namespace) -> LoadedConfig:
    from edge.config import load
    from edge.config.models import CentralConfig

    if not args.config:
        raise ConfigError("--config", [("--config", _("required: the central configuration "
                                                      "file"))])
    loaded = load(args.config)
    if not isinstance(loaded.device, CentralConfig):
        raise ConfigError(str(loaded.path), [(str(loaded.path), _(
            "role is {role}; the relay needs role = \"central\"").format(
                role=loaded.device.role))])
    return loaded


def open_database(loaded: LoadedConfig) -> RelayDatabase:
    from edge.config.models import CentralConfig
    from edge.relay.database import RelayDatabase, database_url

    device = loaded.device
    assert isinstance(device, CentralConfig)
    password = loaded.secrets.database_password
    url = database_url(device.relay.database_url,
                       password.get_secret_value() if password else None)
    return RelayDatabase(url, relay_id=f"{device.site}.{device.device}")


def _run(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if args.log_level is None:
        logs.setup(loaded.device.logging.level, args.log_format or
                   loaded.device.logging.format)
    asyncio.run(_serve(loaded))
    return int(ExitCode.OK)


async def _serve(loaded: LoadedConfig) -> None:
    from edge.relay.ingest import Relay
    from edge.relay.wiring import title_lookup

    db = open_database(loaded)
    try:
        relay = Relay(loaded, db, titles=title_lookup(loaded))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, relay.request_stop)
        await relay.run()
    finally:
        db.dispose()


def _status(args: argparse.Namespace) -> int:
    db = open_database(_load(args))
    try:
        db.create()
        devices, totals = db.devices(), db.totals()
    finally:
        db.dispose()
    if args.json:
        print_json({"devices": devices, **totals})
        return int(ExitCode.OK)
    for d in devices:
        state = _("online") if d["online"] else _("offline") if d["online"] is not None \
            else "?"
        print(f"{d['site']}/{d['device']}  {state}  {d['software'] or '-'}  "
              + _("last seen {time}; outbox {n}").format(
                  time=d["last_seen"], n=d["outbox_pending"] if d["outbox_pending"]
                  is not None else "?"))
    print(_("events stored: {n}; duplicates: {d}").format(n=totals["events"],
                                                          d=totals["duplicates"]))
    for reason, n in sorted(totals["rejected"].items()):
        print(_("refused ({reason}): {n}").format(reason=reason, n=n))
    return int(ExitCode.OK)


def _parse_args(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(pair)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _command(args: argparse.Namespace) -> int:
    from edge.config.models import CentralConfig
    from edge.mqtt.settings import mqtt_settings
    from edge.relay.acl import parse_device
    from edge.relay.requester import NoReplyError, send_command

    try:
        site, device = parse_device(args.target)
        command_args = _parse_args(args.arg)
    except ValueError as exc:
        return fail(_("bad argument: {what}").format(what=exc))
    if args.text_file:
        command_args["text"] = Path(args.text_file).read_text(encoding="utf-8")
    loaded = _load(args)
    central = loaded.device
    assert isinstance(central, CentralConfig)
    settings = mqtt_settings(central.mqtt, loaded.secrets, site=central.site,
                             device=central.device, client_suffix=".cmd")
    try:
        reply = asyncio.run(send_command(settings, site, device, args.name, command_args,
                                         timeout_s=args.timeout,
                                         prefix=central.mqtt.topic_prefix))
    except NoReplyError as exc:
        return fail(str(exc), ExitCode.UNAVAILABLE)
    if args.json:
        print_json(reply.to_object())
    elif reply.ok:
        print_json(reply.result)
    else:
        sys.stderr.write(f"{reply.code}: {reply.message}\n")
        if reply.details:
            print_json(reply.details)
    return int(ExitCode.OK if reply.ok else ExitCode.FAILED)


def _acl(args: argparse.Namespace) -> int:
    from edge.relay.acl import parse_device, render_acl

    names = list(args.device)
    if args.devices_file:
        names += [line.strip() for line in Path(args.devices_file).read_text(
            encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    try:
        devices = [parse_device(name) for name in names]
    except ValueError as exc:
        return fail(str(exc))
    sys.stdout.write(render_acl(devices, args.central or ["relay"]))
    return int(ExitCode.OK)
