"""Typed results of the SIP2 responses (3M SIP2 2.00 responses, 3M
extensions CR/CS/CT/CV/CY/DA, Envisionware PA/PB/PC).

Every result has ``ok`` (did the ACS do / allow it), the response's fixed
fields typed, its variable fields by name, ``screen_message`` (AF) and
``print_line`` (AG) as lists, ``extra``: the fields this message does not
define (vendor fields) in wire order, and ``message``: the decoded message
itself. A refusal is a result with ``ok = False``, never an exception.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

from .fields import ALERT_TYPES, CIRCULATION_STATUS, SUPPORTED_MESSAGES, SipDate, parse_free_date
from .messages import SPECS, FixedValue, Message

R = TypeVar("R", bound="Sip2Result")


def _sip(source: str, default: Any = "") -> Any:
    """A result attribute read from a fixed field (``@name``) or a field id."""
    return field(default=default, metadata={"sip": source})


_Plan = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...], frozenset[str],
              bool]
#: Attributes every result sets besides those read from SIP fields.
_BASE = frozenset({"ok", "message", "transaction_date", "screen_message", "print_line", "extra"})


@functools.cache
def _plan(cls: type, code: str) -> _Plan:
    """Which attribute reads which fixed field or field id, as what; the
    field ids that are not vendor extras for ``code``; and whether those
    attributes are all the class has (then a result is built by filling
    its ``__dict__`` at once: a frozen dataclass's ``__init__`` sets each
    attribute through ``object.__setattr__``, the larger part of the cost)."""
    fixed: list[tuple[str, str]] = []
    variable: list[tuple[str, str, str]] = []
    for spec in dataclasses.fields(cls):
        source = spec.metadata.get("sip")
        if source is None:
            continue
        if source.startswith("@"):
            fixed.append((spec.name, source[1:]))
            continue
        kind = str(spec.type)
        variable.append((spec.name, source, "list" if kind.startswith("tuple") else
                         "flag" if kind.startswith("bool") else
                         "int" if kind.startswith("int") else "str"))
    known = {v[1] for v in variable} | set(SPECS[code].fields if code in SPECS else ())
    names = {f.name for f in dataclasses.fields(cls)}
    direct = (names == _BASE | {f[0] for f in fixed} | {v[0] for v in variable}
              and not hasattr(cls, "__post_init__") and hasattr(cls, "__dict__")
              and "__slots__" not in vars(cls))
    return (tuple(fixed), tuple(variable), frozenset(known), direct)


def _flag(value: str | None) -> bool | None:
    if not value:
        return None
    first = value[:1].upper()
    return True if first == "Y" else False if first == "N" else None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.strip()
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True, kw_only=True)
class Sip2Result:
    """What every response carries."""

    #: The response code this result reads.
    CODES: ClassVar[tuple[str, ...]] = ()
    #: Properties :meth:`named` adds to the fields.
    DERIVED: ClassVar[tuple[str, ...]] = ()
    #: The fixed field that says whether the ACS did it.
    OK_FIELD: ClassVar[str] = "ok"

    ok: bool
    message: Message = field(repr=False, compare=False)
    transaction_date: SipDate | None = None
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_message(cls: type[R], message: Message) -> R:
        """The result of ``message`` (whose code must be one of CODES)."""
        if cls.CODES and message.code not in cls.CODES:
            raise ValueError(f"{cls.__name__} reads {'/'.join(cls.CODES)}, not {message.code}")
        fixed_plan, field_plan, known, direct = _plan(cast(type, cls), message.code)
        every: dict[str, list[str]] = {}
        extra = []
        for pair in message.fields:
            fid = pair[0]
            got = every.get(fid)
            if got is None:
                every[fid] = [pair[1]]
            else:
                got.append(pair[1])
            if fid not in known:
                extra.append(pair)
        fixed = message.fixed
        values: dict[str, Any] = {name: fixed.get(source) for name, source in fixed_plan}
        for name, fid, kind in field_plan:
            got = every.get(fid)
            if kind == "str":
                values[name] = got[0] if got else ""
            elif kind == "list":
                values[name] = tuple(got) if got else ()
            elif kind == "flag":
                values[name] = _flag(got[0]) if got else None
            else:
                values[name] = _int(got[0]) if got else None
        values["extra"] = tuple(extra)
        values["transaction_date"] = fixed.get("transaction_date")
        af, ag = every.get("AF"), every.get("AG")
        values["screen_message"] = tuple(af) if af else ()
        values["print_line"] = tuple(ag) if ag else ()
        values["ok"] = cls._ok(message, values)
        values["message"] = message
        if direct:
            result = object.__new__(cls)
            result.__dict__.update(values)
            return result
        return cls(**values)

    @classmethod
    def _ok(cls, message: Message, values: dict[str, Any]) -> bool:
        return bool(message.fixed.get(cls.OK_FIELD))

    def named(self) -> dict[str, Any]:
        """Plain data for ``--json``: every attribute but ``message``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "message":
                continue
            value = getattr(self, f.name)
            if isinstance(value, SipDate):
                when = value.when
                value = when.isoformat() if when else value.raw
            elif isinstance(value, frozenset):
                value = sorted(value)
            elif f.name == "extra":
                value = [list(pair) for pair in value]
            out[f.name] = value
        for name in self.DERIVED:
            value = getattr(self, name)
            out[name] = sorted(value) if isinstance(value, frozenset) else value
        return out


