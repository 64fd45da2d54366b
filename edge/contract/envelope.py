"""The event envelope (contract version 1) and its JSON codec.

An event on the wire is one UTF-8 JSON object::

    {"v": 1, "id": "<UUIDv7>", "seq": 42, "site": "hn-tvtp", "device": "kiosk-01",
     "type": "loan", "schema": 1, "time": "2026-11-21T15:48:00.123+07:00",
     "payload": {...}}

``v`` is the envelope's version, ``schema`` the version of the payload's JSON
Schema for that ``type`` (``schemas/event/{type}.v{schema}.json``), ``seq`` the
device's outbox sequence (strictly increasing, gaps allowed), ``time`` the
device's clock with its UTC offset. Pure: no clocks, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

ENVELOPE_VERSION: Final = 1
#: Largest encoded event (envelope included) the contract allows.
MAX_EVENT_BYTES: Final = 64 * 1024

EventClass = Literal["transaction", "alert", "conflict", "health"]
#: Retention classes: the outbox never drops the first three; health may go.
EVENT_CLASSES: Final[tuple[EventClass, ...]] = ("transaction", "alert", "conflict", "health")

#: Why a payload was refused; the relay counts refusals by these reasons.
Reason = Literal["not_utf8", "not_json", "not_object", "oversized", "invalid", "unknown_type",
                 "topic_mismatch", "bad_topic"]


class PayloadError(ValueError):
    """A payload that breaks the contract. ``where`` is ``"byte N"`` for a
    byte-level problem or a JSON pointer (``"/payload/item"``) for a field;
    ``reason`` is one of :data:`Reason`."""

    def __init__(self, reason: Reason, where: str, message: str) -> None:
        self.reason: Reason = reason
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class Event:
    """An event as its producer hands it to the outbox: no id, sequence or
    time yet (the outbox gives those)."""

    type: str
    schema: int
    event_class: EventClass
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A received event, after its JSON Schema has been checked."""

    id: str
    seq: int
    site: str
    device: str
    type: str
    schema: int
    time: str
    payload: dict[str, Any]

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> Envelope:
        return cls(id=obj["id"], seq=obj["seq"], site=obj["site"], device=obj["device"],
                   type=obj["type"], schema=obj["schema"], time=obj["time"],
                   payload=dict(obj["payload"]))


def encode_payload(payload: Mapping[str, Any]) -> str:
    """Compact JSON text of a payload (UTF-8 characters kept, not escaped)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_envelope(*, event_id: str, seq: int, site: str, device: str, event_type: str,
                    schema: int, time: str, payload_json: str) -> bytes:
    """The wire bytes of an event whose payload is already JSON text (as the
    outbox keeps it), without parsing the payload again."""
    head = json.dumps(
        {"v": ENVELOPE_VERSION, "id": event_id, "seq": seq, "site": site, "device": device,
         "type": event_type, "schema": schema, "time": time},
        ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"payload":' + payload_json + "}").encode("utf-8")


def _byte_offset(text: str, char_pos: int) -> int:
    return len(text[:char_pos].encode("utf-8"))


def decode_json_object(data: bytes, max_bytes: int = MAX_EVENT_BYTES) -> dict[str, Any]:
    """Parse ``data`` as one UTF-8 JSON object, or raise :class:`PayloadError`
    saying which byte is wrong."""
    if len(data) > max_bytes:
        raise PayloadError("oversized", f"byte {max_bytes}",
                           f"payload of {len(data)} bytes exceeds the limit of {max_bytes}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("not_utf8", f"byte {exc.start}", "not UTF-8") from None
    try:
        obj = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise PayloadError("not_json", f"byte {_byte_offset(text, exc.pos)}",
                           f"not JSON: {exc.msg}") from None
    except ValueError as exc:  # NaN / Infinity, which JSON does not have
        raise PayloadError("not_json", "", str(exc)) from None
    if not isinstance(obj, dict):
        raise PayloadError("not_object", "byte 0", f"a JSON {type(obj).__name__}, not an object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
