"""Builders for every event the product emits (contract version 1).

Each builder returns an :class:`~edge.contract.envelope.Event` (type, payload
schema version, retention class, payload) ready for ``Outbox.append``; the
outbox gives it its id, sequence and time. Optional fields left as ``None``
are omitted. The payloads' JSON Schemas are in ``schemas/event/`` and
docs/mqtt.md describes each field. Pure: no clocks, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from .envelope import Event, EventClass

Mode = Literal["online", "offline"]
Operation = Literal["checkout", "checkin", "renew"]
RoutingAction = Literal["shelf", "hold", "transit", "alert"]
Conflict = Literal["on_hold", "patron_blocked", "unknown_item", "already_checked_in",
                   "not_on_loan", "refused", "other"]
Severity = Literal["info", "warning", "critical"]
ComponentStatus = Literal["ok", "degraded", "down", "unknown"]


@dataclass(frozen=True, slots=True)
class EventSpec:
    """What the current software emits for an event type."""

    type: str
    schema: int
    event_class: EventClass


#: Event type -> the schema version and retention class this version emits.
EVENTS: Final[dict[str, EventSpec]] = {
    spec.type: spec for spec in (
        EventSpec("loan", 1, "transaction"),
        EventSpec("return", 1, "transaction"),
        EventSpec("renewal", 1, "transaction"),
        EventSpec("offline_transaction", 1, "transaction"),
        EventSpec("visitor_count", 1, "transaction"),
        EventSpec("offline_conflict", 1, "conflict"),
        EventSpec("staff_alert", 1, "alert"),
        EventSpec("gate_alarm", 2, "alert"),
        EventSpec("health", 1, "health"),
    )
}


def _event(event_type: str, **fields: Any) -> Event:
    spec = EVENTS[event_type]
    payload = {key: value for key, value in fields.items() if value is not None}
    return Event(spec.type, spec.schema, spec.event_class, payload)


def checkout(*, item: str, due: str, patron: str | None = None, title: str | None = None,
             mode: Mode = "online", transaction_time: str | None = None,
             institution: str | None = None) -> Event:
    """A loan made in the ILS and on the tag (type ``loan``). ``due`` is an
    ISO 8601 date or date-time; ``transaction_time`` is set when the loan
    happened earlier than the event (an offline loan replayed)."""
    return _event("loan", item=item, patron=patron, due=due, title=title, mode=mode,
                  transaction_time=transaction_time, institution=institution)


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a returned item goes, from the ILS's check-in response."""

    action: RoutingAction
    #: The library or location to send it to (transit) or the hold's pickup place.
    destination: str | None = None
    #: The book drop's bin it was sorted into.
    bin: str | None = None
    #: The ILS's screen message, if any.
    message: str | None = None

    def to_payload(self) -> dict[str, str]:
        return {key: value for key, value in (
            ("action", self.action), ("destination", self.destination), ("bin", self.bin),
            ("message", self.message)) if value is not None}


def checkin(*, item: str, routing: Routing, title: str | None = None, mode: Mode = "online",
            transaction_time: str | None = None, institution: str | None = None) -> Event:
    """A return checked in at the ILS and secured on the tag (type ``return``)."""
    return _event("return", item=item, title=title, routing=routing.to_payload(), mode=mode,
                  transaction_time=transaction_time, institution=institution)


def renewal(*, item: str, due: str, patron: str | None = None, title: str | None = None,
            mode: Mode = "online", transaction_time: str | None = None) -> Event:
    return _event("renewal", item=item, patron=patron, due=due, title=title, mode=mode,
                  transaction_time=transaction_time)


def offline_transaction(*, operation: Operation, item: str, transaction_time: str,
                        patron: str | None = None, due: str | None = None) -> Event:
    """A transaction made while the ILS could not be reached, journaled for replay."""
    return _event("offline_transaction", operation=operation, item=item, patron=patron,
                  transaction_time=transaction_time, due=due)


def offline_conflict(*, operation: Operation, item: str, transaction_time: str,
                     conflict: Conflict, patron: str | None = None,
                     detail: str | None = None) -> Event:
    """An offline transaction the ILS did not accept as made, found on replay."""
    return _event("offline_conflict", operation=operation, item=item, patron=patron,
                  transaction_time=transaction_time, conflict=conflict, detail=detail)


def staff_alert(*, alert: str, message: str, severity: Severity = "warning",
                item: str | None = None, patron: str | None = None,
                uid: str | None = None) -> Event:
    """Something staff must act on (``alert`` is a code such as
    ``tag_write_failed`` or ``outbox_nearly_full``; ``message`` says it in words)."""
    return _event("staff_alert", alert=alert, severity=severity, message=message, item=item,
                  patron=patron, uid=uid)


def gate_alarm(*, uid: str | None = None, item: str | None = None, title: str | None = None,
               direction: Literal["in", "out"] | None = None,
               snapshot: str | None = None, owner: str | None = None,
               antenna: int | None = None, detected_at: str | None = None,
               security: Literal["afi", "eas"] | None = None,
               afi: int | None = None) -> Event:
    """A secured item passed the gate (schema version 2). ``detected_at``
    is when the gate found it (RFC 3339); ``security`` says how (the tag's
    ``afi``, or an NXP EAS alarm, which may leave the item unnamed). The
    relay adds the title from the ILS when the gate could not."""
    return _event("gate_alarm", uid=uid, item=item, owner=owner, title=title,
                  direction=direction, antenna=antenna, detected_at=detected_at,
                  security=security, afi=afi, snapshot=snapshot)


def visitor_count(*, period_start: str, period_end: str, entered: int, exited: int) -> Event:
    return _event("visitor_count", period_start=period_start, period_end=period_end,
                  entered=entered, exited=exited)


@dataclass(frozen=True, slots=True)
class Component:
    status: ComponentStatus
    detail: str | None = None
    since: str | None = None

    def to_payload(self) -> dict[str, str]:
        return {key: value for key, value in (
            ("status", self.status), ("detail", self.detail), ("since", self.since))
            if value is not None}


def health(*, uptime_s: float, software: str, disk_free_mb: float, disk_total_mb: float,
           outbox: Mapping[str, int | float | None], components: Mapping[str, Component],
           cpu_temp_c: float | None = None, load_1m: float | None = None,
           memory_mb: float | None = None) -> Event:
    """Health telemetry (published on ``health``, not ``evt/health``)."""
    return _event("health", uptime_s=round(uptime_s, 3), software=software,
                  cpu_temp_c=cpu_temp_c, load_1m=load_1m, memory_mb=memory_mb,
                  disk_free_mb=round(disk_free_mb, 1), disk_total_mb=round(disk_total_mb, 1),
                  outbox=dict(outbox),
                  components={name: c.to_payload() for name, c in components.items()})
