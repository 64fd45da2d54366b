"""Replaying the offline journal when the ILS is back: in the order the
transactions were made, each with the SIP2 no-block flag and its original
transaction date (and, for loans, the due date the reader was given).

Before each one the ILS is asked what it knows (the patron's status and
holds, the item's status and hold queue), so every conflict is named:

* ``unknown_item`` - the ILS does not know the item: not replayed (failed);
* ``patron_blocked`` - the patron is blocked: replayed (the book is out);
* ``on_hold`` - the item is on hold for someone else: replayed;
* ``already_checked_in`` - a return of an item the ILS has not on loan;
* ``not_on_loan`` - a renewal of an item not on loan;
* ``refused`` - the ILS refused even with no-block (failed).

Each conflict becomes an ``offline_conflict`` event and a staff alert in the
same transaction as the journal's change, and a line in ``smartlib offline
report``. A replayed transaction also gets its ordinary event (loan, return,
renewal) with ``mode = offline`` and its original time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from drivers.sip2 import PatronInformationResult
from edge.circulation import explain
from edge.circulation.errors import IlsUnavailable
from edge.circulation.journal import Entry
from edge.circulation.model import Operation
from edge.circulation.transactions import Engine, Job, Unit
from edge.contract import events
from edge.contract.envelope import Event
from edge.i18n import _
from edge.store.control import FlushReport

log = logging.getLogger(__name__)


@dataclass
class _Patrons:
    """Patron answers (and the items they hold), asked once per replay."""

    seen: dict[str, tuple[PatronInformationResult, frozenset[str]]] = field(
        default_factory=dict)


class Replayer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()

    async def flush(self) -> FlushReport:
        """Replay what is queued, as far as the ILS lets us."""
        async with self._lock:
            journal = self.engine.journal
            replayed = conflicts = 0
            patrons = _Patrons()
            for entry in await asyncio.to_thread(journal.queued):
                try:
                    conflict = await self._replay(entry, patrons)
                except IlsUnavailable as exc:
                    log.warning("replay stopped: the ILS went away",
                                extra={"fields": {"error": str(exc)}})
                    break
                replayed += 1
                conflicts += int(conflict)
            remaining = (await asyncio.to_thread(journal.counts)).queued
            if replayed:
                log.warning("offline journal replayed", extra={"fields": {
                    "replayed": replayed, "conflicts": conflicts, "remaining": remaining}})
            return FlushReport(replayed, conflicts, remaining)

    async def _patron(self, patron_id: str, patrons: _Patrons
                      ) -> tuple[PatronInformationResult, frozenset[str]]:
        if patron_id not in patrons.seen:
            ils = self.engine.ils
            ready = await ils.call(lambda c: c.patron_information(patron_id,
                                                                  summary="hold_items"))
            waiting = await ils.call(lambda c: c.patron_information(
                patron_id, summary="unavailable_holds"))
            patrons.seen[patron_id] = (ready, frozenset(ready.hold_items)
                                       | frozenset(waiting.unavailable_hold_items))
        return patrons.seen[patron_id]

    async def _replay(self, entry: Entry, patrons: _Patrons) -> bool:
        """One entry; True when it ended in a conflict."""
        ils = self.engine.ils
        pii = entry.item
        when = datetime.fromisoformat(entry.transaction_time).replace(tzinfo=None)
        due = explain.parse_due(entry.due)
        item = await ils.call(lambda c: c.item_information(pii))
        conflicts: list[tuple[str, str | None]] = []
        if not item.ok:
            await self._finish(entry, "failed", [("unknown_item", explain.screen_text(item))])
            return True
        status = item.circulation_status_name
        if entry.operation == "checkout":
            patron_id = entry.patron or ""
            patron, held = await self._patron(patron_id, patrons)
            if patron.blocked:
                conflicts.append(("patron_blocked", " / ".join(patron.screen_message) or None))
            holds = (item.hold_queue_length or 0) > 0 or status == "waiting_on_hold_shelf"
            mine = pii in held
            if holds and not mine:
                conflicts.append(("on_hold", None))
            answer = await ils.call(lambda c: c.checkout(
                patron_id, pii, no_block=True, transaction_date=when, nb_due_date=due))
        elif entry.operation == "checkin":
            if status not in explain.CHARGED:
                conflicts.append(("already_checked_in", None))
            checkin = await ils.call(lambda c: c.checkin(pii, no_block=True, return_date=when))
            if checkin.ok:
                routing = explain.routing_of(checkin)
                await self._finish(entry, "conflict" if conflicts else "replayed", conflicts,
                                   routing=routing)
                return bool(conflicts)
            conflicts.append(("refused", explain.screen_text(checkin)))
            await self._finish(entry, "failed", conflicts)
            return True
        else:
            if status not in explain.CHARGED:
                conflicts.append(("not_on_loan", None))
            patron_id = entry.patron or ""
            answer = await ils.call(lambda c: c.renew(
                patron_id, pii, no_block=True, transaction_date=when, nb_due_date=due))
        if not answer.ok:
            conflicts.append(("refused", explain.screen_text(answer)))
            await self._finish(entry, "failed", conflicts)
            return True
        await self._finish(entry, "conflict" if conflicts else "replayed", conflicts,
                           due=explain.iso_due(answer.due) or entry.due,
                           title=answer.title_identifier or None)
        return bool(conflicts)

    async def _finish(self, entry: Entry, state: str, conflicts: list[tuple[str, str | None]],
                      *, routing: object = None, due: str | None = None,
                      title: str | None = None) -> None:
        engine = self.engine
        out: list[Event] = []
        operation: Operation = entry.operation  # type: ignore[assignment]
        if state != "failed":
            job = Job(operation, Unit(entry.item, entry.uids, title or entry.title), entry, None,
                      due=explain.parse_due(due or entry.due))
            if routing is not None:
                job.routing = routing  # type: ignore[assignment]
            out.append(engine.event(job, mode="offline",
                                    transaction_time=entry.transaction_time))
        for code, detail in conflicts:
            out.append(events.offline_conflict(
                operation=operation, item=entry.item, transaction_time=entry.transaction_time,
                conflict=code,  # type: ignore[arg-type]
                patron=entry.patron, detail=detail[:2000] if detail else None))
            out.append(events.staff_alert(
                alert="offline_conflict", severity="warning", item=entry.item,
                patron=entry.patron, message=_(
                    "Offline {operation} of {pii} at {time}: {conflict}").format(
                    operation=operation, pii=entry.item, time=entry.transaction_time,
                    conflict=code)))
        first = conflicts[0] if conflicts else None
        await asyncio.to_thread(
            engine.journal.update, entry.id, events=out, state=state,
            conflict=first[0] if first else None,
            detail=first[1] if first else entry.detail,
            replay_attempts=entry.replay_attempts + 1,
            replayed_ms=int(engine.now().timestamp() * 1000),
            due=due or entry.due, title=title or entry.title)
        engine.on_queue()
