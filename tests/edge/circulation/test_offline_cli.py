"""``smartlib offline``: report and flush, from the device's configuration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from edge.circulation.model import TypedNumber
from tests.conftest import CliResult
from tests.edge.circulation.conftest import place, start_service
from tests.peers.circulation import Rig


def test_without_a_configuration(cli: Callable[..., CliResult],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTLIB_CONFIG", raising=False)
    result = cli("--lang", "en", "offline", "report")
    assert result.code == 2 and "--config" in result.stderr


async def test_a_gate_has_no_offline_journal(rig: Rig, cli: Callable[..., CliResult]) -> None:
    config = rig.write_config("gate.toml", role="gate")
    result = cli("--lang", "en", "offline", "report", "--config", str(config))
    assert result.code == 2 and "no offline journal" in result.stderr


async def test_report_and_flush_from_the_command_line(
        rig: Rig, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in rig.environ.items():
        monkeypatch.setenv(name, value)
    service = await start_service(rig)
    try:
        await rig.ils.go_offline()
        reader = (await service.identify(TypedNumber("P0001"))).patron
        assert reader is not None
        await place(rig, service, "30000001")
        assert (await service.checkout(reader)).items[0].status == "queued"
    finally:
        await service.close()
    config = str(rig.directory / "kiosk.toml")
    report = cli("offline", "report", "--config", config, "--json")
    assert report.code == 0
    data = json.loads(report.stdout)
    assert [(q["item"], q["operation"], q["patron"]) for q in data["queued"]] == [
        ("30000001", "checkout", "P0001")]
    assert data["offline_since"] is not None
    # no service runs and the ILS is still away: exit 3, nothing lost
    down = await asyncio.to_thread(cli, "offline", "flush", "--config", config, "--wait", "0.3")
    assert down.code == 3
    await rig.ils.come_back()
    flushed = await asyncio.to_thread(cli, "offline", "flush", "--config", config, "--wait",
                                      "0.3", "--json")
    assert flushed.code == 0, flushed.stderr
    assert json.loads(flushed.stdout) == {"replayed": 1, "conflicts": 0, "remaining": 0,
                                          "ils_online": True}
    assert (await rig.ils.loan("30000001")) is not None
    bad = cli("offline", "report", "--config", config, "--since", "yesterday")
    assert bad.code == 2
