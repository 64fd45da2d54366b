"""``smartlib agent`` and ``smartlib relay`` as IT staff use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from edge.contract import events
from edge.store import open_store
from tests.conftest import CliResult
from tests.edge.agent.conftest import DEVICE, SITE, Device
from tests.edge.netsetup import central_config, device_config
from tests.peers.mosquitto import Broker


def test_outbox_and_resend(tmp_path: Path, mosquitto: Callable[..., Broker],
                           cli: Callable[..., CliResult]) -> None:
    broker = mosquitto(devices=[(SITE, DEVICE)])
    config = device_config(tmp_path, broker, SITE, DEVICE)
    with open_store(tmp_path / "device.db") as store:
        appended = [store.outbox.append(events.checkout(item=f"3{i}", due="2026-12-05"))
                    for i in range(3)]
        store.outbox.record_delivery(acked=[a.seq for a in appended[:2]])
        store.outbox.mark_refused(appended[2].seq, "broker refused: reason code 0x87")
    result = cli("--lang", "en", "agent", "--config", str(config), "outbox", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["pending"], data["refused"]) == (0, 1)
    assert data["refused_events"][0]["reason"] == "broker refused: reason code 0x87"
    result = cli("--lang", "en", "agent", "resend", "--config", str(config), "--since",
                 "2000-01-01T00:00:00+07:00")
    assert result.code == 0 and result.stdout.strip() == "2 events queued again"
    assert cli("agent", "resend", "--config", str(config), "--since", "yesterday").code == 2


def test_agent_without_config_or_mqtt_section_exits_2(tmp_path: Path,
                                                      cli: Callable[..., CliResult]) -> None:
    assert cli("agent").code == 2
    path = tmp_path / "gate.toml"
    path.write_text('role = "gate"\nsite = "s"\ndevice = "d"\n[library]\nisil = "VN-X1"\n'
                    'name = "x"\n[reader]\nurl = "sim://demo"\n')
    result = cli("--lang", "en", "agent", "--config", str(path))
    assert result.code == 2 and "[mqtt]" in result.stderr


def test_relay_acl_lists_each_device(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    listing = tmp_path / "devices.txt"
    listing.write_text("# kiosks\nhn-tvtp/kiosk-01\nhn-tvtp/kiosk-02\n")
    result = cli("relay", "acl", "--devices-file", str(listing), "--device", "hd/gate-01")
    assert result.code == 0
    assert "user hn-tvtp.kiosk-02\ntopic write smartlib/v1/hn-tvtp/kiosk-02/evt/#" in \
        result.stdout
    assert "user relay\ntopic read smartlib/v1/#" in result.stdout
    assert cli("relay", "acl", "--device", "no-slash").code == 2


async def test_relay_command_and_status_from_the_command_line(
        device: Device, tmp_path: Path, cli_process: Callable[..., CliResult]) -> None:
    import asyncio

    from tests.edge.agent.conftest import wait_online

    await wait_online(device)
    config = central_config(tmp_path / "central", device.broker, "relay-01",
                            f"sqlite:///{tmp_path / 'relay.db'}")
    result = await asyncio.to_thread(cli_process, "--lang", "en", "relay", "--config",
                                     str(config), "command", f"{SITE}/{DEVICE}", "ping",
                                     "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["result"]["pong"] is True
    result = await asyncio.to_thread(cli_process, "relay", "--config", str(config), "command",
                                     f"{SITE}/{DEVICE}", "lock_kiosk")
    assert result.code == 1 and "not_supported" in result.stderr
    result = await asyncio.to_thread(cli_process, "relay", "--config", str(config), "command",
                                     f"{SITE}/nobody", "ping", "--timeout", "1")
    assert result.code == 3
    status = await asyncio.to_thread(cli_process, "relay", "--config", str(config),
                                     "status", "--json")
    assert status.code == 0 and json.loads(status.stdout)["events"] == 0
