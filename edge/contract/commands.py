"""Remote commands (contract version 1): MQTT v5 request / response.

A request is published to ``.../cmd/{name}`` with the MQTT v5 properties
*Response Topic* (under the device's own prefix, ``.../reply/{requester}``)
and *Correlation Data*; its payload is ``{"v": 1, "args": {...}}`` where ``v``
is the command's schema version (``schemas/command/{name}.v1.json`` describes
``args``). The device answers on the response topic with the same
correlation data and either ``{"v": 1, "ok": true, "result": {...}}``
(``schemas/result/{name}.v1.json``) or ``{"v": 1, "ok": false, "error":
{"code": ..., "message": ...}}``. Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from .envelope import decode_json_object

COMMAND_VERSION: Final = 1
#: Commands the agent answers, with the schema version it speaks.
COMMANDS: Final[dict[str, int]] = {
    "ping": 1,
    "get_config": 1,
    "set_config": 1,
    "restart_service": 1,
    "lock_kiosk": 1,
    "unlock_kiosk": 1,
    "flush_offline_queue": 1,
}
MAX_COMMAND_BYTES: Final = 256 * 1024

ErrorCode = Literal[
    "malformed",            # not JSON, not an object, or no response topic
    "invalid",              # arguments break the command's schema, or a config is invalid
    "unknown_command",
    "unsupported_version",
    "not_supported",        # this device has no such thing (a gate has no kiosk)
    "not_running",          # the service that would do it does not answer
    "failed",               # tried and failed; ``message`` says why
    "rolled_back",          # a new configuration did not come up and was undone
    "busy",                 # another configuration change is under way
    "refused",              # e.g. a response topic outside the device's prefix
]


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    version: int
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    result: dict[str, Any] | None = None
    code: ErrorCode | None = None
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_object(self) -> dict[str, Any]:
        if self.ok:
            return {"v": COMMAND_VERSION, "ok": True, "result": self.result or {}}
        error: dict[str, Any] = {"code": self.code or "failed", "message": self.message or ""}
        if self.details:
            error["details"] = self.details
        return {"v": COMMAND_VERSION, "ok": False, "error": error}

    def encode(self) -> bytes:
        return json.dumps(self.to_object(), ensure_ascii=False,
                          separators=(",", ":"), default=str).encode("utf-8")


def ok(result: dict[str, Any] | None = None) -> Reply:
    return Reply(True, result or {})


def error(code: ErrorCode, message: str, **details: Any) -> Reply:
    return Reply(False, None, code, message, details)


def encode_request(args: dict[str, Any] | None = None, version: int = COMMAND_VERSION) -> bytes:
    return json.dumps({"v": version, "args": args or {}}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def decode_request(name: str, data: bytes) -> Request:
    """Parse a request's payload (its schema is checked by the caller).
    An empty payload means ``{"v": 1, "args": {}}``."""
    if not data.strip():
        return Request(name, COMMAND_VERSION, {})
    obj = decode_json_object(data, MAX_COMMAND_BYTES)
    version = obj.get("v", COMMAND_VERSION)
    args = obj.get("args", {})
    return Request(name, version if isinstance(version, int) else -1,
                   args if isinstance(args, dict) else {"__not_an_object__": args})


def decode_reply(data: bytes) -> Reply:
    obj = decode_json_object(data, MAX_COMMAND_BYTES)
    if obj.get("ok") is True:
        result = obj.get("result")
        return Reply(True, result if isinstance(result, dict) else {})
    raw = obj.get("error")
    err: dict[str, Any] = raw if isinstance(raw, dict) else {}
    details = err.get("details")
    return Reply(False, None, err.get("code", "failed"), str(err.get("message", "")),
                 details if isinstance(details, dict) else {})
