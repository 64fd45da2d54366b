"""``smartlib agent``: the MQTT edge agent, and its outbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from edge import logs
from edge.cli.common import add_json, fail, print_json
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.agent.runtime import Outcome
    from edge.cli.common import SubParsers
    from edge.config import LoadedConfig

log = logging.getLogger(__name__)


def _config_arg(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--config", metavar=_("FILE"), default=default,
                        help=_("the device's configuration file"))


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "agent", help=_("run the MQTT edge agent, or look at its outbox"),
        description=_("Run the edge agent: it sends the device's events to the centre over "
                      "MQTT (in order, each once in effect), publishes its online state and "
                      "health, and answers remote commands. With an action, look at or act "
                      "on the outbox instead."))
    _config_arg(parser)
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"))
    outbox = actions.add_parser(
        "outbox", help=_("show what the outbox holds"),
        description=_("Show the events waiting to be sent, by class, the oldest one's "
                      "age, and events the broker refused."))
    _config_arg(outbox, argparse.SUPPRESS)
    add_json(outbox)
    outbox.set_defaults(handler=_outbox)
    resend = actions.add_parser(
        "resend", help=_("send again events acknowledged since a time"),
        description=_("Queue again the events the broker acknowledged since TIME (ISO 8601), "
                      "e.g. after a broker lost its data. The centre stores each event once, "
                      "so sending one twice is harmless."))
    _config_arg(resend, argparse.SUPPRESS)
    resend.add_argument("--since", required=True, metavar=_("TIME"),
                        help=_("ISO 8601 time, e.g. 2026-11-21T08:00+07:00"))
    add_json(resend)
    resend.set_defaults(handler=_resend)
    parser.set_defaults(handler=_run)


def _load(args: argparse.Namespace) -> LoadedConfig:
    from edge.config import load

    if not args.config:
        raise ConfigError("--config", [("--config", _("required: the device's configuration "
                                                      "file"))])
    return load(args.config)


def _run(args: argparse.Namespace) -> int:
    from edge.agent import reconfig

    try:
        loaded = _load(args)
    except ConfigError:
        if args.config and reconfig.restore_if_broken(Path(args.config)):
            log.error("the configuration could not be loaded; the previous one is back")
            return fail(_("the new configuration could not be loaded; the previous one was "
                          "put back: start again"), ExitCode.FAILED)
        raise
    device = loaded.device
    if device.mqtt is None:
        return fail(_("{file}: the agent needs an [mqtt] section").format(file=loaded.path))
    if args.log_level is None:
        logs.setup(device.logging.level, args.log_format or device.logging.format)
    from edge.agent.runtime import Outcome

    outcome = asyncio.run(_serve(loaded))
    if outcome is Outcome.RESTART:
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "edge.cli", *sys.argv[1:]])
    return int(ExitCode.OK)


async def _serve(loaded: LoadedConfig) -> Outcome:
    from edge.agent.runtime import Agent
    from edge.store import open_store

    device = loaded.device
    store = await asyncio.to_thread(open_store, device.store.path,
                                    timezone=device.library.timezone, upgrade_in_child=True)
    try:
        agent = Agent(loaded, store)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, agent.request_stop)
        return await agent.run()
    finally:
        store.close()


def _outbox(args: argparse.Namespace) -> int:
    from edge.store import open_store

    device = _load(args).device
    with open_store(device.store.path, timezone=device.library.timezone) as store:
        depth = store.outbox.depth()
        refused = store.outbox.refused(20)
    oldest = None if depth.oldest_pending_ms is None else datetime.fromtimestamp(
        depth.oldest_pending_ms / 1000).astimezone().isoformat(timespec="seconds")
    if args.json:
        print_json({"pending": depth.pending, "by_class": depth.by_class,
                    "oldest_pending": oldest, "refused": depth.refused,
                    "dropped_health": depth.dropped_health, "rows": depth.total_rows,
                    "refused_events": [{"seq": s, "event_id": i, "type": t, "reason": r}
                                       for s, i, t, r in refused]})
        return int(ExitCode.OK)
    print(_("pending events: {n}").format(n=depth.pending))
    for cls, n in sorted(depth.by_class.items()):
        print(f"  {cls}: {n}")
    if oldest:
        print(_("oldest pending: {time}").format(time=oldest))
    print(_("refused by the broker: {n}; health telemetry dropped: {d}").format(
        n=depth.refused, d=depth.dropped_health))
    for seq, event_id, event_type, reason in refused:
        print(f"  #{seq} {event_type} {event_id}: {reason}")
    return int(ExitCode.OK)


def _resend(args: argparse.Namespace) -> int:
    from edge.store import open_store

    try:
        since = datetime.fromisoformat(args.since)
    except ValueError:
        return fail(_("--since: not an ISO 8601 time: {value}").format(value=args.since))
    if since.tzinfo is None:
        since = since.astimezone()
    device = _load(args).device
    with open_store(device.store.path, timezone=device.library.timezone) as store:
        count = store.outbox.requeue_since(int(since.timestamp() * 1000))
    if args.json:
        print_json({"requeued": count})
    else:
        print(_("{n} events queued again").format(n=count))
    return int(ExitCode.OK)
