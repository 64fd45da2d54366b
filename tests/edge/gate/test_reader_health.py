"""The gate when its reader is unplugged, or missing at start-up: staff see
it (green light off, health "down", an alert after a while) and the gate
recovers by itself when the reader is back."""

from __future__ import annotations

import asyncio

from tests.edge.gate.conftest import GREEN, RED, GateRig


async def test_health_shows_the_reader_and_the_last_alarm(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()

    async def reader_ok() -> dict[str, tuple[str, str | None]] | None:
        status = await rig.status()
        # the components are written one after the other: wait for both
        ok = all(status.get(part, ("",))[0] == "ok" for part in ("reader", "gate"))
        return status if ok else None

    status = await rig.eventually(reader_ok)
    assert "connected" in (status["reader"][1] or "")
    assert status["gate"] == ("ok", "0 alarms since start; no alarm since start")
    assert status["beams"][0] == "ok"
    rig.place("30000001")
    await rig.eventually(lambda: rig.events("gate_alarm"))

    async def alarm_shown() -> bool:
        return "30000001" in ((await rig.status())["gate"][1] or "")

    await rig.eventually(alarm_shown)


async def test_a_reader_unplugged_is_seen_alerted_and_recovered(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(reader_alert_after_s=0.5)
    assert rig.pins.pin(GREEN).state
    await rig.feig.unplug()
    await rig.eventually(lambda: not rig.pins.pin(GREEN).state)  # out of service, visibly

    async def reader_down() -> bool:
        return (await rig.status())["reader"][0] == "down"

    await rig.eventually(reader_down)
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert (alert["alert"], alert["severity"]) == ("gate_reader_disconnected", "critical")
    await asyncio.sleep(0.3)
    await rig.feig.plug()
    await rig.eventually(lambda: rig.pins.pin(GREEN).state, timeout_s=15)
    alerts = await rig.eventually(lambda: _alerts(rig, 2))
    assert alerts[1]["alert"] == "gate_reader_reconnected" and alerts[1]["severity"] == "info"
    # and it guards again
    rig.place("30000001")
    await rig.eventually(lambda: rig.pins.pin(RED).state)
    await rig.eventually(lambda: rig.events("gate_alarm"))


async def _alerts(rig: GateRig, at_least: int) -> list[dict[str, object]] | None:
    alerts = await rig.events("staff_alert")
    return alerts if len(alerts) >= at_least else None


async def test_a_short_hiccup_raises_no_alert(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(reader_alert_after_s=30)
    await rig.feig.unplug()
    await rig.eventually(lambda: not rig.pins.pin(GREEN).state)
    await rig.feig.plug()
    await rig.eventually(lambda: rig.pins.pin(GREEN).state, timeout_s=15)
    await asyncio.sleep(0.2)
    assert await rig.events("staff_alert") == []


async def test_a_gate_started_without_its_reader_waits_for_it(gate, feig) -> None:  # type: ignore[no-untyped-def]
    await feig.unplug()  # the reader's USB cable is not in
    rig: GateRig = await gate(wait=False, reader_alert_after_s=0.3)
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alert["alert"] == "gate_reader_disconnected"
    assert not rig.pins.pin(GREEN).state
    assert (await rig.status())["reader"][0] == "down"
    await feig.plug()
    await rig.eventually(lambda: rig.service.reader.state.value == "connected", timeout_s=40)
    assert rig.pins.pin(GREEN).state
    rig.place("30000001")
    await rig.eventually(lambda: rig.events("gate_alarm"))
