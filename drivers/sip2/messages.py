"""The messages of SIP2 2.00, both directions (3M SIP2 2.00, "Messages"):
their fixed fields in wire order and the variable fields the spec lists.

One table serves the client (encode requests, decode responses) and a server
(decode requests, encode responses). A decoded message keeps every variable
field in wire order, known or not, so vendor fields survive a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from .fields import FIELDS, SipDate

FixedValue: TypeAlias = bool | int | str | SipDate | frozenset[str] | None

#: Fixed-field kinds (see :mod:`drivers.sip2.fields`).
FLAG, OK, DATE, COUNT, MASK, TEXT = "flag", "ok", "date", "count", "mask", "text"


@dataclass(frozen=True, slots=True)
class Fixed:
    """One fixed-length field: its name, width and kind."""

    name: str
    width: int
    kind: str


@dataclass(frozen=True, slots=True)
class MessageSpec:
    code: str
    name: str
    fixed: tuple[Fixed, ...]
    #: Variable fields the spec lists for this message, in spec order.
    fields: tuple[str, ...]
    #: Of those, the ones the spec marks required.
    required: frozenset[str] = frozenset()
    #: The response code for a request; "" for responses.
    response: str = ""

    @property
    def fixed_width(self) -> int:
        return sum(f.width for f in self.fixed)


def _f(name: str, width: int, kind: str) -> Fixed:
    return Fixed(name, width, kind)


_DATE = _f("transaction_date", 18, DATE)
_LANG = _f("language", 3, TEXT)
_STATUS = _f("patron_status", 14, MASK)
_SCREEN = ("AF", "AG")

_SPECS = (
    # -- requests (SC -> ACS) -------------------------------------------------
    MessageSpec("93", "login", (_f("uid_algorithm", 1, TEXT), _f("pwd_algorithm", 1, TEXT)),
                ("CN", "CO", "CP"), frozenset({"CN", "CO"}), "94"),
    MessageSpec("99", "sc_status", (_f("status_code", 1, TEXT), _f("max_print_width", 3, COUNT),
                                    _f("protocol_version", 4, TEXT)), (), frozenset(), "98"),
    MessageSpec("97", "request_acs_resend", (), (), frozenset(), ""),
    MessageSpec("23", "patron_status_request", (_LANG, _DATE), ("AO", "AA", "AC", "AD"),
                frozenset({"AO", "AA", "AC", "AD"}), "24"),
    MessageSpec("01", "block_patron", (_f("card_retained", 1, FLAG), _DATE),
                ("AO", "AL", "AA", "AC"), frozenset({"AO", "AL", "AA", "AC"}), "24"),
    MessageSpec("11", "checkout", (_f("sc_renewal_policy", 1, FLAG), _f("no_block", 1, FLAG),
                                   _DATE, _f("nb_due_date", 18, DATE)),
                ("AO", "AA", "AB", "AC", "CH", "AD", "BO", "BI"),
                frozenset({"AO", "AA", "AB", "AC"}), "12"),
    MessageSpec("09", "checkin", (_f("no_block", 1, FLAG), _DATE, _f("return_date", 18, DATE)),
                ("AP", "AO", "AB", "AC", "CH", "BI"), frozenset({"AP", "AO", "AB", "AC"}), "10"),
    MessageSpec("63", "patron_information", (_LANG, _DATE, _f("summary", 10, MASK)),
                ("AO", "AA", "AC", "AD", "BP", "BQ"), frozenset({"AO", "AA"}), "64"),
    MessageSpec("35", "end_patron_session", (_DATE,), ("AO", "AA", "AC", "AD"),
                frozenset({"AO", "AA"}), "36"),
    MessageSpec("37", "fee_paid", (_DATE, _f("fee_type", 2, TEXT), _f("payment_type", 2, TEXT),
                                   _f("currency_type", 3, TEXT)),
                ("BV", "AO", "AA", "AC", "AD", "CG", "BK"), frozenset({"BV", "AO", "AA"}), "38"),
    MessageSpec("17", "item_information", (_DATE,), ("AO", "AB", "AC"),
                frozenset({"AO", "AB"}), "18"),
    MessageSpec("19", "item_status_update", (_DATE,), ("AO", "AB", "AC", "CH"),
                frozenset({"AO", "AB", "CH"}), "20"),
    MessageSpec("25", "patron_enable", (_DATE,), ("AO", "AA", "AC", "AD"),
                frozenset({"AO", "AA"}), "26"),
    MessageSpec("15", "hold", (_f("hold_mode", 1, TEXT), _DATE),
                ("BW", "BS", "BY", "AO", "AA", "AD", "AB", "AJ", "AC", "BO"),
                frozenset({"AO", "AA"}), "16"),
    MessageSpec("29", "renew", (_f("third_party_allowed", 1, FLAG), _f("no_block", 1, FLAG),
                                _DATE, _f("nb_due_date", 18, DATE)),
                ("AO", "AA", "AD", "AB", "AJ", "AC", "CH", "BO"), frozenset({"AO", "AA"}), "30"),
    MessageSpec("65", "renew_all", (_DATE,), ("AO", "AA", "AD", "AC", "BO"),
                frozenset({"AO", "AA"}), "66"),
    # -- responses (ACS -> SC) ------------------------------------------------
    MessageSpec("94", "login_response", (_f("ok", 1, OK),), ()),
    MessageSpec("98", "acs_status", (
        _f("online_status", 1, FLAG), _f("checkin_ok", 1, FLAG), _f("checkout_ok", 1, FLAG),
        _f("acs_renewal_policy", 1, FLAG), _f("status_update_ok", 1, FLAG),
        _f("offline_ok", 1, FLAG), _f("timeout_period", 3, COUNT),
        _f("retries_allowed", 3, COUNT), _f("date_time_sync", 18, DATE),
        _f("protocol_version", 4, TEXT)),
        ("AO", "AM", "BX", "AN", *_SCREEN), frozenset({"AO", "BX"})),
    MessageSpec("96", "request_sc_resend", (), ()),
    MessageSpec("24", "patron_status_response", (_STATUS, _LANG, _DATE),
                ("AO", "AA", "AE", "BL", "CQ", "BH", "BV", *_SCREEN),
                frozenset({"AO", "AA", "AE"})),
    MessageSpec("12", "checkout_response", (
        _f("ok", 1, OK), _f("renewal_ok", 1, FLAG), _f("magnetic_media", 1, FLAG),
        _f("desensitize", 1, FLAG), _DATE),
        ("AO", "AA", "AB", "AJ", "AH", "BT", "CI", "BH", "BV", "CK", "CH", "BK", *_SCREEN),
        frozenset({"AO", "AA", "AB", "AJ", "AH"})),
    MessageSpec("10", "checkin_response", (
        _f("ok", 1, OK), _f("resensitize", 1, FLAG), _f("magnetic_media", 1, FLAG),
        _f("alert", 1, FLAG), _DATE),
        ("AO", "AB", "AQ", "AJ", "CL", "AA", "CK", "CH", *_SCREEN),
        frozenset({"AO", "AB", "AQ"})),
    MessageSpec("64", "patron_information_response", (
        _STATUS, _LANG, _DATE, _f("hold_items_count", 4, COUNT),
        _f("overdue_items_count", 4, COUNT), _f("charged_items_count", 4, COUNT),
        _f("fine_items_count", 4, COUNT), _f("recall_items_count", 4, COUNT),
        _f("unavailable_holds_count", 4, COUNT)),
        ("AO", "AA", "AE", "BZ", "CA", "CB", "BL", "CQ", "BH", "BV", "CC", "AS", "AT", "AU",
         "AV", "BU", "CD", "BD", "BE", "BF", *_SCREEN),
        frozenset({"AO", "AA", "AE"})),
    MessageSpec("36", "end_session_response", (_f("end_session", 1, FLAG), _DATE),
                ("AO", "AA", *_SCREEN), frozenset({"AO", "AA"})),
    MessageSpec("38", "fee_paid_response", (_f("payment_accepted", 1, FLAG), _DATE),
                ("AO", "AA", "BK", *_SCREEN), frozenset({"AO", "AA"})),
    MessageSpec("18", "item_information_response", (
        _f("circulation_status", 2, TEXT), _f("security_marker", 2, TEXT),
        _f("fee_type", 2, TEXT), _DATE),
        ("CF", "AH", "CJ", "CM", "AB", "AJ", "BG", "BH", "BV", "CK", "AQ", "AP", "CH",
         *_SCREEN), frozenset({"AB", "AJ"})),
    MessageSpec("20", "item_status_update_response", (_f("item_properties_ok", 1, OK), _DATE),
                ("AB", "AJ", "CH", *_SCREEN), frozenset({"AB"})),
    MessageSpec("26", "patron_enable_response", (_STATUS, _LANG, _DATE),
                ("AO", "AA", "AE", "BL", "CQ", *_SCREEN), frozenset({"AO", "AA", "AE"})),
    MessageSpec("16", "hold_response", (_f("ok", 1, OK), _f("available", 1, FLAG), _DATE),
                ("BW", "BR", "BS", "AO", "AA", "AB", "AJ", *_SCREEN),
                frozenset({"AO", "AA"})),
    MessageSpec("30", "renew_response", (
        _f("ok", 1, OK), _f("renewal_ok", 1, FLAG), _f("magnetic_media", 1, FLAG),
        _f("desensitize", 1, FLAG), _DATE),
        ("AO", "AA", "AB", "AJ", "AH", "BT", "CI", "BH", "BV", "CK", "CH", "BK", *_SCREEN),
        frozenset({"AO", "AA", "AB", "AJ", "AH"})),
    MessageSpec("66", "renew_all_response", (
        _f("ok", 1, OK), _f("renewed_count", 4, COUNT), _f("unrenewed_count", 4, COUNT), _DATE),
        ("AO", "BM", "BN", *_SCREEN), frozenset({"AO"})),
)

#: Message code -> spec, for every message of SIP2 2.00.
SPECS: dict[str, MessageSpec] = {spec.code: spec for spec in _SPECS}
#: Request code -> spec, and response code -> spec.
REQUESTS = {s.code: s for s in _SPECS if s.response or s.code == "97"}
RESPONSES = {s.code: s for s in _SPECS if s.code not in REQUESTS}
#: Field ids that may appear more than once in one message.
REPEATABLE = frozenset({"AF", "AG", "AS", "AT", "AU", "AV", "BU", "CD", "BM", "BN"})


@dataclass(slots=True)
class Message:
    """One SIP2 message: its code, typed fixed fields, and every variable
    field as ``(id, value)`` in wire order (unknown and vendor ids included).

    ``sequence`` is the AY digit when error detection is on. ``checksum``
    is the AZ value as received (not part of equality). Treat a message as
    a value: build a new one rather than changing it.
    """

    code: str
    fixed: Mapping[str, FixedValue] = field(default_factory=dict)
    fields: tuple[tuple[str, str], ...] = ()
    sequence: int | None = None
    checksum: str | None = field(default=None, compare=False)

    @property
    def spec(self) -> MessageSpec:
        return SPECS[self.code]

    @property
    def name(self) -> str:
        spec = SPECS.get(self.code)
        return spec.name if spec else f"unknown_{self.code}"

    def get(self, field_id: str, default: str | None = None) -> str | None:
        """The first value of ``field_id``, or ``default``."""
        for fid, value in self.fields:
            if fid == field_id:
                return value
        return default

    def getall(self, field_id: str) -> list[str]:
        """Every value of ``field_id`` in wire order."""
        return [value for fid, value in self.fields if fid == field_id]

    def named(self) -> dict[str, object]:
        """The message as a dict with field names (for ``--json`` and logs):
        fixed fields by name, variable fields by name (lists for repeatable
        ones), unknown ids under their two letters."""
        out: dict[str, object] = {"code": self.code, "name": self.name}
        for key, value in self.fixed.items():
            if isinstance(value, SipDate):
                out[key] = value.when.isoformat() if value.when else value.raw
            elif isinstance(value, frozenset):
                out[key] = sorted(value)
            else:
                out[key] = value
        for fid, value in self.fields:
            name = FIELDS.get(fid, fid)
            if fid in REPEATABLE:
                listed = out.setdefault(name, [])
                if isinstance(listed, list):
                    listed.append(value)
            elif name in out:
                out[f"{name}_{fid}"] = value
            else:
                out[name] = value
        if self.sequence is not None:
            out["sequence_number"] = self.sequence
        return out
