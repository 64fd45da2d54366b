"""Remote configuration and restarts of a real agent process: a change is
validated, applied and confirmed, or rolled back when the device does not
come back; the retained state tells the centre about every restart."""

from __future__ import annotations

import asyncio

from tests.edge.agent.conftest import DEVICE, Device, wait_online
from tests.peers.mosquitto import free_port


async def test_restart_agent_comes_back_with_a_new_start_time(device: Device) -> None:
    before = await wait_online(device)
    reply = await device.command("restart_service", {"service": "agent"})
    assert reply.ok and reply.result == {"service": "agent", "restarted": True, "active": True}
    for _ in range(100):
        state = (await device.states(1))[0]
        if state["online"] and state["started"] != before["started"]:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the agent did not come back: " + device.service.output()[-2000:])
    assert device.service.alive()  # re-executed in place: same process for systemd


async def test_sigkilled_agent_is_announced_offline_by_its_will(device: Device) -> None:
    await wait_online(device)
    device.service.kill()
    for _ in range(100):
        state = (await device.states(1))[0]
        if not state["online"]:
            break
        await asyncio.sleep(0.2)
    assert state["online"] is False and state["reason"] == "lost"


async def test_an_invalid_configuration_is_refused_with_every_problem(device: Device) -> None:
    await wait_online(device)
    original = device.config.read_text()
    bad = original.replace("health_interval_s = 3600.0", "health_interval_s = -1") \
        .replace(f'device = "{DEVICE}"', 'device = "gate-99"')
    reply = await device.command("set_config", {"text": bad})
    assert (reply.ok, reply.code) == (False, "invalid")
    problems = "\n".join(reply.details["problems"])
    assert "mqtt.health_interval_s" in problems and "device: cannot be changed" in problems
    assert device.config.read_text() == original


async def test_a_good_configuration_is_applied_and_confirmed(device: Device) -> None:
    before = await wait_online(device)
    new = device.config.read_text().replace("health_interval_s = 3600.0",
                                            "health_interval_s = 1800.0")
    reply = await device.command("set_config", {"text": new}, timeout_s=60)
    assert reply.ok, reply
    assert reply.result and reply.result["restarted"] == ["agent"]
    assert device.config.read_text() == new
    assert not device.config.with_name("device.toml.rollback").exists()
    state = (await device.states(1))[0]
    assert state["online"] and state["started"] != before["started"]


async def test_a_configuration_that_cuts_the_device_off_is_rolled_back(device: Device) -> None:
    await wait_online(device)
    original = device.config.read_text()
    dead_end = original.replace(f"port = {device.broker.port}", f"port = {free_port()}")
    reply = await device.command("set_config", {"text": dead_end}, timeout_s=90)
    assert (reply.ok, reply.code) == (False, "rolled_back"), reply
    assert reply.message and "did not come back" in reply.message
    assert device.config.read_text() == original
    assert (await wait_online(device))["online"]
    follow_up = await device.command("ping")
    assert follow_up.ok
