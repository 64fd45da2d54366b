"""Checkout, return and renewal of several items as journaled transactions
(docs/adr/0009-circulation-journal.md).

Online, each item goes: journal entry (durable) -> ILS -> ``ils_done``
(durable) -> the tag's security state written and read back -> ``done`` with
its event in the same SQLite transaction. Two stages run side by side: while
the tags of one item are written, the ILS already handles the next, so a
stack costs about the larger of its ILS time and its air time, not the sum.

A tag that will not take its new state after the reader's retries: a
checkout is undone in the ILS (checked back in) and raised to staff; a
return stands in the ILS (the book is back) and is raised to staff as not
secured, routed to the problem bin. When the ILS goes away in the middle of
a stack, the items not yet done continue offline if the policy allows.

Offline, each item goes: journal entry (durable) -> tag -> ``queued`` with an
``offline_transaction`` event; :mod:`edge.circulation.replay` sends it to the
ILS later.

``checkpoint(step)`` is called after each durable step ("journaled",
"ils_answered", "ils_recorded", "tag_written", "completed"); the crash tests
kill the process there.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from drivers.rfid.errors import ReaderError, TagNotPresentError, TransportError
from drivers.sip2 import CheckinResult, CheckoutResult
from edge.circulation import explain
from edge.circulation.caches import Caches
from edge.circulation.errors import IlsUnavailable
from edge.circulation.ilslink import IlsLink
from edge.circulation.journal import Entry, Journal, NewEntry
from edge.circulation.model import (
    CheckinRouting,
    ItemProgress,
    ItemResult,
    ItemStatus,
    Operation,
    Patron,
    ServiceEvent,
    Step,
)
from edge.circulation.offline import OfflinePolicy
from edge.circulation.reasons import Reason
from edge.circulation.tagsec import TagSecurity
from edge.contract import events
from edge.contract.envelope import Event
from edge.i18n import _

log = logging.getLogger(__name__)

Checkpoint = Callable[[str], None]
STEPS = ("journaled", "ils_answered", "ils_recorded", "tag_written", "completed")


def no_checkpoint(_step: str) -> None:
    return None


def _nothing() -> None:
    return None


@dataclass
class Unit:
    """One item going through a transaction."""

    pii: str
    uids: tuple[str, ...] = ()
    title: str | None = None
    #: Renewals: the due date before (to tell after a crash whether it happened).
    prior_due: str | None = None


@dataclass
class Job:
    operation: Operation
    unit: Unit
    entry: Entry
    patron: Patron | None
    due: datetime | None = None
    routing: CheckinRouting | None = None

    @property
    def offline(self) -> bool:
        return self.entry.mode == "offline"


OFFLINE_ROUTING = CheckinRouting("alert", known=False,
                                 message="returned offline: the ILS routes it on replay")


@dataclass
class Engine:
    journal: Journal
    caches: Caches
    ils: IlsLink
    tags: TagSecurity | None
    policy: OfflinePolicy
    now: Callable[[], datetime]
    emit: Callable[[ServiceEvent], None]
    institution: str | None = None
    checkpoint: Checkpoint = no_checkpoint
    #: Called when the offline queue changed (the service tells its subscribers).
    on_queue: Callable[[], None] = _nothing

    # ------------------------------------------------------------- entry

    async def run(self, operation: Operation, patron: Patron | None,
                  units: Sequence[Unit]) -> tuple[list[ItemResult], bool]:
        """Do ``operation`` on ``units``; (results in order, offline?)."""
        if not units:
            return [], not self.ils.online
        if not self.ils.online:
            return await self._offline_batch(operation, patron, list(units)), True
        now = self.now()
        entries = await asyncio.to_thread(self.journal.begin, [
            NewEntry(operation, "online", u.pii, _iso(now), u.uids,
                     patron.id if patron else None, u.title, prior_due=u.prior_due)
            for u in units])
        self.checkpoint("journaled")
        jobs = [Job(operation, u, e, patron) for u, e in zip(units, entries, strict=True)]
        results: dict[int, ItemResult] = {}
        queue: asyncio.Queue[Job | None] = asyncio.Queue()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._ils_stage(jobs, queue, results))
            group.create_task(self._tag_stage(queue, results))
        offline = any(job.offline for job in jobs)
        return [results[job.entry.id] for job in jobs], offline

    # -------------------------------------------------------------- online

    async def _ils_stage(self, jobs: list[Job], queue: asyncio.Queue[Job | None],
                         results: dict[int, ItemResult]) -> None:
        try:
            for index, job in enumerate(jobs):
                self._progress(job, "ils")
                try:
                    answer = await self._ils_call(job)
                except IlsUnavailable as exc:
                    log.warning("ILS lost in the middle of a transaction; going offline",
                                extra={"fields": {"error": str(exc)}})
                    await self._switch_offline(jobs[index:], queue, results)
                    return
                self.checkpoint("ils_answered")
                if not answer.ok:
                    results[job.entry.id] = await self._refused_by_ils(job, answer)
                    continue
                if isinstance(answer, CheckinResult):
                    job.routing = explain.routing_of(answer)
                    title = answer.title_identifier
                else:
                    job.due = answer.due
                    title = answer.title_identifier
                if title:
                    job.unit.title = title
                    await asyncio.to_thread(self.caches.remember_title, job.unit.pii, title)
                if job.operation == "renew":
                    results[job.entry.id] = await self._complete(job)
                    continue
                job.entry = await asyncio.to_thread(
                    self.journal.update, job.entry.id, state="ils_done",
                    due=explain.iso_due(job.due), title=job.unit.title,
                    routing=dataclasses.asdict(job.routing) if job.routing else None)
                self.checkpoint("ils_recorded")
                queue.put_nowait(job)
        finally:
            queue.put_nowait(None)

    async def _ils_call(self, job: Job) -> CheckoutResult | CheckinResult:
        pii, patron = job.unit.pii, job.patron
        if job.operation == "checkin":
            return await self.ils.call(lambda c: c.checkin(pii))
        assert patron is not None
        if job.operation == "renew":
            return await self.ils.call(lambda c: c.renew(patron.id, pii, pin=patron.pin))
        return await self.ils.call(lambda c: c.checkout(patron.id, pii, pin=patron.pin))

    async def _refused_by_ils(self, job: Job, answer: CheckoutResult | CheckinResult
                              ) -> ItemResult:
        reason = await explain.why_refused(self.ils, job.operation, job.unit.pii, job.patron)
        detail = explain.screen_text(answer)
        job.entry = await asyncio.to_thread(self.journal.update, job.entry.id, state="refused",
                                            reason=reason.value, detail=detail)
        return self._final(job, "refused", reason, detail)

    async def _tag_stage(self, queue: asyncio.Queue[Job | None],
                         results: dict[int, ItemResult]) -> None:
        """Write each item's tags; its ``done`` record (an fsync) is written
        while the next item's tags are (one record in flight at a time)."""
        recording: asyncio.Task[None] | None = None

        async def record(job: Job) -> None:
            results[job.entry.id] = await self._complete(job)

        try:
            while (job := await queue.get()) is not None:
                if job.offline:
                    results[job.entry.id] = await self._finish_offline(job)
                    continue
                self._progress(job, "tag")
                try:
                    await self._write_tags(job, secured=job.operation == "checkin")
                except ReaderError as exc:
                    results[job.entry.id] = await self._tag_failed(job, exc)
                    continue
                self.checkpoint("tag_written")
                if recording is not None:
                    await recording
                recording = asyncio.create_task(record(job), name=f"record {job.unit.pii}")
            if recording is not None:
                await recording
        except BaseException:
            if recording is not None and not recording.done():
                recording.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recording
            raise

    async def _complete(self, job: Job) -> ItemResult:
        job.entry = await asyncio.to_thread(self.journal.update, job.entry.id, state="done",
                                            due=explain.iso_due(job.due), title=job.unit.title,
                                            events=[self.event(job)])
        self.checkpoint("completed")
        return self._final(job, "done", routing=job.routing)

    def event(self, job: Job, *, mode: str = "online",
              transaction_time: str | None = None) -> Event:
        """The outbox event of a completed (or replayed) transaction."""
        entry = job.entry
        patron = job.patron.id if job.patron else entry.patron
        due = explain.iso_due(job.due) or entry.due or ""
        if job.operation == "checkin":
            routing = job.routing or OFFLINE_ROUTING
            return events.checkin(item=entry.item, routing=explain.contract_routing(routing),
                                  title=job.unit.title, mode=mode,  # type: ignore[arg-type]
                                  transaction_time=transaction_time,
                                  institution=self.institution)
        if job.operation == "renew":
            return events.renewal(item=entry.item, due=due, patron=patron, title=job.unit.title,
                                  mode=mode,  # type: ignore[arg-type]
                                  transaction_time=transaction_time)
        return events.checkout(item=entry.item, due=due, patron=patron, title=job.unit.title,
                               mode=mode,  # type: ignore[arg-type]
                               transaction_time=transaction_time, institution=self.institution)

    async def _tag_failed(self, job: Job, error: ReaderError) -> ItemResult:
        reason = tag_reason(error)
        pii, uid = job.unit.pii, job.unit.uids[0] if job.unit.uids else None
        if job.operation == "checkin":
            # The book is back in the ILS; its tag is not secured. Staff must see it.
            job.routing = dataclasses.replace(job.routing or OFFLINE_ROUTING, action="alert")
            alert = events.staff_alert(
                alert="checkin_not_secured", severity="warning", item=pii, uid=uid,
                message=_("Item {pii} was returned but its tag could not be secured "
                          "({error}).").format(pii=pii, error=error))
            job.entry = await asyncio.to_thread(
                self.journal.update, job.entry.id, state="done", alert="checkin_not_secured",
                reason=reason.value, detail=str(error), routing=dataclasses.asdict(job.routing),
                events=[self.event(job), alert])
            self.checkpoint("completed")
            return self._final(job, "alert", reason, str(error), routing=job.routing)
        resecured = await self._try_secure(job.unit.uids)
        patron = job.patron
        try:
            undo = await self.ils.call(lambda c: c.checkin(pii))
            undone = undo.ok
        except IlsUnavailable:
            undone = False
        if undone:
            code = "tag_write_failed" if resecured else "tag_state_unknown"
            text = (_("Checkout of {pii} was undone: its tag could not be set ({error}).")
                    if resecured else
                    _("Checkout of {pii} was undone, but its tag may be left unsecured "
                      "({error})."))
            alert = events.staff_alert(alert=code, severity="warning" if resecured else
                                       "critical", item=pii, uid=uid,
                                       patron=patron.id if patron else None,
                                       message=text.format(pii=pii, error=error))
            job.entry = await asyncio.to_thread(
                self.journal.update, job.entry.id, state="undone", alert=code,
                reason=reason.value, detail=str(error), events=[alert])
            return self._final(job, "refused", reason, str(error))
        # The loan stands and the tag may still be secured: staff must act. The
        # entry stays open; recovery resolves it when the ILS answers again.
        alert = events.staff_alert(
            alert="loan_not_unsecured", severity="critical", item=pii, uid=uid,
            patron=patron.id if patron else None,
            message=_("Item {pii} is on loan in the ILS but its tag could not be unsecured "
                      "and the loan could not be undone ({error}).").format(pii=pii,
                                                                              error=error))
        job.entry = await asyncio.to_thread(
            self.journal.update, job.entry.id, alert="loan_not_unsecured", reason=reason.value,
            detail=str(error), events=[alert])
        return self._final(job, "alert", reason, str(error), due=job.due)

    async def _try_secure(self, uids: Sequence[str]) -> bool:
        """Put tags back to secured after a failed checkout write."""
        if self.tags is None:
            return True
        ok = True
        for uid in uids:
            try:
                state = await self.tags.state(uid)
                if state == "absent":
                    ok = False
                elif state != "secured":
                    await self.tags.set(uid, True)
            except ReaderError:
                ok = False
        return ok

    async def _write_tags(self, job: Job, *, secured: bool) -> None:
        if self.tags is not None and job.unit.uids:
            await self.tags.set_all(job.unit.uids, secured)

    # ------------------------------------------------------------- offline

    async def _switch_offline(self, jobs: list[Job], queue: asyncio.Queue[Job | None],
                              results: dict[int, ItemResult]) -> None:
        """The ILS went away before ``jobs`` were answered: continue offline
        within the policy, refuse the rest."""
        operation, patron = jobs[0].operation, jobs[0].patron
        now = self.now()
        refusal = self.policy.refusal(operation, patron, self.ils.offline_since, now)
        allowed = len(jobs)
        if refusal is None and operation == "checkout" and patron is not None:
            allowed = await asyncio.to_thread(self.policy.allowance, patron)
        due = None if operation == "checkin" else explain.iso_due(self.policy.due(now))
        for index, job in enumerate(jobs):
            why = refusal or (Reason.OFFLINE_LIMIT if index >= allowed else None)
            if why is not None:
                job.entry = await asyncio.to_thread(self.journal.update, job.entry.id,
                                                    state="refused", reason=why.value)
                results[job.entry.id] = self._final(job, "refused", why)
                continue
            job.entry = await asyncio.to_thread(self.journal.update, job.entry.id,
                                                mode="offline", due=due)
            job.due = explain.parse_due(due)
            queue.put_nowait(job)
        self._queue_changed()

    async def _offline_batch(self, operation: Operation, patron: Patron | None,
                             units: list[Unit]) -> list[ItemResult]:
        now = self.now()
        refusal = self.policy.refusal(operation, patron, self.ils.offline_since, now)
        if refusal is not None:
            return [ItemResult(u.pii, "refused", u.title, refusal, uids=u.uids) for u in units]
        allowed = len(units)
        if operation == "checkout" and patron is not None:
            allowed = await asyncio.to_thread(self.policy.allowance, patron)
        due = None if operation == "checkin" else explain.iso_due(self.policy.due(now))
        taken, over = units[:allowed], units[allowed:]
        entries = await asyncio.to_thread(self.journal.begin, [
            NewEntry(operation, "offline", u.pii, _iso(now), u.uids,
                     patron.id if patron else None, u.title, due=due) for u in taken])
        self.checkpoint("journaled")
        results = []
        for unit, entry in zip(taken, entries, strict=True):
            job = Job(operation, unit, entry, patron, due=explain.parse_due(due))
            results.append(await self._finish_offline(job))
        results += [ItemResult(u.pii, "refused", u.title, Reason.OFFLINE_LIMIT, uids=u.uids)
                    for u in over]
        self._queue_changed()
        return results

    async def _finish_offline(self, job: Job) -> ItemResult:
        self._progress(job, "tag")
        alerts: list[Event] = []
        status: ItemStatus = "queued"
        reason = None
        detail = None
        try:
            await self._write_tags(job, secured=job.operation == "checkin")
        except ReaderError as exc:
            reason, detail = tag_reason(exc), str(exc)
            pii = job.unit.pii
            uid = job.unit.uids[0] if job.unit.uids else None
            if job.operation != "checkin":
                resecured = await self._try_secure(job.unit.uids)
                code = "tag_write_failed" if resecured else "tag_state_unknown"
                alert = events.staff_alert(
                    alert=code, severity="warning" if resecured else "critical", item=pii,
                    uid=uid, message=_("Offline checkout of {pii} was cancelled: its tag could "
                                       "not be set ({error}).").format(pii=pii, error=exc))
                job.entry = await asyncio.to_thread(
                    self.journal.update, job.entry.id, state="undone", alert=code,
                    reason=reason.value, detail=detail, events=[alert])
                return self._final(job, "refused", reason, detail)
            status = "alert"
            alerts.append(events.staff_alert(
                alert="checkin_not_secured", severity="warning", item=pii, uid=uid,
                message=_("Item {pii} was returned but its tag could not be secured "
                          "({error}).").format(pii=pii, error=exc)))
        self.checkpoint("tag_written")
        entry = job.entry
        offline_event = events.offline_transaction(
            operation=job.operation, item=entry.item,
            transaction_time=entry.transaction_time, patron=entry.patron, due=entry.due)
        job.entry = await asyncio.to_thread(
            self.journal.update, entry.id, state="queued", reason=reason and reason.value,
            detail=detail, alert="checkin_not_secured" if alerts else None,
            events=[offline_event, *alerts])
        self.checkpoint("completed")
        routing = OFFLINE_ROUTING if job.operation == "checkin" else None
        return self._final(job, status, reason, detail, routing=routing)

    # ------------------------------------------------------------- results

    def _final(self, job: Job, status: ItemStatus, reason: Reason | None = None,
               detail: str | None = None, *, routing: CheckinRouting | None = None,
               due: datetime | None = None) -> ItemResult:
        result = ItemResult(
            pii=job.unit.pii, status=status, title=job.unit.title, reason=reason,
            detail=detail, due=due or (job.due if status in ("done", "queued") else None),
            routing=routing, uids=job.unit.uids, transaction_id=job.entry.txn_id)
        self._progress(job, status, result)
        return result

    def _progress(self, job: Job, step: Step, result: ItemResult | None = None) -> None:
        self.emit(ItemProgress(job.operation, job.unit.pii, step, result))

    def _queue_changed(self) -> None:
        self.on_queue()


def tag_reason(error: ReaderError) -> Reason:
    if isinstance(error, TagNotPresentError):
        return Reason.TAG_LEFT
    if isinstance(error, TransportError):
        return Reason.READER_UNAVAILABLE
    return Reason.TAG_WRITE_FAILED


def _iso(now: datetime) -> str:
    return now.replace(microsecond=0).isoformat()