@dataclass(frozen=True, kw_only=True)
class LoginResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("94",)


@dataclass(frozen=True, kw_only=True)
class AcsStatus(Sip2Result):
    """98: what the ACS allows and how it wants to be talked to.
    ``ok`` is the on-line status."""

    CODES: ClassVar[tuple[str, ...]] = ("98",)
    OK_FIELD: ClassVar[str] = "online_status"
    DERIVED: ClassVar[tuple[str, ...]] = ("supported_messages", "timeout_s", "retries")
    online: bool | None = _sip("@online_status", None)
    checkin_ok: bool | None = _sip("@checkin_ok", None)
    checkout_ok: bool | None = _sip("@checkout_ok", None)
    acs_renewal_policy: bool | None = _sip("@acs_renewal_policy", None)
    status_update_ok: bool | None = _sip("@status_update_ok", None)
    offline_ok: bool | None = _sip("@offline_ok", None)
    #: Tenths of a second; 0 = off-line, 999 = unknown.
    timeout_period: int | None = _sip("@timeout_period", None)
    #: 999 = unknown.
    retries_allowed: int | None = _sip("@retries_allowed", None)
    date_time_sync: SipDate | None = _sip("@date_time_sync", None)
    protocol_version: str = _sip("@protocol_version")
    institution_id: str = _sip("AO")
    library_name: str = _sip("AM")
    supported_messages_raw: str = _sip("BX")
    terminal_location: str = _sip("AN")

    @property
    def supported_messages(self) -> frozenset[str]:
        """Request codes the ACS says it supports (BX)."""
        return frozenset(code for code, flag in zip(SUPPORTED_MESSAGES,
                                                   self.supported_messages_raw, strict=False)
                         if flag == "Y")

    def supports(self, code: str) -> bool | None:
        """True/False for a request code; None when the ACS did not say."""
        if len(self.supported_messages_raw) <= SUPPORTED_MESSAGES.index(code):
            return None
        return code in self.supported_messages

    @property
    def timeout_s(self) -> float | None:
        """The ACS's transaction timeout in seconds (None: not given)."""
        period = self.timeout_period
        return None if period is None or period in (0, 999) else period / 10

    @property
    def retries(self) -> int | None:
        return None if self.retries_allowed in (None, 999) else self.retries_allowed


@dataclass(frozen=True, kw_only=True)
class PatronStatusResult(Sip2Result):
    """24 (patron status, block patron) and 26 (patron enable). ``ok``: the
    patron is valid and, when a PIN was checked, the PIN is right."""

    CODES: ClassVar[tuple[str, ...]] = ("24", "26")
    DERIVED: ClassVar[tuple[str, ...]] = ("blocked",)
    patron_status: frozenset[str] = _sip("@patron_status", frozenset())
    language: str = _sip("@language")
    institution_id: str = _sip("AO")
    patron_identifier: str = _sip("AA")
    personal_name: str = _sip("AE")
    valid_patron: bool | None = _sip("BL", None)
    valid_patron_password: bool | None = _sip("CQ", None)
    currency_type: str = _sip("BH")
    fee_amount: str = _sip("BV")

    @classmethod
    def _ok(cls, message: Message, values: dict[str, Any]) -> bool:
        valid = values.get("valid_patron")
        if valid is None:
            valid = bool(values.get("personal_name"))
        return bool(valid) and values.get("valid_patron_password") is not False

    @property
    def blocked(self) -> bool:
        """The ACS denies this patron charging (borrowing)."""
        return "charge_privileges_denied" in self.patron_status


