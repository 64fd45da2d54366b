"""The patron's account screen: loans with due dates, holds, fines, blocks.

SIP2 63 sends one item list per request, so the summary asks for the
charged items, the holds ready and the holds waiting, then each loan's due
date and title (17; titles come from the cache when known). Offline, the
device shows what it knows: the patron as cached and the loans it made
offline itself.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from edge.circulation import explain
from edge.circulation.caches import Caches
from edge.circulation.errors import IlsUnavailable
from edge.circulation.ilslink import IlsLink
from edge.circulation.journal import Journal
from edge.circulation.model import HoldInfo, LoanInfo, Patron, PatronSummary, SummaryResult
from edge.circulation.reasons import Reason

#: Longest list asked for (SIP2 BP/BQ).
MAX_ITEMS = 200


class Accounts:
    def __init__(self, ils: IlsLink, caches: Caches, journal: Journal) -> None:
        self.ils = ils
        self.caches = caches
        self.journal = journal
        #: PII -> due date (ISO) from the last summaries: a renewal's "before".
        self.known_due: dict[str, str] = {}

    async def summary(self, patron: Patron, now: datetime) -> SummaryResult:
        try:
            return await self._online(patron, now)
        except IlsUnavailable:
            return await self._offline(patron, now)

    async def _online(self, patron: Patron, now: datetime) -> SummaryResult:
        ils, pid, pin = self.ils, patron.id, patron.pin
        charged = await ils.call(lambda c: c.patron_information(
            pid, pin, summary="charged_items", start_item=1, end_item=MAX_ITEMS))
        if charged.valid_patron is False:
            return SummaryResult(None, Reason.PATRON_UNKNOWN)
        ready = await ils.call(lambda c: c.patron_information(
            pid, pin, summary="hold_items", start_item=1, end_item=MAX_ITEMS))
        waiting = await ils.call(lambda c: c.patron_information(
            pid, pin, summary="unavailable_holds", start_item=1, end_item=MAX_ITEMS))
        local_now = now.replace(tzinfo=None)
        loans = []
        for pii in charged.charged_items:
            item = await ils.call(lambda c, p=pii: c.item_information(p))  # type: ignore[misc]
            title = item.title_identifier or await asyncio.to_thread(self.caches.title, pii)
            if item.title_identifier:
                await asyncio.to_thread(self.caches.remember_title, pii, item.title_identifier)
            due = item.due
            if due is not None:
                self.known_due[pii] = explain.iso_due(due) or ""
            loans.append(LoanInfo(pii, title, due, due is not None and due < local_now))
        holds = [HoldInfo(p, await self._title(p), True) for p in ready.hold_items]
        holds += [HoldInfo(p, await self._title(p), False) for p in waiting.unavailable_hold_items]
        blocked = charged.blocked
        return SummaryResult(PatronSummary(
            patron=patron, loans=tuple(sorted(loans, key=_due_key)), holds=tuple(holds),
            overdue_count=sum(1 for loan in loans if loan.overdue),
            fines=charged.fee_amount, currency=charged.currency_type,
            fine_items=charged.fine_items, blocked=blocked,
            block_reason=(explain.screen_text(charged) if blocked else None)))

    async def _title(self, pii: str) -> str | None:
        title = await asyncio.to_thread(self.caches.title, pii)
        if title is None:
            try:
                item = await self.ils.call(lambda c: c.item_information(pii))
            except IlsUnavailable:
                return None
            title = item.title_identifier or None
            if title:
                await asyncio.to_thread(self.caches.remember_title, pii, title)
        return title

    async def _offline(self, patron: Patron, now: datetime) -> SummaryResult:
        local_now = now.replace(tzinfo=None)
        loans = []
        for entry in await asyncio.to_thread(self.journal.offline_entries, patron.id):
            if entry.operation == "checkin":
                continue
            due = explain.parse_due(entry.due)
            title = entry.title or await asyncio.to_thread(self.caches.title, entry.item)
            loans.append(LoanInfo(entry.item, title, due, due is not None and due < local_now))
        return SummaryResult(PatronSummary(
            patron=patron, loans=tuple(loans), holds=(), overdue_count=0, fines="",
            currency="", fine_items=(), blocked=patron.blocked,
            block_reason=patron.block_reason, offline=True))


def _due_key(loan: LoanInfo) -> datetime:
    return loan.due or datetime.max
