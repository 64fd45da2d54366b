"""``smartlib offline``: a kiosk's or book drop's offline journal: the report
staff read after an ILS outage, and a replay on demand."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from edge.cli.common import add_json, fail, print_json
from edge.errors import ConfigError, ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.circulation.report import OfflineReport, ReportLine
    from edge.cli.common import SubParsers
    from edge.config import LoadedConfig

#: Where a device's configuration is looked for when --config is not given.
DEFAULT_CONFIGS = ("/etc/smartlib/kiosk.toml", "/etc/smartlib/bookdrop.toml")


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "offline", help=_("the offline journal: report of conflicts, replay now"),
        description=_("Look at the transactions a kiosk or book drop made while the library "
                      "system was unreachable: what waits to be replayed and every conflict "
                      "the replay found; or replay them now."))
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    report = actions.add_parser(
        "report", help=_("what is queued, and every replay conflict and staff alert"),
        description=_("Print the offline queue and every conflict (on hold for someone else, "
                      "patron blocked, unknown item, already checked in), failed replay and "
                      "staff alert in the device's journal, newest first. Exit code 1 when "
                      "there is any problem to look at."))
    _config(report)
    report.add_argument("--since", metavar=_("TIME"),
                        help=_("only problems since TIME (ISO 8601)"))
    add_json(report)
    report.set_defaults(handler=_report)
    flush = actions.add_parser(
        "flush", help=_("replay the offline queue now"),
        description=_("Ask the running kiosk or book drop service to replay its offline "
                      "queue now; if none is running, replay it from this command. Exit code "
                      "3 when the library system is still unreachable."))
    _config(flush)
    flush.add_argument("--wait", type=float, default=5.0, metavar=_("SECONDS"),
                       help=_("how long to wait for a running service to take the request"))
    add_json(flush)
    flush.set_defaults(handler=_flush)


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar=_("FILE"),
        help=_("the device's configuration file (default: $SMARTLIB_CONFIG, else "
               "/etc/smartlib/kiosk.toml or /etc/smartlib/bookdrop.toml)"))


def _load(args: argparse.Namespace) -> LoadedConfig:
    from edge.config import load

    path = args.config or os.environ.get("SMARTLIB_CONFIG")
    if not path:
        path = next((p for p in DEFAULT_CONFIGS if Path(p).exists()), None)
    if not path:
        raise ConfigError("--config", [("--config", _("required: the device's configuration "
                                                      "file"))])
    loaded = load(path)
    if loaded.device.role not in ("kiosk", "bookdrop"):
        raise ConfigError(str(path), [("role", _("a {role} has no offline journal").format(
            role=loaded.device.role))])
    return loaded


def _report(args: argparse.Namespace) -> int:
    from edge.circulation.journal import Journal
    from edge.circulation.report import build_report
    from edge.store import open_store

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            return fail(_("not an ISO 8601 time: {value}").format(value=args.since))
    loaded = _load(args)
    device = loaded.device
    with open_store(device.store.path, timezone=device.library.timezone) as store:
        report = build_report(Journal(store), since=since)
    if args.json:
        print_json(report.to_dict())
    else:
        _print(report)
    return int(ExitCode.FAILED if report.problems or report.unfinished else ExitCode.OK)


def _print(report: OfflineReport) -> None:
    if report.offline_since:
        print(_("The library system has been unreachable since {time}.").format(
            time=report.offline_since))
    print(_("Waiting to be replayed: {n}").format(n=len(report.queued)))
    for line in report.queued:
        print("  " + _describe(line))
    if report.unfinished:
        print(_("Interrupted, not yet finished: {n}").format(n=len(report.unfinished)))
        for line in report.unfinished:
            print("  " + _describe(line))
    print(_("Replayed: {n}").format(n=report.replayed))
    print(_("Problems for staff: {n}").format(n=len(report.problems)))
    for line in report.problems:
        print("  " + _describe(line))


def _describe(line: ReportLine) -> str:
    parts = [line.when, line.operation, line.item]
    if line.title:
        parts.append(f"«{line.title}»")
    if line.patron:
        parts.append(_("patron {id}").format(id=line.patron))
    parts.append(line.state)
    if line.problem:
        parts.append(line.problem)
    if line.detail:
        parts.append(f"({line.detail})")
    return "  ".join(parts)


async def _flush(args: argparse.Namespace) -> int:
    import asyncio

    from edge.circulation.factory import service_from_config
    from edge.store import open_store

    loaded = _load(args)
    device = loaded.device
    with open_store(device.store.path, timezone=device.library.timezone) as store:
        outcome = await store.requests.call("flush_offline_queue", {}, args.wait)
    if outcome.state == "done" and outcome.result is not None:
        result = dict(outcome.result)
        online = True
    elif outcome.state == "failed":
        return fail(outcome.error or _("the replay failed"), ExitCode.FAILED)
    elif outcome.state == "running":
        return fail(_("the running service is still replaying; look again with: smartlib "
                      "offline report"), ExitCode.FAILED)
    else:  # nobody took it: no service runs; replay from here, without the reader
        service = service_from_config(loaded, with_reader=False, open_cards=False)
        try:
            await service.ils.probe()
            report = await service.flush()
            online = service.ils.online
        finally:
            await service.close()
            await asyncio.sleep(0)
        result = {"replayed": report.replayed, "conflicts": report.conflicts,
                  "remaining": report.remaining}
    if args.json:
        print_json({**result, "ils_online": online})
    else:
        print(_("Replayed {replayed}, conflicts {conflicts}, still queued {remaining}.").format(
            **result))
    if not online:
        return fail(_("the library system is unreachable"), ExitCode.UNAVAILABLE)
    return int(ExitCode.OK)