@dataclass(frozen=True, kw_only=True)
class PatronInformationResult(PatronStatusResult):
    """64: the patron's details, counts and (per summary) one item list."""

    CODES: ClassVar[tuple[str, ...]] = ("64",)
    hold_items_count: int | None = _sip("@hold_items_count", None)
    overdue_items_count: int | None = _sip("@overdue_items_count", None)
    charged_items_count: int | None = _sip("@charged_items_count", None)
    fine_items_count: int | None = _sip("@fine_items_count", None)
    recall_items_count: int | None = _sip("@recall_items_count", None)
    unavailable_holds_count: int | None = _sip("@unavailable_holds_count", None)
    hold_items_limit: int | None = _sip("BZ", None)
    overdue_items_limit: int | None = _sip("CA", None)
    charged_items_limit: int | None = _sip("CB", None)
    fee_limit: str = _sip("CC")
    hold_items: tuple[str, ...] = _sip("AS", ())
    overdue_items: tuple[str, ...] = _sip("AT", ())
    charged_items: tuple[str, ...] = _sip("AU", ())
    fine_items: tuple[str, ...] = _sip("AV", ())
    recall_items: tuple[str, ...] = _sip("BU", ())
    unavailable_hold_items: tuple[str, ...] = _sip("CD", ())
    home_address: str = _sip("BD")
    email_address: str = _sip("BE")
    home_phone_number: str = _sip("BF")
    #: Vendor extensions: Envisionware (Koha, Evergreen), Evergreen's AQ.
    patron_expiration: str = _sip("PA")
    patron_birth_date: str = _sip("PB")
    patron_class: str = _sip("PC")
    home_library: str = _sip("AQ")


@dataclass(frozen=True, kw_only=True)
class CheckoutResult(Sip2Result):
    """12 (checkout) and 30 (renew)."""

    CODES: ClassVar[tuple[str, ...]] = ("12", "30")
    DERIVED: ClassVar[tuple[str, ...]] = ("due",)
    renewal_ok: bool | None = _sip("@renewal_ok", None)
    magnetic_media: bool | None = _sip("@magnetic_media", None)
    desensitize: bool | None = _sip("@desensitize", None)
    institution_id: str = _sip("AO")
    patron_identifier: str = _sip("AA")
    item_identifier: str = _sip("AB")
    title_identifier: str = _sip("AJ")
    #: AH as the server sent it (free text; see :attr:`due`).
    due_date: str = _sip("AH")
    fee_type: str = _sip("BT")
    security_inhibit: bool | None = _sip("CI", None)
    currency_type: str = _sip("BH")
    fee_amount: str = _sip("BV")
    media_type: str = _sip("CK")
    item_properties: str = _sip("CH")
    transaction_id: str = _sip("BK")

    @property
    def due(self) -> datetime | None:
        """The due date when AH is in a form we know, else None."""
        return parse_free_date(self.due_date) if self.due_date else None


RenewResult = CheckoutResult


@dataclass(frozen=True, kw_only=True)
class CheckinResult(Sip2Result):
    """10: the return, with what a book drop needs to sort the item."""

    CODES: ClassVar[tuple[str, ...]] = ("10",)
    DERIVED: ClassVar[tuple[str, ...]] = ("route", "alert_kind")
    resensitize: bool | None = _sip("@resensitize", None)
    magnetic_media: bool | None = _sip("@magnetic_media", None)
    alert: bool | None = _sip("@alert", None)
    institution_id: str = _sip("AO")
    item_identifier: str = _sip("AB")
    permanent_location: str = _sip("AQ")
    title_identifier: str = _sip("AJ")
    sort_bin: str = _sip("CL")
    patron_identifier: str = _sip("AA")
    media_type: str = _sip("CK")
    item_properties: str = _sip("CH")
    collection_code: str = _sip("CR")
    call_number: str = _sip("CS")
    #: CT: where the item must go (transit destination, hold pickup library).
    destination_location: str = _sip("CT")
    #: CV: 01 hold here, 02 hold elsewhere, 03 hold ILL, 04 transit, 99 other.
    alert_type: str = _sip("CV")
    hold_patron_id: str = _sip("CY")
    hold_patron_name: str = _sip("DA")

    @property
    def alert_kind(self) -> str:
        """The CV code's name (hold_local, transit, ...) or ""."""
        return ALERT_TYPES.get(self.alert_type, "other" if self.alert_type else "")

    @property
    def route(self) -> str:
        """Where the item goes: ``shelf``, ``hold`` (hold shelf), ``transit``
        or ``problem`` (staff must look: refused, or an alert we cannot read).

        Servers that send no CV still raise the alert; a hold patron (CY) or
        a destination (CT) then tells hold from transit.
        """
        if not self.ok:
            return "problem"
        if self.alert_type in ("01", "02", "03"):
            return "hold"
        if self.alert_type == "04":
            return "transit"
        if not self.alert:
            return "shelf"
        if self.alert_type:
            return "problem"
        if self.hold_patron_id or self.hold_patron_name:
            return "hold"
        return "transit" if self.destination_location else "problem"


