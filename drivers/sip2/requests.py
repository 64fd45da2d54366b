"""Builders of the SC's requests (3M SIP2 2.00, "Messages" sent by the SC):
one function per request message returning a :class:`Message` ready for
:func:`drivers.sip2.codec.encode`.

Variable fields go in the spec's order. A required field is always sent,
empty if need be; an optional one only when given, or empty when it is in
``send_empty`` (some servers refuse a message without AC or AD; see
:mod:`drivers.sip2.dialects`). Pure: the caller passes the transaction date.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import SUMMARY, SipDate
from .messages import SPECS, Message


@dataclass(frozen=True, slots=True)
class Terminal:
    """What every request from this SC carries."""

    institution: str = ""
    terminal_password: str = ""
    location: str = ""
    language: str = "000"
    #: Optional field ids sent (empty) even when there is no value.
    send_empty: frozenset[str] = frozenset()


def _fields(code: str, terminal: Terminal, values: dict[str, str | None],
            ) -> tuple[tuple[str, str], ...]:
    spec = SPECS[code]
    out = []
    for fid in spec.fields:
        value = values.get(fid)
        if value is None:
            if fid not in spec.required and fid not in terminal.send_empty:
                continue
            value = ""
        out.append((fid, value))
    return tuple(out)


def _yn(value: bool | None) -> str | None:
    return None if value is None else "Y" if value else "N"


def login(user: str, password: str, location: str | None = None, *,
          uid_algorithm: str = "0", pwd_algorithm: str = "0") -> Message:
    """93: log the SC in (CN user, CO password, CP location)."""
    fields = [("CN", user), ("CO", password)]
    if location:
        fields.append(("CP", location))
    return Message("93", {"uid_algorithm": uid_algorithm, "pwd_algorithm": pwd_algorithm},
                   tuple(fields))


def sc_status(status_code: str = "0", max_print_width: int = 80,
              protocol_version: str = "2.00") -> Message:
    """99: the SC's status (0 ok, 1 out of paper, 2 shutting down)."""
    return Message("99", {"status_code": status_code, "max_print_width": max_print_width,
                          "protocol_version": protocol_version})


def request_acs_resend() -> Message:
    """97: ask the ACS to send its last message again."""
    return Message("97")


def request_sc_resend() -> Message:
    """96: ask the SC to send its last message again (server side)."""
    return Message("96")


def patron_status(terminal: Terminal, when: SipDate, patron: str,
                  pin: str | None = None) -> Message:
    """23: is this patron valid, and what may they do?"""
    return Message("23", {"language": terminal.language, "transaction_date": when},
                   _fields("23", terminal, {"AO": terminal.institution, "AA": patron,
                                            "AC": terminal.terminal_password, "AD": pin}))


def block_patron(terminal: Terminal, when: SipDate, patron: str, message: str, *,
                 card_retained: bool = False) -> Message:
    """01: block the patron's card (AL says why)."""
    return Message("01", {"card_retained": card_retained, "transaction_date": when},
                   _fields("01", terminal, {"AO": terminal.institution, "AL": message,
                                            "AA": patron, "AC": terminal.terminal_password}))


def checkout(terminal: Terminal, when: SipDate, patron: str, item: str, *,
             pin: str | None = None, no_block: bool = False, nb_due_date: SipDate | None = None,
             renewal_policy: bool = False, fee_acknowledged: bool | None = None,
             item_properties: str | None = None, cancel: bool | None = None) -> Message:
    """11: lend ``item`` to ``patron``. ``no_block`` and ``when`` carry an
    offline transaction's original date; ``nb_due_date`` the due date the SC
    gave offline."""
    return Message(
        "11", {"sc_renewal_policy": renewal_policy, "no_block": no_block,
               "transaction_date": when, "nb_due_date": nb_due_date},
        _fields("11", terminal, {
            "AO": terminal.institution, "AA": patron, "AB": item,
            "AC": terminal.terminal_password, "CH": item_properties, "AD": pin,
            "BO": _yn(fee_acknowledged), "BI": _yn(cancel)}))


def checkin(terminal: Terminal, when: SipDate, item: str, *, no_block: bool = False,
            return_date: SipDate | None = None, location: str | None = None,
            item_properties: str | None = None, cancel: bool | None = None) -> Message:
    """09: ``item`` is back. ``return_date`` defaults to ``when``."""
    return Message(
        "09", {"no_block": no_block, "transaction_date": when,
               "return_date": return_date or when},
        _fields("09", terminal, {
            "AP": terminal.location if location is None else location,
            "AO": terminal.institution, "AB": item, "AC": terminal.terminal_password,
            "CH": item_properties, "BI": _yn(cancel)}))


