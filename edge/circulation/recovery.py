"""Finishing or undoing what a crash (or a lost ILS, or a lost reader) left
unfinished in the journal, so that each item's ILS state and tag state agree
again (docs/adr/0009-circulation-journal.md, "Recovery").

The rule: the patron was never told an unfinished transaction was done, so
it is made whole in the direction the item already points to.

* checkout ``pending`` (the ILS may or may not have made the loan): the ILS
  is asked whether the item is on loan to the patron; no -> undone (the tag
  was never touched); yes -> as ``ils_done``.
* checkout ``ils_done``: tags on the pad read *on loan* -> done (only the
  record was missing); read *secured* -> undone (checked back in); tag gone
  -> the loan stands, done, and staff are alerted that the tag may still be
  secured.
* check-in ``pending``: sent again (a check-in is idempotent) -> ``ils_done``.
* check-in ``ils_done``: the tag is secured -> done; tag gone -> done and
  staff alerted.
* renewal ``pending``: done if the ILS's due date moved past the one before.
* offline entries (``pending``): a checkout whose tags read secured is
  cancelled, otherwise queued for replay (tags made right when on the pad,
  staff alerted when gone); a check-in is queued (tags secured when there).

An entry that needs the ILS while it is offline, or a reader that is
disconnected, stays open and is tried again later.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from drivers.rfid.errors import ReaderError, TransportError
from edge.circulation import explain
from edge.circulation.errors import IlsUnavailable
from edge.circulation.journal import Entry
from edge.circulation.model import CheckinRouting, Operation
from edge.circulation.tagsec import TagState
from edge.circulation.transactions import Engine, Job, Unit
from edge.contract import events
from edge.contract.envelope import Event
from edge.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    completed: int = 0
    undone: int = 0
    alerts: int = 0
    postponed: int = 0


class _Postpone(Exception):
    """This entry cannot be resolved now (ILS or reader away)."""


class Recovery:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()

    async def run(self) -> RecoveryReport:
        async with self._lock:
            counts = {"completed": 0, "undone": 0, "alerts": 0, "postponed": 0}
            for entry in await asyncio.to_thread(self.engine.journal.unfinished):
                try:
                    outcome, alerted = await self._resolve(entry)
                except _Postpone as why:
                    log.info("unfinished transaction postponed", extra={"fields": {
                        "item": entry.item, "operation": entry.operation, "why": str(why)}})
                    counts["postponed"] += 1
                    continue
                counts[outcome] += 1
                counts["alerts"] += int(alerted)
                log.warning("unfinished transaction %s", outcome, extra={"fields": {
                    "item": entry.item, "operation": entry.operation, "state": entry.state}})
            return RecoveryReport(**counts)

    # ------------------------------------------------------------------ rules

    async def _resolve(self, entry: Entry) -> tuple[str, bool]:
        if entry.mode == "offline":
            return await self._offline(entry)
        if entry.operation == "renew":
            return await self._renewal(entry)
        if entry.state == "pending":
            entry = await self._ask_ils(entry)
            if entry.state == "undone":
                return "undone", False
        if entry.operation == "checkout":
            return await self._checkout(entry)
        return await self._checkin(entry)

    async def _ask_ils(self, entry: Entry) -> Entry:
        """A pending online entry: did the ILS do it?"""
        engine = self.engine
        journal = engine.journal
        pii = entry.item
        try:
            if entry.operation == "checkout":
                patron = entry.patron or ""
                info = await engine.ils.call(lambda c: c.patron_information(
                    patron, summary="charged_items", start_item=1, end_item=1000))
                if pii not in info.charged_items:
                    return await asyncio.to_thread(journal.update, entry.id, state="undone",
                                                   detail="not made in the ILS")
                item = await engine.ils.call(lambda c: c.item_information(pii))
                return await asyncio.to_thread(journal.update, entry.id, state="ils_done",
                                               due=explain.iso_due(item.due) or entry.due)
            answer = await engine.ils.call(lambda c: c.checkin(pii))
        except IlsUnavailable as exc:
            raise _Postpone(str(exc)) from exc
        if not answer.ok:
            return await asyncio.to_thread(journal.update, entry.id, state="undone",
                                           detail=explain.screen_text(answer))
        routing = explain.routing_of(answer)
        return await asyncio.to_thread(journal.update, entry.id, state="ils_done",
                                       routing=dataclasses.asdict(routing))

    async def _tag_states(self, entry: Entry) -> list[TagState]:
        tags = self.engine.tags
        if tags is None:
            if not entry.uids:
                return []
            raise _Postpone("no item reader here")
        try:
            return await tags.states(entry.uids)
        except TransportError as exc:
            raise _Postpone(f"reader: {exc}") from exc

    async def _set(self, entry: Entry, states: list[TagState], secured: bool) -> bool:
        """Write every tag present; False if one failed."""
        tags = self.engine.tags
        if tags is None:
            return True
        target = "secured" if secured else "on_loan"
        for uid, state in zip(entry.uids, states, strict=True):
            if state in ("absent", target):
                continue
            try:
                await tags.set(uid, secured)
            except TransportError as exc:
                raise _Postpone(f"reader: {exc}") from exc
            except ReaderError:
                return False
        return True

    async def _checkout(self, entry: Entry) -> tuple[str, bool]:
        states = await self._tag_states(entry)
        if "secured" in states:
            # Not unsecured yet: undo the loan, keep (make) every part secured.
            try:
                answer = await self.engine.ils.call(lambda c: c.checkin(entry.item))
            except IlsUnavailable as exc:
                raise _Postpone(str(exc)) from exc
            resecured = await self._set(entry, states, True)
            alerts = [] if resecured and answer.ok else [self._alert(
                entry, "tag_state_unknown", _("An interrupted checkout of {pii} could not be "
                                              "undone cleanly.").format(pii=entry.item))]
            await asyncio.to_thread(self.engine.journal.update, entry.id, state="undone",
                                    detail="interrupted; undone on restart", events=alerts)
            return "undone", bool(alerts)
        written = await self._set(entry, states, False)
        alerts = []
        if "absent" in states or not written:
            alerts.append(self._alert(entry, "tag_state_unknown", _(
                "Item {pii} is on loan after an interrupted checkout, but its tag could not "
                "be checked: it may still be secured.").format(pii=entry.item)))
        await self._complete(entry, alerts)
        return "completed", bool(alerts)

    async def _checkin(self, entry: Entry) -> tuple[str, bool]:
        states = await self._tag_states(entry)
        written = await self._set(entry, states, True)
        alerts = []
        if "absent" in states or not written:
            alerts.append(self._alert(entry, "checkin_not_secured", _(
                "Item {pii} was returned before an interruption, but its tag could not be "
                "checked: it may be unsecured.").format(pii=entry.item)))
        await self._complete(entry, alerts)
        return "completed", bool(alerts)

    async def _renewal(self, entry: Entry) -> tuple[str, bool]:
        pii = entry.item
        try:
            item = await self.engine.ils.call(lambda c: c.item_information(pii))
        except IlsUnavailable as exc:
            raise _Postpone(str(exc)) from exc
        due = explain.iso_due(item.due)
        if due is not None and entry.prior_due is not None and due > entry.prior_due:
            await self._complete(dataclasses.replace(entry, due=due), [])
            return "completed", False
        await asyncio.to_thread(self.engine.journal.update, entry.id, state="undone",
                                detail="interrupted before the ILS renewed it")
        return "undone", False

    async def _offline(self, entry: Entry) -> tuple[str, bool]:
        engine = self.engine
        if entry.operation == "renew":
            await self._queue(entry, [])
            return "completed", False
        states = await self._tag_states(entry)
        if entry.operation == "checkout" and "secured" in states:
            await self._set(entry, states, True)
            await asyncio.to_thread(engine.journal.update, entry.id, state="undone",
                                    detail="interrupted before the tag was set; cancelled")
            return "undone", False
        secured = entry.operation == "checkin"
        written = await self._set(entry, states, secured)
        alerts = []
        if "absent" in states or not written:
            code = "checkin_not_secured" if secured else "tag_state_unknown"
            alerts.append(self._alert(entry, code, _(
                "Item {pii}: an interrupted offline transaction was kept, but its tag could "
                "not be checked.").format(pii=entry.item)))
        await self._queue(entry, alerts)
        return "completed", bool(alerts)

    # --------------------------------------------------------------- writes

    async def _complete(self, entry: Entry, alerts: list[Event]) -> None:
        job = self._job(entry)
        await asyncio.to_thread(self.engine.journal.update, entry.id, state="done",
                                due=entry.due, alert=_code(alerts),
                                events=[self.engine.event(job), *alerts])

    async def _queue(self, entry: Entry, alerts: list[Event]) -> None:
        event = events.offline_transaction(
            operation=entry.operation,  # type: ignore[arg-type]
            item=entry.item, transaction_time=entry.transaction_time, patron=entry.patron,
            due=entry.due)
        await asyncio.to_thread(self.engine.journal.update, entry.id, state="queued",
                                alert=_code(alerts), events=[event, *alerts])

    def _job(self, entry: Entry) -> Job:
        operation: Operation = entry.operation  # type: ignore[assignment]
        job = Job(operation, Unit(entry.item, entry.uids, entry.title), entry, None,
                  due=explain.parse_due(entry.due))
        if entry.routing is not None:
            job.routing = CheckinRouting(**entry.routing)
        return job

    def _alert(self, entry: Entry, code: str, message: str) -> Event:
        return events.staff_alert(alert=code, severity="critical", message=message,
                                  item=entry.item, patron=entry.patron,
                                  uid=entry.uids[0] if entry.uids else None)


def _code(alerts: list[Event]) -> str | None:
    return str(alerts[0].payload["alert"]) if alerts else None
