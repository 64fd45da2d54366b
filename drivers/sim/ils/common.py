"""Helpers shared by the demo ILS's message handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from drivers.sip2.fields import SipDate
from drivers.sip2.messages import FixedValue, Message

from .policy import Policy
from .store import Event, Hold, Item, Loan, Patron, Store

#: Screen messages: the ILS speaks Vietnamese first, English after.
UNKNOWN_PATRON = "Không tìm thấy bạn đọc / Unknown patron"
UNKNOWN_ITEM = "Không tìm thấy tài liệu / Unknown item"
WRONG_PIN = "Sai mã PIN / Wrong PIN"


class Context:
    """What one request's handler works with: the catalogue, the rules, the
    clock and the request itself."""

    def __init__(self, store: Store, policy: Policy, clock: Callable[[], datetime],
                 request: Message) -> None:
        self.store = store
        self.policy = policy
        self.now = clock().replace(microsecond=0)
        self.request = request

    # -- the request
    def get(self, field_id: str) -> str:
        return self.request.get(field_id) or ""

    def flag(self, name: str) -> bool:
        return bool(self.request.fixed.get(name))

    def date(self, name: str = "transaction_date") -> datetime | None:
        value = self.request.fixed.get(name)
        return value.when if isinstance(value, SipDate) else None

    @property
    def transaction_date(self) -> datetime:
        """The SC's transaction date (an offline transaction's original one)."""
        when = self.date()
        return when.replace(tzinfo=None) if when else self.now

    # -- the answer
    @property
    def stamp(self) -> SipDate:
        return SipDate.local(self.now)

    def answer(self, code: str, fixed: dict[str, FixedValue],
               fields: list[tuple[str, str | None]]) -> Message:
        """A response: fixed fields (the transaction date added), then the
        variable fields that have a value."""
        values: dict[str, FixedValue] = {"transaction_date": self.stamp, **fixed}
        return Message(code, values, tuple((f, v) for f, v in fields if v is not None))

    # -- the catalogue
    def patron(self, session: Session, patron_id: str) -> Patron | None:
        if not patron_id:
            return None
        return session.get(Patron, patron_id) or session.exec(
            select(Patron).where(Patron.card_uid == patron_id)).first()

    def pin_ok(self, patron: Patron) -> bool | None:
        """None when no PIN was given (an empty AD counts as none)."""
        pin = self.get("AD")
        return None if not pin else pin == patron.pin

    def log(self, session: Session, kind: str, ok: bool, *, pii: str = "", patron_id: str = "",
            when: datetime | None = None, no_block: bool = False, detail: str = "") -> None:
        session.add(Event(kind=kind, ok=ok, pii=pii, patron_id=patron_id,
                          transaction_date=when or self.transaction_date, recorded_at=self.now,
                          no_block=no_block, detail=detail))


def due_date(start: datetime, days: int) -> datetime:
    return (start + timedelta(days=days)).replace(hour=23, minute=59, second=59, microsecond=0)


def loans_of(session: Session, patron_id: str) -> list[Loan]:
    return list(session.exec(select(Loan).where(Loan.patron_id == patron_id)
                             .order_by(col(Loan.due_at))).all())


def holds_on(session: Session, pii: str) -> list[Hold]:
    return list(session.exec(select(Hold).where(Hold.pii == pii)
                             .order_by(col(Hold.placed_at), col(Hold.id))).all())


def holds_of(session: Session, patron_id: str) -> list[Hold]:
    return list(session.exec(select(Hold).where(Hold.patron_id == patron_id)
                             .order_by(col(Hold.placed_at), col(Hold.id))).all())


def overdue_fine(policy: Policy, loan: Loan, returned: datetime) -> int:
    days = (returned.date() - loan.due_at.date()).days
    return max(0, days) * policy.fine_per_day_vnd


def money(vnd: int) -> str:
    """An amount for BV/CC: whole đồng."""
    return str(vnd)


def vnd(amount: int) -> str:
    """An amount for people: 25.000 (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def status_flags(policy: Policy, session: Session, patron: Patron | None) -> frozenset[str]:
    """The 14-position patron status of SIP2 as names."""
    if patron is None:
        return frozenset({"charge_privileges_denied", "renewal_privileges_denied",
                          "recall_privileges_denied", "hold_privileges_denied"})
    flags: set[str] = set()
    if patron.blocked:
        flags |= {"charge_privileges_denied", "renewal_privileges_denied",
                  "recall_privileges_denied", "hold_privileges_denied"}
    if patron.fines_vnd > policy.fee_limit_vnd:
        flags |= {"excessive_outstanding_fines", "charge_privileges_denied"}
    if patron.max_loans is not None and len(loans_of(session, patron.id)) >= patron.max_loans:
        flags.add("too_many_items_charged")
    return frozenset(flags)


def title_of(session: Session, pii: str) -> str:
    item = session.get(Item, pii)
    return item.title if item else ""