@dataclass(frozen=True, kw_only=True)
class RenewAllResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("66",)
    renewed_count: int | None = _sip("@renewed_count", None)
    unrenewed_count: int | None = _sip("@unrenewed_count", None)
    institution_id: str = _sip("AO")
    renewed_items: tuple[str, ...] = _sip("BM", ())
    unrenewed_items: tuple[str, ...] = _sip("BN", ())


@dataclass(frozen=True, kw_only=True)
class ItemInformationResult(Sip2Result):
    """18. ``ok``: the ACS knows the item (it sent a title)."""

    CODES: ClassVar[tuple[str, ...]] = ("18",)
    DERIVED: ClassVar[tuple[str, ...]] = ("circulation_status_name", "due")
    circulation_status: str = _sip("@circulation_status")
    security_marker: str = _sip("@security_marker")
    fee_type: str = _sip("@fee_type")
    hold_queue_length: int | None = _sip("CF", None)
    due_date: str = _sip("AH")
    recall_date: str = _sip("CJ")
    hold_pickup_date: str = _sip("CM")
    item_identifier: str = _sip("AB")
    title_identifier: str = _sip("AJ")
    owner: str = _sip("BG")
    currency_type: str = _sip("BH")
    fee_amount: str = _sip("BV")
    media_type: str = _sip("CK")
    permanent_location: str = _sip("AQ")
    current_location: str = _sip("AP")
    item_properties: str = _sip("CH")
    collection_code: str = _sip("CR")
    call_number: str = _sip("CS")
    destination_location: str = _sip("CT")

    @classmethod
    def _ok(cls, message: Message, values: dict[str, Any]) -> bool:
        return bool(values.get("title_identifier"))

    @property
    def circulation_status_name(self) -> str:
        return CIRCULATION_STATUS.get(self.circulation_status, "other")

    @property
    def due(self) -> datetime | None:
        return parse_free_date(self.due_date) if self.due_date else None


@dataclass(frozen=True, kw_only=True)
class ItemStatusUpdateResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("20",)
    OK_FIELD: ClassVar[str] = "item_properties_ok"
    item_identifier: str = _sip("AB")
    title_identifier: str = _sip("AJ")
    item_properties: str = _sip("CH")


@dataclass(frozen=True, kw_only=True)
class EndSessionResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("36",)
    OK_FIELD: ClassVar[str] = "end_session"
    institution_id: str = _sip("AO")
    patron_identifier: str = _sip("AA")


@dataclass(frozen=True, kw_only=True)
class FeePaidResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("38",)
    OK_FIELD: ClassVar[str] = "payment_accepted"
    institution_id: str = _sip("AO")
    patron_identifier: str = _sip("AA")
    transaction_id: str = _sip("BK")


@dataclass(frozen=True, kw_only=True)
class HoldResult(Sip2Result):
    CODES: ClassVar[tuple[str, ...]] = ("16",)
    available: bool | None = _sip("@available", None)
    expiration_date: str = _sip("BW")
    queue_position: int | None = _sip("BR", None)
    pickup_location: str = _sip("BS")
    institution_id: str = _sip("AO")
    patron_identifier: str = _sip("AA")
    item_identifier: str = _sip("AB")
    title_identifier: str = _sip("AJ")


#: Response code -> result class.
RESULTS: dict[str, type[Sip2Result]] = {
    code: cls for cls in (LoginResult, AcsStatus, PatronStatusResult, PatronInformationResult,
                          CheckoutResult, CheckinResult, RenewAllResult, ItemInformationResult,
                          ItemStatusUpdateResult, EndSessionResult, FeePaidResult, HoldResult)
    for code in cls.CODES
}


def result_of(message: Message) -> Sip2Result:
    """The typed result of any response message."""
    cls = RESULTS.get(message.code)
    if cls is None:
        raise ValueError(f"no result type for message {message.code}")
    return cls.from_message(message)


__all__ = [
    "AcsStatus", "CheckinResult", "CheckoutResult", "EndSessionResult", "FeePaidResult",
    "FixedValue", "HoldResult", "ItemInformationResult", "ItemStatusUpdateResult",
    "LoginResult", "PatronInformationResult", "PatronStatusResult", "RenewAllResult",
    "RenewResult", "Sip2Result", "result_of",
]
