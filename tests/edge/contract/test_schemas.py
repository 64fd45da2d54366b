"""The contract's JSON Schemas: every one valid Draft 2020-12, none changed
without a version bump, every builder's output accepted, and the fast check
agreeing with the reference engine."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from edge.contract import PayloadError, events, schemas
from edge.contract.commands import COMMANDS
from edge.contract.events import EVENTS
from edge.contract.schemacheck import SchemaSubsetError, compile_schema, json_equal
from edge.mqtt.validation import ContractValidator

NAMES = schemas.schema_names()


def test_no_published_schema_changed_without_a_version_bump() -> None:
    problems = schemas.check_fingerprints({n: schemas.load_schema(n) for n in NAMES},
                                          schemas.recorded_fingerprints())
    assert problems == []


def test_a_changed_schema_without_a_bump_is_caught() -> None:
    loaded = {n: schemas.load_schema(n) for n in NAMES}
    recorded = schemas.recorded_fingerprints()
    changed = copy.deepcopy(loaded)
    changed["event/loan.v1.json"]["required"].append("patron")
    problems = schemas.check_fingerprints(changed, recorded)
    assert problems == ["event/loan.v1.json: changed without a version bump; published "
                        "versions never change: add event/loan.v2.json"]
    reworded = copy.deepcopy(loaded)
    reworded["event/loan.v1.json"]["properties"]["item"]["description"] = "better words"
    assert schemas.check_fingerprints(reworded, recorded) == []
    dropped = {n: s for n, s in loaded.items() if n != "event/return.v1.json"}
    assert "keep it" in schemas.check_fingerprints(dropped, recorded)[0]
    added = {**loaded, "event/loan.v2.json": {**loaded["event/loan.v1.json"],
                                               "$id": "urn:smartlib:event:loan:2"}}
    assert "not recorded" in schemas.check_fingerprints(added, recorded)[0]


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_is_valid_draft_2020_12_within_the_fast_subset(name: str) -> None:
    schema = schemas.load_schema(name)
    Draft202012Validator.check_schema(schema)
    compile_schema(schema)


def test_every_event_type_and_command_has_its_schemas() -> None:
    for spec in EVENTS.values():
        assert schemas.event_schema_name(spec.type, spec.schema) in NAMES
    for name, version in COMMANDS.items():
        assert f"command/{name}.v{version}.json" in NAMES
        assert f"result/{name}.v{version}.json" in NAMES


def test_a_keyword_outside_the_subset_is_refused() -> None:
    with pytest.raises(SchemaSubsetError, match="format"):
        compile_schema({"type": "string", "format": "date-time"})


T = "2026-11-21T09:30:00+07:00"
BUILT = [
    events.checkout(item="30012345", due="2026-12-05", patron="P0001",
                    title="Dế Mèn phiêu lưu ký"),
    events.checkout(item="30012345", due="2026-12-05T23:59:00+07:00", mode="offline",
                    transaction_time=T),
    events.checkin(item="30012345", routing=events.Routing("transit", "VN-HN2", bin="transit")),
    events.checkin(item="30012345", routing=events.Routing("hold", message="Giữ cho bạn đọc")),
    events.renewal(item="30012345", due="2026-12-19"),
    events.offline_transaction(operation="checkout", item="30012345", transaction_time=T,
                               patron="P0001", due="2026-12-05"),
    events.offline_conflict(operation="checkin", item="30012345", transaction_time=T,
                            conflict="already_checked_in", detail="SIP2 AF: đã trả"),
    events.staff_alert(alert="tag_write_failed", message="AFI not written after 3 tries",
                       item="30012345", uid="E004015012345678", severity="critical"),
    events.gate_alarm(uid="E004015012345678", item="30012345", direction="out"),
    events.gate_alarm(uid="E004015012345678"),
    events.gate_alarm(uid="E004015012345678", item="30012345", owner="VN-TVTPHN", antenna=2,
                      detected_at=T, security="afi", afi=0x07),
    events.gate_alarm(detected_at=T, security="eas"),
    events.visitor_count(period_start=T, period_end="2026-11-21T09:45:00+07:00", entered=12,
                         exited=9),
    events.health(uptime_s=12.5, software="0.1.0", disk_free_mb=1000, disk_total_mb=8000,
                  cpu_temp_c=51.2, load_1m=0.3, memory_mb=40.5,
                  outbox={"pending": 3, "capacity": 200000, "oldest_age_s": 1.5,
                          "dropped_health": 0, "refused": 0},
                  components={"reader": events.Component("ok", since=T),
                              "ils": events.Component("down", "timeout")}),
]


@pytest.fixture(scope="module")
def validator() -> ContractValidator:
    return ContractValidator()


@pytest.mark.parametrize("event", BUILT, ids=lambda e: e.type)
def test_every_builder_makes_a_valid_event(event: events.Event,
                                           validator: ContractValidator) -> None:
    validator.check_event(event)
    spec = EVENTS[event.type]
    assert (event.schema, event.event_class) == (spec.schema, spec.event_class)


def test_validation_names_the_field(validator: ContractValidator) -> None:
    bad = events.checkin(item="3001", routing=events.Routing("shelf"))
    broken = events.Event(bad.type, bad.schema, bad.event_class,
                          {**bad.payload, "routing": {"action": "sea"}})
    with pytest.raises(PayloadError) as exc:
        validator.check_event(broken)
    assert exc.value.where == "/payload/routing/action" and exc.value.reason == "invalid"


# ------------------------------------------------ fast check == reference

def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """Values near ``value``: its parts replaced, removed or retyped."""
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2),
                       st.text(max_size=6), st.just(""), st.just("2026-11-21"),
                       st.just(T), st.just([]), st.just({}), st.just(1.0), st.just(True))
    if isinstance(value, dict) and value:
        keys = sorted(value)

        def change(choice: tuple[str, str, Any]) -> dict[str, Any]:
            key, how, new = choice
            out = dict(value)
            if how == "drop":
                out.pop(key)
            elif how == "set":
                out[key] = new
            else:
                out["extra_" + key] = new
            return out

        return st.tuples(st.sampled_from(keys), st.sampled_from(["drop", "set", "add"]),
                         leaves).map(change)
    return leaves


EXAMPLES = [(schemas.event_schema_name(e.type, e.schema), dict(e.payload)) for e in BUILT] + [
    ("envelope.v1.json", {"v": 1, "id": "01a1fed1-c2f9-7000-aaf7-6970ab0771a9", "seq": 3,
                          "site": "hn", "device": "k1", "type": "loan", "schema": 1,
                          "time": T, "payload": {}}),
    ("state.v1.json", {"v": 1, "online": False, "time": T, "role": "gate", "reason": "lost"}),
    ("reply.v1.json", {"v": 1, "ok": False, "error": {"code": "invalid", "message": "x"}}),
    ("reply.v1.json", {"v": 1, "ok": True, "result": {"pong": True}}),
    ("command/set_config.v1.json", {"text": "role = 'gate'"}),
]


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_the_fast_check_agrees_with_jsonschema(name: str, example: dict[str, Any],
                                               data: st.DataObject) -> None:
    schema = schemas.load_schema(name)
    fast, reference = compile_schema(schema), Draft202012Validator(schema)
    value = data.draw(_mutations(example))
    if isinstance(value, dict) and data.draw(st.booleans()):
        nested = [k for k, v in value.items() if isinstance(v, dict) and v]
        if nested:
            key = data.draw(st.sampled_from(nested))
            value = {**value, key: data.draw(_mutations(value[key]))}
    assert fast(value) == reference.is_valid(value), json.dumps(value, default=str)


def test_json_equality_tells_booleans_from_numbers() -> None:
    assert json_equal(1, 1.0) and not json_equal(True, 1) and not json_equal(0, False)
    check = compile_schema({"const": 1})
    assert check(1) and check(1.0) and not check(True)
