"""What the circulation service gives its callers (the kiosk, the book
drop): patrons, the stack on the pad, transaction results, status and the
events of its state stream. All immutable; a refusal is a value with a
:class:`~edge.circulation.reasons.Reason`, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from edge.circulation.reasons import Reason

Operation = Literal["checkout", "checkin", "renew"]
RoutingAction = Literal["shelf", "hold", "transit", "alert"]
SecurityState = Literal["secured", "on_loan", "unknown"]

# ------------------------------------------------------------------ patrons


@dataclass(frozen=True, slots=True)
class CardUid:
    """A library card (PC/SC or NFC) by its UID, most significant byte first
    as the reader reports it."""

    uid: bytes
    reader: str = ""


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """Text read from a barcode or QR code (or an NFC tag's NDEF text)."""

    text: str
    symbology: str | None = None


@dataclass(frozen=True, slots=True)
class TypedNumber:
    """A card number typed on the on-screen keyboard."""

    text: str


Credential = CardUid | ScannedCode | TypedNumber


@dataclass(frozen=True, slots=True)
class Patron:
    """An identified patron. ``offline``: identified while the ILS could not
    be reached (from the device's cache and rules, not the ILS)."""

    id: str
    name: str | None = None
    #: ``vi`` or ``en`` when the ILS says, else None.
    language: str | None = None
    email: str | None = None
    blocked: bool = False
    #: The ILS's words for the block, if it gave any.
    block_reason: str | None = None
    #: SIP2 patron status flags (charge_privileges_denied, ...).
    flags: frozenset[str] = frozenset()
    fines: str = ""
    currency: str = ""
    offline: bool = False
    screen_messages: tuple[str, ...] = ()
    #: Kept for the SIP2 requests of this session; never shown or logged.
    pin: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class IdentifyResult:
    """``ok`` with a patron; ``pin_required`` (ask for the PIN and call
    identify again with it); or ``refused`` with a reason."""

    status: Literal["ok", "pin_required", "refused"]
    patron: Patron | None = None
    reason: Reason | None = None
    detail: str | None = None
    #: The ILS patron id the credential mapped to (also when refused).
    patron_id: str | None = None


@dataclass(frozen=True, slots=True)
class LoanInfo:
    pii: str
    title: str | None
    #: Library-local time (naive); None when the ILS did not say.
    due: datetime | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class HoldInfo:
    pii: str
    title: str | None
    #: Waiting on the hold shelf for the patron.
    ready: bool


@dataclass(frozen=True, slots=True)
class PatronSummary:
    """The account screen: loans with due dates, holds, fines, blocks."""

    patron: Patron
    loans: tuple[LoanInfo, ...]
    holds: tuple[HoldInfo, ...]
    overdue_count: int
    fines: str
    currency: str
    fine_items: tuple[str, ...]
    blocked: bool
    block_reason: str | None
    #: Offline: only what this device knows (its own offline loans).
    offline: bool = False


@dataclass(frozen=True, slots=True)
class SummaryResult:
    summary: PatronSummary | None
    reason: Reason | None = None
    detail: str | None = None


# -------------------------------------------------------------------- stack


@dataclass(frozen=True, slots=True)
class StackTag:
    """One tag on the pad. ``pii`` is None until its memory is read (or when
    it cannot be decoded: ``problem`` then says why)."""

    uid: str
    antenna: int = 1
    pii: str | None = None
    owner_isil: str | None = None
    parts_in_item: int | None = None
    part_number: int | None = None
    title: str | None = None
    problem: Reason | None = None
    detail: str | None = None

    @property
    def read(self) -> bool:
        return self.pii is not None or self.problem is not None


@dataclass(frozen=True, slots=True)
class StackItem:
    """One library item on the pad; a multi-part set counts once, with the
    parts found and the parts missing."""

    pii: str
    uids: tuple[str, ...]
    title: str | None = None
    owner_isil: str | None = None
    parts_in_item: int = 1
    parts_present: tuple[int, ...] = ()
    missing_parts: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing_parts


@dataclass(frozen=True, slots=True)
class StackProblem:
    reason: Reason
    uid: str | None = None
    pii: str | None = None
    #: For SET_INCOMPLETE: the part numbers missing.
    missing_parts: tuple[int, ...] = ()
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Stack:
    """What is on the pad now."""

    tags: tuple[StackTag, ...] = ()
    items: tuple[StackItem, ...] = ()
    problems: tuple[StackProblem, ...] = ()

    @property
    def tag_count(self) -> int:
        return len(self.tags)

    @property
    def reading(self) -> int:
        """Tags whose memory is still being read."""
        return sum(1 for tag in self.tags if not tag.read)

    @property
    def ready(self) -> bool:
        """Every tag read and every set complete."""
        return self.reading == 0 and not self.problems

    def item(self, pii: str) -> StackItem | None:
        return next((item for item in self.items if item.pii == pii), None)

    def count_matches(self, stated: int) -> bool:
        """Whether ``stated`` pieces (what the patron says they put down) is
        the number of tags on the pad: every part of a set has its own tag."""
        return stated == self.tag_count


# ------------------------------------------------------------- transactions


@dataclass(frozen=True, slots=True)
class CheckinRouting:
    """Where a returned item goes, from the ILS's check-in answer: ``shelf``,
    ``hold`` (hold shelf, for ``hold_patron_id``), ``transit`` (to
    ``destination``), or ``alert`` (staff must look: the ILS raised an alert
    we cannot read, or it was returned offline and the route is unknown)."""

    action: RoutingAction
    destination: str | None = None
    hold_patron_id: str | None = None
    hold_patron_name: str | None = None
    sort_bin: str | None = None
    message: str | None = None
    #: False when returned offline (the ILS will route it when replayed).
    known: bool = True


ItemStatus = Literal["done", "queued", "refused", "alert"]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a transaction.

    ``done``: made in the ILS and on the tag. ``queued``: made offline, on the
    tag, journaled, replayed when the ILS returns. ``refused``: nothing changed
    (``reason`` says why; ``detail`` holds the ILS's own words if any).
    ``alert``: made in the ILS but the tag could not be set; staff have been
    alerted (``reason`` says what failed).
    """

    pii: str
    status: ItemStatus
    title: str | None = None
    reason: Reason | None = None
    detail: str | None = None
    due: datetime | None = None
    routing: CheckinRouting | None = None
    uids: tuple[str, ...] = ()
    #: For SET_INCOMPLETE.
    missing_parts: tuple[int, ...] = ()
    #: The journal entry's id (transaction id, UUIDv7); None if never journaled.
    transaction_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("done", "queued")


@dataclass(frozen=True, slots=True)
class TransactionResult:
    """A checkout, return or renewal of several items. ``reason`` is set when
    the whole request was refused before any item was tried (the count
    did not match, the device is locked, offline mode does not allow it)."""

    operation: Operation
    items: tuple[ItemResult, ...] = ()
    patron_id: str | None = None
    offline: bool = False
    reason: Reason | None = None
    detail: str | None = None

    @property
    def done(self) -> tuple[ItemResult, ...]:
        return tuple(item for item in self.items if item.ok)

    @property
    def refused(self) -> tuple[ItemResult, ...]:
        return tuple(item for item in self.items if not item.ok)


# ------------------------------------------------------------ status, events


@dataclass(frozen=True, slots=True)
class OfflineStatus:
    """The ILS link and the offline journal."""

    ils_online: bool
    #: When the ILS went away (library-local, naive); None when online.
    offline_since: datetime | None
    #: Offline transactions waiting to be replayed.
    queued: int
    #: Replayed offline transactions the ILS did not accept as made.
    conflicts: int
    #: Transactions interrupted (e.g. by a power cut) not yet finished.
    unfinished: int
    #: Whether offline mode may take new transactions now.
    accepting: bool


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    offline: OfflineStatus
    reader: str
    locked: bool
    lock_reason: str | None
    lock_version: int


@dataclass(frozen=True, slots=True)
class StackChanged:
    stack: Stack


Step = Literal["ils", "tag", "done", "queued", "refused", "alert"]


@dataclass(frozen=True, slots=True)
class ItemProgress:
    """A step of one item's transaction, for a progress row on screen.
    ``result`` is set on the final steps (done, queued, refused, alert)."""

    operation: Operation
    pii: str
    step: Step
    result: ItemResult | None = None


@dataclass(frozen=True, slots=True)
class IlsChanged:
    online: bool
    status: OfflineStatus


@dataclass(frozen=True, slots=True)
class ReaderChanged:
    state: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LockChanged:
    locked: bool
    reason: str | None
    version: int


@dataclass(frozen=True, slots=True)
class QueueChanged:
    status: OfflineStatus


@dataclass(frozen=True, slots=True)
class CardPresented:
    """A patron card was put on the card reader: call identify() with it."""

    credential: Credential


ServiceEvent = (StackChanged | ItemProgress | IlsChanged | ReaderChanged | LockChanged
                | QueueChanged | CardPresented)
