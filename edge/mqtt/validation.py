"""JSON Schema checks of the MQTT contract (Draft 2020-12).

One :class:`ContractValidator` compiles every schema of
:mod:`edge.contract.schemas` once. Producers check an event before it enters
the outbox, the relay checks every message it receives, the agent checks
every command. The fast yes/no check of :mod:`edge.contract.schemacheck`
runs first; only when it says no does the reference engine (``jsonschema``)
run, to say exactly what is wrong. A failure is a
:class:`~edge.contract.PayloadError` with reason ``invalid`` and the JSON
pointer of the first offending field.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from edge.contract import schemas
from edge.contract.envelope import Envelope, Event, PayloadError, decode_json_object
from edge.contract.schemacheck import Check, compile_schema


def _pointer(error: ValidationError, base: str = "") -> str:
    path = "".join(f"/{part}" for part in error.absolute_path)
    return base + path or "/"


class _Schema:
    __slots__ = ("fast", "name", "reference")

    def __init__(self, name: str, schema: dict[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self.name = name
        self.fast: Check = compile_schema(schema, name)
        self.reference = Draft202012Validator(schema)

    def check(self, instance: Any, base: str) -> None:
        if self.fast(instance):
            return
        error = next(iter(self.reference.iter_errors(instance)), None)
        if error is None:  # the two engines disagree: trust the stricter one, say so
            raise PayloadError("invalid", base or "/", f"does not match {self.name}")
        raise PayloadError("invalid", _pointer(error, base), error.message)


class ContractValidator:
    """Every schema file, compiled, keyed by file name."""

    def __init__(self) -> None:
        self._schemas: dict[str, _Schema] = {}
        self._events: dict[tuple[str, int], _Schema] = {}
        for name in schemas.schema_names():
            compiled = _Schema(name, schemas.load_schema(name))
            self._schemas[name] = compiled
            kind, base, version = schemas.parse_name(name)
            if kind == "event":
                self._events[(base, version)] = compiled

    def has(self, name: str) -> bool:
        return name in self._schemas

    def _check(self, name: str, instance: Any, base: str = "") -> None:
        compiled = self._schemas.get(name)
        if compiled is None:
            raise PayloadError("unknown_type", base or "/", f"no schema {name}")
        compiled.check(instance, base)

    def _payload(self, event_type: Any, version: Any, payload: Any) -> None:
        compiled = self._events.get((event_type, version))
        if compiled is None:
            raise PayloadError("unknown_type", "/type",
                               f"unknown event type {event_type!r} version {version}")
        compiled.check(payload, "/payload")

    def check_event(self, event: Event) -> None:
        """An event about to enter the outbox: its payload against its schema."""
        self._payload(event.type, event.schema, event.payload)

    def check_envelope(self, obj: dict[str, Any]) -> Envelope:
        """A received event object: the envelope, then the payload by type and version."""
        self._check("envelope.v1.json", obj)
        self._payload(obj["type"], obj["schema"], obj["payload"])
        return Envelope.from_object(obj)

    def decode_event(self, data: bytes, max_bytes: int) -> Envelope:
        return self.check_envelope(decode_json_object(data, max_bytes))

    def check_state(self, obj: dict[str, Any]) -> None:
        self._check("state.v1.json", obj)

    def check_command(self, name: str, version: int, args: dict[str, Any]) -> None:
        self._check(f"command/{name}.v{version}.json", args, "/args")

    def check_result(self, name: str, version: int, result: dict[str, Any]) -> None:
        self._check(f"result/{name}.v{version}.json", result, "/result")

    def check_receipt(self, obj: dict[str, Any]) -> None:
        self._check("receipt.v1.json", obj)

    def check_reply(self, obj: dict[str, Any]) -> None:
        self._check("reply.v1.json", obj)
