"""``smartlib report``: a library's daily statistics over a period, for its
managers and its supervising authority."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from edge.cli.common import fail
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from edge.cli.common import SubParsers


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "report", help=_("daily statistics of a library over a period (CSV or JSON)"),
        description=_("Print the daily statistics of library SITE from DATE to DATE "
                      "(inclusive), per day and device, with totals: loans, returns, "
                      "renewals, offline transactions, conflicts, alarms, visitors."))
    parser.add_argument("--config", required=True, metavar=_("FILE"),
                        help=_("the central configuration file (its relay database)"))
    parser.add_argument("--site", required=True, metavar=_("SITE"), help=_("the library's site id"))
    parser.add_argument("--from", dest="first", required=True, metavar=_("DATE"),
                        help=_("first day, YYYY-MM-DD"))
    parser.add_argument("--to", dest="last", required=True, metavar=_("DATE"),
                        help=_("last day, YYYY-MM-DD"))
    parser.add_argument("--device", metavar=_("DEVICE"), help=_("only this device"))
    parser.add_argument("--format", choices=("csv", "json"), default="csv",
                        help=_("output format"))
    parser.add_argument("--output", metavar=_("FILE"), help=_("write to FILE, not stdout"))
    parser.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from edge.cli.relay_cmd import _load, open_database
    from edge.relay import report

    try:
        first = dt.date.fromisoformat(args.first)
        last = dt.date.fromisoformat(args.last)
    except ValueError as exc:
        return fail(_("not a date (YYYY-MM-DD): {what}").format(what=exc))
    if last < first:
        return fail(_("--to is before --from"))
    db = open_database(_load(args))
    try:
        db.create()
        rows = db.daily(args.site, first.isoformat(), last.isoformat(), args.device)
    finally:
        db.dispose()
    data = report.build(args.site, first.isoformat(), last.isoformat(), rows)
    text = (json.dumps(data, ensure_ascii=False, indent=2) + "\n" if args.format == "json"
            else report.to_csv(data))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return int(ExitCode.OK)
