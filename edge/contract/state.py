"""The retained ``state`` message (contract version 1).

Published retained on ``.../state`` with QoS 1 when the agent connects
(``online: true``) and set as its MQTT last will (``online: false``), so the
broker announces a device that vanishes. Pure: the caller gives the time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

STATE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class State:
    online: bool
    time: str
    software: str | None = None
    role: str | None = None
    isil: str | None = None
    #: When this agent process started (RFC 3339); changes on every restart.
    started: str | None = None
    #: Why it went offline, when it says so itself (``shutdown``, ``restart``).
    reason: str | None = None

    def to_object(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"v": STATE_VERSION, "online": self.online, "time": self.time}
        for key in ("software", "role", "isil", "started", "reason"):
            value = getattr(self, key)
            if value is not None:
                obj[key] = value
        return obj

    def encode(self) -> bytes:
        return json.dumps(self.to_object(), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_object(cls, obj: dict[str, Any]) -> State:
        return cls(online=obj["online"], time=obj["time"], software=obj.get("software"),
                   role=obj.get("role"), isil=obj.get("isil"), started=obj.get("started"),
                   reason=obj.get("reason"))
