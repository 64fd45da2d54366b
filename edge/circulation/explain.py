"""Reading the ILS's answers: why it refused (SIP2 gives a yes/no and free
text, so the reason is found from structured answers: the item's
circulation status and hold queue, the patron's status flags), and where a
returned item goes (the check-in's routing fields)."""

from __future__ import annotations

from datetime import datetime

from drivers.sip2 import CheckinResult, Sip2Result
from edge.circulation.errors import IlsUnavailable
from edge.circulation.ilslink import IlsLink
from edge.circulation.model import CheckinRouting, Operation, Patron
from edge.circulation.reasons import Reason
from edge.contract.events import Routing

CHARGED = frozenset({"charged", "charged_not_to_be_recalled"})


def screen_text(result: Sip2Result) -> str | None:
    return " / ".join(line for line in result.screen_message if line) or None


def routing_of(result: CheckinResult) -> CheckinRouting:
    route = result.route
    return CheckinRouting(
        action="alert" if route == "problem" else route,  # type: ignore[arg-type]
        destination=result.destination_location or None,
        hold_patron_id=result.hold_patron_id or None,
        hold_patron_name=result.hold_patron_name or None,
        sort_bin=result.sort_bin or None, message=screen_text(result))


def contract_routing(routing: CheckinRouting) -> Routing:
    return Routing(routing.action, destination=routing.destination,
                   bin=routing.sort_bin[:32] if routing.sort_bin else None,
                   message=routing.message[:2000] if routing.message else None)


def iso_due(when: datetime | None) -> str | None:
    return None if when is None else when.replace(microsecond=0, tzinfo=None).isoformat()


def parse_due(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)


async def why_refused(ils: IlsLink, operation: Operation, pii: str,
                      patron: Patron | None) -> Reason:
    """The reason behind a refusal, from the item's and the patron's state."""
    try:
        item = await ils.call(lambda c: c.item_information(pii))
    except IlsUnavailable:
        return Reason.ILS_REFUSED
    if not item.ok:
        return Reason.ITEM_UNKNOWN
    status = item.circulation_status_name
    if operation == "checkin":
        return Reason.ILS_REFUSED
    if operation == "renew":
        if status not in CHARGED:
            return Reason.NOT_ON_LOAN
        if (item.hold_queue_length or 0) > 0:
            return Reason.ITEM_ON_HOLD
        return Reason.RENEWAL_REFUSED
    if status in CHARGED:
        return Reason.ITEM_ON_LOAN
    if status == "waiting_on_hold_shelf" or (item.hold_queue_length or 0) > 0:
        return Reason.ITEM_ON_HOLD
    if patron is None:
        return Reason.ILS_REFUSED
    try:
        state = await ils.call(lambda c: c.patron_status(patron.id, patron.pin))
    except IlsUnavailable:
        return Reason.ILS_REFUSED
    flags = state.patron_status
    if "charge_privileges_denied" in flags and "excessive_outstanding_fines" in flags:
        return Reason.FINES_OVER_LIMIT
    if "too_many_items_charged" in flags:
        return Reason.LOAN_LIMIT
    if "charge_privileges_denied" in flags:
        return Reason.PATRON_BLOCKED
    if "excessive_outstanding_fines" in flags or "excessive_outstanding_fees" in flags:
        return Reason.FINES_OVER_LIMIT
    return Reason.ILS_REFUSED
