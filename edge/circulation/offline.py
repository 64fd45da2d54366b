"""Offline mode's policy (``[offline]``): what a device may do while the ILS
cannot be reached, and the due date it gives. The journal and the replay
are in :mod:`edge.circulation.journal` and :mod:`edge.circulation.replay`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from edge.circulation.journal import Journal
from edge.circulation.model import Operation, Patron
from edge.circulation.reasons import Reason
from edge.config.models import OfflineSection


class OfflinePolicy:
    def __init__(self, section: OfflineSection, journal: Journal) -> None:
        self.section = section
        self.journal = journal

    def accepting(self, offline_since: datetime | None, now: datetime) -> bool:
        return self.section.enabled and not self.too_long(offline_since, now)

    def too_long(self, offline_since: datetime | None, now: datetime) -> bool:
        if offline_since is None:
            return False
        return now - offline_since > timedelta(hours=self.section.max_offline_hours)

    def refusal(self, operation: Operation, patron: Patron | None,
                offline_since: datetime | None, now: datetime) -> Reason | None:
        """Why ``operation`` may not be done offline now, or None."""
        if not self.section.enabled:
            return Reason.ILS_UNAVAILABLE
        if operation not in self.section.operations:
            return Reason.OFFLINE_NOT_ALLOWED
        if self.too_long(offline_since, now):
            return Reason.OFFLINE_TOO_LONG
        if operation != "checkin" and patron is not None and patron.blocked:
            return Reason.PATRON_BLOCKED
        return None

    def allowance(self, patron: Patron) -> int:
        """How many more items ``patron`` may borrow offline (synchronous:
        reads the journal)."""
        taken = self.journal.offline_loans(patron.id)
        return max(0, self.section.max_items_per_patron - taken)

    def due(self, now: datetime) -> datetime:
        """The due date of an offline loan: the end of the day, ``loan_days``
        from now (library time, naive, as SIP2 carries it)."""
        day = (now + timedelta(days=self.section.loan_days)).replace(tzinfo=None)
        return day.replace(hour=23, minute=59, second=59, microsecond=0)
