"""The offline report staff read (``smartlib offline report``): what waits in
the offline queue, and every replay conflict, failed replay and staff alert
the journal holds, from the device's store alone (no ILS needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.circulation.ilslink import OFFLINE_SINCE
from edge.circulation.journal import Entry, Journal


@dataclass(frozen=True, slots=True)
class ReportLine:
    when: str
    operation: str
    item: str
    patron: str | None
    state: str
    #: offline_conflict kind, or the staff alert's code.
    problem: str | None
    detail: str | None
    title: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.when, "operation": self.operation, "item": self.item,
                "patron": self.patron, "state": self.state, "problem": self.problem,
                "detail": self.detail, "title": self.title}


@dataclass(frozen=True, slots=True)
class OfflineReport:
    offline_since: str | None
    queued: tuple[ReportLine, ...]
    problems: tuple[ReportLine, ...]
    unfinished: tuple[ReportLine, ...]
    replayed: int

    def to_dict(self) -> dict[str, Any]:
        return {"offline_since": self.offline_since,
                "queued": [line.to_dict() for line in self.queued],
                "problems": [line.to_dict() for line in self.problems],
                "unfinished": [line.to_dict() for line in self.unfinished],
                "replayed": self.replayed}


def _line(entry: Entry) -> ReportLine:
    return ReportLine(entry.transaction_time, entry.operation, entry.item, entry.patron,
                      entry.state, entry.conflict or entry.alert, entry.detail, entry.title)


def build_report(journal: Journal, *, since: datetime | None = None) -> OfflineReport:
    """Synchronous (reads the store)."""
    since_ms = int(since.timestamp() * 1000) if since else 0
    history = journal.offline_history(since_ms)
    return OfflineReport(
        offline_since=journal.get_state(OFFLINE_SINCE),
        queued=tuple(_line(e) for e in journal.queued()),
        problems=tuple(_line(e) for e in journal.problems(since_ms)),
        unfinished=tuple(_line(e) for e in journal.unfinished()),
        replayed=sum(1 for e in history if e.state in ("replayed", "conflict")))
