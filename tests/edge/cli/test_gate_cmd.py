"""``smartlib gate``: the service as systemd runs it (a child process with
its configuration, stopped by SIGTERM) against the FEIG emulator on a pty
pair with simulated GPIO pins, and the installation test."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
from pathlib import Path

from drivers.sim.feig import FeigEmulator
from drivers.sim.library import demo_tags
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad
from edge.config.examples import render
from tests.conftest import CliResult
from tests.edge.cli.test_reader_cmd import SMARTLIB, smartlib
from tests.peers.pty import PtyPair

TAGS = {t.uid.hex().upper(): t for t in demo_tags()}
SECURED, ON_LOAN = TAGS["E004015000000001"], TAGS["E004015000000009"]


def gate_toml(tmp_path: Path, url: str, **gate: str) -> Path:
    text = render("gate").replace('url = "feig:///dev/ttyUSB0?baud=38400"', f'url = "{url}"')
    text = text.replace('pin_factory = "auto"', 'pin_factory = "mock"')
    text = text.replace("/var/lib/smartlib/device.db", str(tmp_path / "device.db"))
    text = text.replace('beam_broken_level = "high"', 'beam_broken_level = "low"')
    for key, value in gate.items():
        text = text.replace(f"\n{key} = ", f"\n{key} = {value}\n# was: ", 1)
    path = tmp_path / "gate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def outbox(db: Path) -> list[tuple[str, dict[str, object]]]:
    """The device's outbox, read as the agent would (empty while the
    service is still creating the database)."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            return [(t, json.loads(p)) for t, p in conn.execute(
                "SELECT type, payload FROM outbox ORDER BY seq")]
        except sqlite3.OperationalError:
            return []


async def test_the_gate_runs_alarms_and_stops_cleanly_on_sigterm(
        tmp_path: Path, pty_pair: PtyPair) -> None:
    pad = VirtualPad()
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    config = gate_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0")
    proc = await asyncio.create_subprocess_exec(
        *SMARTLIB, "--lang", "en", "gate", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        pad.place(ON_LOAN)
        pad.place(SECURED)
        async with asyncio.timeout(30):
            while not [e for e in outbox(tmp_path / "device.db") if e[0] == "gate_alarm"]:  # noqa: ASYNC110 - another process writes it
                await asyncio.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await endpoint.close()
    events = outbox(tmp_path / "device.db")
    alarms = [p for t, p in events if t == "gate_alarm"]
    assert [(a["uid"], a["item"]) for a in alarms] == [("E004015000000001", "30000001")]
    # the visitor period under way was sent when the gate stopped
    assert [t for t, _ in events].count("visitor_count") >= 1


async def test_the_installation_test_lists_what_the_gate_would_do(
        tmp_path: Path, pty_pair: PtyPair) -> None:
    pad = VirtualPad()
    pad.place(SECURED)
    pad.place(ON_LOAN)
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    config = gate_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0")
    try:
        result = await smartlib("gate", "test", "--config", str(config), "--seconds", "0.05",
                                "--json")
    finally:
        await endpoint.close()
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outputs"] == {"red": "pin 17", "green": "pin 27", "buzzer": "pin 22"}
    assert report["beams"] == {"outer": "clear", "inner": "clear"}
    verdicts = {t["uid"]: t["gate"] for t in report["tags"]}
    assert verdicts == {"E004015000000001": "alarm", "E004015000000009": "pass"}


async def test_a_blocked_beam_fails_the_installation_test(tmp_path: Path,
                                                          pty_pair: PtyPair) -> None:
    endpoint = await PtyEndpoint(FeigEmulator(VirtualPad()), pty_pair.device,
                                 pty_pair.host).start()
    # mock pins idle high (pull-up): with "broken when high" both beams read broken
    config = gate_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0")
    config.write_text(config.read_text().replace('beam_broken_level = "low"',
                                                 'beam_broken_level = "high"'))
    try:
        result = await smartlib("gate", "test", "--config", str(config), "--seconds", "0.01")
    finally:
        await endpoint.close()
    assert result.code == 1
    assert "outer beam (pin 23): BROKEN" in result.stdout


async def test_an_unreachable_reader_is_exit_code_3(tmp_path: Path) -> None:
    config = gate_toml(tmp_path, f"feig://{tmp_path}/no-such-tty")
    result = await smartlib("gate", "test", "--config", str(config), "--seconds", "0.01")
    assert result.code == 3
    assert "cannot reach the reader" in result.stderr


def test_usage_errors_are_exit_code_2(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("gate", "--help").code == 0
    missing: CliResult = cli("--lang", "en", "gate")
    assert missing.code == 2 and "--config" in missing.stderr
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text(render("kiosk").replace("/var/lib/smartlib/", f"{tmp_path}/"))
    wrong = cli("--lang", "en", "gate", "--config", str(kiosk))
    assert wrong.code == 2 and 'needs role = "gate"' in wrong.stderr
    bad = gate_toml(tmp_path, "feig:///dev/null")
    bad.write_text(bad.read_text().replace("red = 17", "red = true"))
    result = cli("--lang", "en", "gate", "--config", str(bad))
    assert result.code == 2 and "gate.pins.red" in result.stderr
