"""gate_alarm version 2: what it adds, what it still refuses, and that
version 1 events from gates in the field stay valid."""

from __future__ import annotations

import pytest

from edge.contract import PayloadError, events
from edge.contract.envelope import Event
from edge.mqtt.validation import ContractValidator

T = "2026-11-21T09:30:00.125+07:00"


@pytest.fixture(scope="module")
def validator() -> ContractValidator:
    return ContractValidator()


def test_the_gate_emits_version_2(validator: ContractValidator) -> None:
    event = events.gate_alarm(uid="E004015000000001", item="30000001", owner="VN-TVTPHN",
                              antenna=2, detected_at=T, security="afi", afi=0x07,
                              direction="out")
    assert event.schema == 2 and event.event_class == "alert"
    validator.check_event(event)


def test_an_eas_alarm_may_name_no_item(validator: ContractValidator) -> None:
    validator.check_event(events.gate_alarm(detected_at=T, security="eas"))


@pytest.mark.parametrize(("payload", "where"), [
    ({"detected_at": T, "security": "afi"}, "/payload"),          # AFI alarm without the tag
    ({"uid": "E004", "antenna": 0}, "/payload/antenna"),             # antennas count from 1
    ({"uid": "E004", "afi": 256}, "/payload/afi"),
    ({"uid": "E004", "detected_at": "21/11/2026"}, "/payload/detected_at"),
    ({"uid": "E004", "security": "magnet"}, "/payload/security"),
    ({"uid": "E004", "patron": "P0001"}, "/payload"),                # never patron data
])
def test_version_2_refuses(validator: ContractValidator, payload: dict[str, object],
                           where: str) -> None:
    with pytest.raises(PayloadError) as caught:
        validator.check_event(Event("gate_alarm", 2, "alert", payload))
    assert caught.value.where.startswith(where)


def test_version_1_events_from_older_gates_stay_valid(validator: ContractValidator) -> None:
    validator.check_event(Event("gate_alarm", 1, "alert",
                                {"uid": "E004015000000001", "direction": "in"}))