def patron_information(terminal: Terminal, when: SipDate, patron: str, *,
                       pin: str | None = None, summary: str | None = None,
                       start_item: int | None = None, end_item: int | None = None) -> Message:
    """63: the patron's details; ``summary`` names the one list wanted
    (hold_items, overdue_items, charged_items, fine_items, recall_items,
    unavailable_holds)."""
    if summary is not None and summary not in SUMMARY:
        raise ValueError(f"summary must be one of {SUMMARY}")
    return Message(
        "63", {"language": terminal.language, "transaction_date": when,
               "summary": frozenset({summary}) if summary else frozenset()},
        _fields("63", terminal, {
            "AO": terminal.institution, "AA": patron, "AC": terminal.terminal_password,
            "AD": pin, "BP": None if start_item is None else str(start_item),
            "BQ": None if end_item is None else str(end_item)}))


def end_patron_session(terminal: Terminal, when: SipDate, patron: str,
                       pin: str | None = None) -> Message:
    """35: the patron is done."""
    return Message("35", {"transaction_date": when}, _fields("35", terminal, {
        "AO": terminal.institution, "AA": patron, "AC": terminal.terminal_password, "AD": pin}))


def fee_paid(terminal: Terminal, when: SipDate, patron: str, amount: str, *,
             fee_type: str = "01", payment_type: str = "00", currency: str = "VND",
             pin: str | None = None, fee_identifier: str | None = None,
             transaction_id: str | None = None) -> Message:
    """37: the patron paid ``amount`` (BV) in ``currency``."""
    return Message(
        "37", {"transaction_date": when, "fee_type": fee_type, "payment_type": payment_type,
               "currency_type": currency},
        _fields("37", terminal, {
            "BV": amount, "AO": terminal.institution, "AA": patron,
            "AC": terminal.terminal_password, "AD": pin, "CG": fee_identifier,
            "BK": transaction_id}))


def item_information(terminal: Terminal, when: SipDate, item: str) -> Message:
    """17: what does the ACS know about ``item``?"""
    return Message("17", {"transaction_date": when}, _fields("17", terminal, {
        "AO": terminal.institution, "AB": item, "AC": terminal.terminal_password}))


def item_status_update(terminal: Terminal, when: SipDate, item: str,
                       item_properties: str) -> Message:
    """19: set the item's properties (CH)."""
    return Message("19", {"transaction_date": when}, _fields("19", terminal, {
        "AO": terminal.institution, "AB": item, "AC": terminal.terminal_password,
        "CH": item_properties}))


def patron_enable(terminal: Terminal, when: SipDate, patron: str,
                  pin: str | None = None) -> Message:
    """25: re-enable a blocked patron (the spec means it for testing)."""
    return Message("25", {"transaction_date": when}, _fields("25", terminal, {
        "AO": terminal.institution, "AA": patron, "AC": terminal.terminal_password, "AD": pin}))


def hold(terminal: Terminal, when: SipDate, patron: str, *, mode: str = "+",
         item: str | None = None, title: str | None = None, pin: str | None = None,
         expiration_date: SipDate | None = None, pickup_location: str | None = None,
         hold_type: str | None = None, fee_acknowledged: bool | None = None) -> Message:
    """15: add (+), delete (-) or change (*) a hold."""
    if mode not in ("+", "-", "*"):
        raise ValueError("hold mode is +, - or *")
    return Message("15", {"hold_mode": mode, "transaction_date": when}, _fields("15", terminal, {
        "BW": None if expiration_date is None else expiration_date.raw,
        "BS": pickup_location, "BY": hold_type, "AO": terminal.institution, "AA": patron,
        "AD": pin, "AB": item, "AJ": title, "AC": terminal.terminal_password,
        "BO": _yn(fee_acknowledged)}))


def renew(terminal: Terminal, when: SipDate, patron: str, item: str | None = None, *,
          title: str | None = None, pin: str | None = None, no_block: bool = False,
          nb_due_date: SipDate | None = None, third_party_allowed: bool = False,
          item_properties: str | None = None, fee_acknowledged: bool | None = None) -> Message:
    """29: renew the patron's loan of ``item``."""
    return Message(
        "29", {"third_party_allowed": third_party_allowed, "no_block": no_block,
               "transaction_date": when, "nb_due_date": nb_due_date},
        _fields("29", terminal, {
            "AO": terminal.institution, "AA": patron, "AD": pin, "AB": item, "AJ": title,
            "AC": terminal.terminal_password, "CH": item_properties,
            "BO": _yn(fee_acknowledged)}))


def renew_all(terminal: Terminal, when: SipDate, patron: str, *, pin: str | None = None,
              fee_acknowledged: bool | None = None) -> Message:
    """65: renew every loan of the patron."""
    return Message("65", {"transaction_date": when}, _fields("65", terminal, {
        "AO": terminal.institution, "AA": patron, "AD": pin,
        "AC": terminal.terminal_password, "BO": _yn(fee_acknowledged)}))
