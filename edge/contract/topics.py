"""MQTT topic names of the contract (docs/mqtt.md).

Every topic lives under ``{prefix}/{site}/{device}/`` with the default prefix
``smartlib/v1``:

==========================  ============================================
``evt/{type}``              events (QoS 1, not retained)
``health``                  health telemetry (an event of type ``health``)
``state``                   online / offline (retained; the last will)
``cmd/{name}``              commands to the device (MQTT v5 request)
``reply/{requester}``       replies, by convention (the request's
                            response topic must lie under the device's
                            own prefix, which the broker lets it write)
``receipt``                 from the relay: the events it has stored
==========================  ============================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

DEFAULT_PREFIX = "smartlib/v1"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

Kind = Literal["evt", "health", "state", "cmd", "reply", "receipt"]


class TopicError(ValueError):
    """A topic that is not one of the contract's. ``level`` is the index of
    the offending topic level (0-based, after the prefix)."""

    def __init__(self, topic: str, level: int, message: str) -> None:
        self.topic = topic
        self.level = level
        super().__init__(f"topic {topic!r}, level {level}: {message}")


@dataclass(frozen=True, slots=True)
class Topic:
    site: str
    device: str
    kind: Kind
    #: The event type (``evt``), command name (``cmd``) or requester (``reply``).
    name: str | None = None


def device_prefix(site: str, device: str, prefix: str = DEFAULT_PREFIX) -> str:
    for what, value in (("site", site), ("device", device)):
        if not NAME_RE.match(value):
            raise ValueError(f"{what} {value!r} is not a name (letters, digits, - and _)")
    return f"{prefix}/{site}/{device}"


def event_topic(site: str, device: str, event_type: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``evt/{type}``, except health telemetry which has its own ``health``."""
    base = device_prefix(site, device, prefix)
    if event_type == "health":
        return f"{base}/health"
    if not TYPE_RE.match(event_type):
        raise ValueError(f"event type {event_type!r} is not a type name")
    return f"{base}/evt/{event_type}"


def state_topic(site: str, device: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{device_prefix(site, device, prefix)}/state"


def receipt_topic(site: str, device: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{device_prefix(site, device, prefix)}/receipt"


def command_topic(site: str, device: str, name: str, prefix: str = DEFAULT_PREFIX) -> str:
    if not TYPE_RE.match(name):
        raise ValueError(f"command {name!r} is not a command name")
    return f"{device_prefix(site, device, prefix)}/cmd/{name}"


def reply_topic(site: str, device: str, requester: str, prefix: str = DEFAULT_PREFIX) -> str:
    if not NAME_RE.match(requester):
        raise ValueError(f"requester {requester!r} is not a name")
    return f"{device_prefix(site, device, prefix)}/reply/{requester}"


def parse_topic(topic: str, prefix: str = DEFAULT_PREFIX) -> Topic:
    """Split a contract topic into site, device, kind and name."""
    if not topic.startswith(prefix + "/"):
        raise TopicError(topic, 0, f"does not start with {prefix}/")
    levels = topic[len(prefix) + 1:].split("/")
    if len(levels) < 3:
        raise TopicError(topic, len(levels), "too short: want site/device/kind")
    site, device, kind, *rest = levels
    if not NAME_RE.match(site):
        raise TopicError(topic, 0, "site is not a name")
    if not NAME_RE.match(device):
        raise TopicError(topic, 1, "device is not a name")
    if kind in ("health", "state", "receipt"):
        if rest:
            raise TopicError(topic, 3, f"nothing may follow {kind}")
        return Topic(site, device, cast(Kind, kind))
    if kind in ("evt", "cmd", "reply"):
        if len(rest) != 1:
            raise TopicError(topic, 3, f"{kind} takes exactly one more level")
        pattern = NAME_RE if kind == "reply" else TYPE_RE
        if not pattern.match(rest[0]):
            raise TopicError(topic, 3, f"{rest[0]!r} is not a valid {kind} name")
        return Topic(site, device, cast(Kind, kind), rest[0])
    raise TopicError(topic, 2, f"unknown kind {kind!r}")


def device_filters(site: str, device: str, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """The filters a device uses: its commands (subscribe) and its own prefix."""
    base = device_prefix(site, device, prefix)
    return {"commands": f"{base}/cmd/+", "own": f"{base}/#"}


def relay_filters(prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """What the relay subscribes to (events and health shared, state not:
    retained messages are not delivered on shared subscriptions)."""
    return {"events": f"{prefix}/+/+/evt/+", "health": f"{prefix}/+/+/health",
            "state": f"{prefix}/+/+/state"}
