"""``smartlib bookdrop``: bins, emptying one (with the book drop running,
and not), the installation test, and the service returning an item
through circulation (demo ILS, FEIG emulator on a pty pair)."""

from __future__ import annotations

import json
from pathlib import Path

from drivers.sim.feig import FeigEmulator
from drivers.sim.ils import DemoIls
from drivers.sim.library import demo_tags
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad
from edge.config.examples import render
from firmware_bridge.emulator import BookdropBoard, PtyBoard
from tests.edge.cli.test_reader_cmd import smartlib
from tests.peers.pty import PtyPair, make_pair


def bookdrop_toml(tmp_path: Path, url: str = "feig:///dev/null", **replace: str) -> Path:
    text = render("bookdrop").replace('url = "feig:///dev/ttyUSB0?baud=38400"', f'url = "{url}"')
    text = text.replace('pin_factory = "auto"', 'pin_factory = "mock"')
    text = text.replace("/var/lib/smartlib/device.db", str(tmp_path / "device.db"))
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "bookdrop.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_bins_and_emptying_one_while_the_book_drop_is_off(tmp_path: Path) -> None:
    config = bookdrop_toml(tmp_path)
    (tmp_path / "bookdrop-bins.json").write_text('{"shelf": 60, "holds": 3}')
    shown = await smartlib("bookdrop", "bins", "--config", str(config), "--json")
    assert shown.code == 0, shown.stderr
    rows = {r["bin"]: r for r in json.loads(shown.stdout)["bins"]}
    assert rows["shelf"] == {"bin": "shelf", "routes": ["shelf"], "count": 60, "capacity": 60,
                             "full": True}
    assert rows["holds"]["count"] == 3 and not rows["holds"]["full"]
    text = await smartlib("bookdrop", "bins", "--config", str(config))
    assert "shelf        60/60  (shelf)  FULL" in text.stdout
    emptied = await smartlib("bookdrop", "empty", "shelf", "--config", str(config), "--json")
    assert emptied.code == 0, emptied.stderr
    assert json.loads(emptied.stdout) == {"bin": "shelf", "count": 0,
                                          "running_book_drop_told": False}
    assert json.loads((tmp_path / "bookdrop-bins.json").read_text()) == {
        "shelf": 0, "holds": 3, "transit": 0, "problem": 0}
    wrong = await smartlib("bookdrop", "empty", "attic", "--config", str(config))
    assert wrong.code == 2 and "no bin 'attic'" in wrong.stderr


async def test_the_service_returns_an_item_through_circulation(tmp_path: Path,
                                                              pty_pair: PtyPair,
                                                              demo_ils: DemoIls) -> None:
    import asyncio
    import os
    import signal
    import sys

    from drivers.sim.library import load_demo_library
    from edge.store import open_store
    from tests.peers.sip2 import SIP_PASSWORD

    pii = "30000010"  # on loan to P0001
    uid = next(i["tag_uid"] for i in load_demo_library()["items"] if i["pii"] == pii)
    pad = VirtualPad()
    book = pad.place(next(t for t in demo_tags() if t.uid.hex().upper() == uid))
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    config = bookdrop_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0", **{
        'host = "ils.example.vn"': 'host = "127.0.0.1"',
        "port = 6001": f"port = {demo_ils.port}",
        "slot = 5": "slot = false",  # no slot sensor: the reader notices the item
        "poll_interval_s = 0.2": "poll_interval_s = 0.02",
        "settle_s = 0.3": "settle_s = 0.02",
        "divert_s = 1.5": "divert_s = 0.05"})
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("smartlib")), "--lang", "en", "bookdrop",
        "--config", str(config), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=os.environ | {"SMARTLIB_SIP2_PASSWORD": SIP_PASSWORD})
    try:
        counts = tmp_path / "bookdrop-bins.json"
        async with asyncio.timeout(30):  # until it is sorted and counted
            while not (counts.exists() and json.loads(counts.read_text())["shelf"] == 1):
                assert proc.returncode is None, await proc.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await endpoint.close()
    assert proc.returncode == 0, err.decode()
    assert await demo_ils.loan(pii) is None  # checked in at the ILS
    assert book.afi == 0x07  # secured again
    store = open_store(tmp_path / "device.db")
    try:
        returns = [json.loads(p.payload) for p in store.outbox.pending() if p.type == "return"]
    finally:
        store.close()
    assert [(r["item"], r["routing"]["action"]) for r in returns] == [(pii, "shelf")]


async def test_the_installation_test_with_gpio_and_a_reader(tmp_path: Path,
                                                            pty_pair: PtyPair) -> None:
    pad = VirtualPad()
    pad.place(demo_tags()[0])
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    config = bookdrop_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0")
    try:
        result = await smartlib("bookdrop", "test", "--config", str(config), "--seconds",
                                "0.01", "--json")
    finally:
        await endpoint.close()
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outputs"] == {"ready light": "pin 6", "conveyor": "pin 13",
                                 "diverter holds": "pin 20", "diverter transit": "pin 21",
                                 "diverter problem": "pin 12"}
    assert report["sensors"]["slot"] == "inactive"
    assert report["tags"] == ["E004015000000001"]


async def test_the_installation_test_greets_the_sorter_board(tmp_path: Path,
                                                             pty_pair: PtyPair) -> None:
    board_pair = make_pair(tmp_path, "board")
    board = await PtyBoard(BookdropBoard(bins=4), board_pair.device).start()
    reader = await PtyEndpoint(FeigEmulator(VirtualPad()), pty_pair.device,
                               pty_pair.host).start()
    config = bookdrop_toml(tmp_path, f"feig://{pty_pair.host}?gap_ms=0", **{
        'sorter = "gpio"': 'sorter = "mcu"',
        '# mcu_port = "/dev/serial/by-id/usb-Raspberry_Pi_Pico_E6616407E3-if00"':
            f'mcu_port = "{board_pair.host}"'})
    try:
        result = await smartlib("bookdrop", "test", "--config", str(config), "--seconds",
                                "0.01", "--json")
    finally:
        await reader.close()
        await board.close()
        board_pair.unplug()
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["board"]["bins"] == 4 and report["board"]["firmware"] == "smartlib-sim 1.0"
    assert report["board"]["inputs"] == [False] * 5


async def test_the_simulated_board_answers_like_a_board(tmp_path: Path) -> None:
    import asyncio
    import signal
    import sys

    from firmware_bridge import LinkOptions, McuLink

    path = str(tmp_path / "ttySORTER")
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("smartlib")), "--lang", "en", "bookdrop",
        "simulate-board", "--pty", path, "--bins", "3", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        first = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert first.strip() == b"{"
        async with McuLink(path, LinkOptions(ping_interval_s=0)) as link:
            assert link.info is not None and link.info.bins == 3
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        assert proc.returncode == 130
        assert not await asyncio.to_thread(Path(path).exists)  # the pty pair is gone with it
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
