"""Reports for a library's managers and its supervising authority: the
daily statistics of one library (site) over a period, per day and device,
with totals, as CSV or JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from edge.relay.stats import COUNTERS

COLUMNS = ("date", "device", *COUNTERS)


def build(site: str, first: str, last: str, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    lines = [{"date": row["day"], "device": row["device"],
              **{name: int(row[name]) for name in COUNTERS}} for row in rows]
    totals = {name: sum(line[name] for line in lines) for name in COUNTERS}
    by_device: dict[str, dict[str, int]] = {}
    for line in lines:
        device = by_device.setdefault(str(line["device"]), dict.fromkeys(COUNTERS, 0))
        for name in COUNTERS:
            device[name] += int(line[name])
    return {"site": site, "from": first, "to": last, "rows": lines,
            "by_device": dict(sorted(by_device.items())), "totals": totals}


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in report["rows"]:
        writer.writerow([line[column] for column in COLUMNS])
    writer.writerow(["total", "*", *(report["totals"][name] for name in COUNTERS)])
    return out.getvalue()
