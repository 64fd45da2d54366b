"""``smartlib reader``: what IT staff see. The FEIG cases run the installed
command in a child process against the FEIG emulator on a socat pty pair."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from drivers.sim.feig import FeigEmulator
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad
from drivers.sim.tags import SimTag
from tests.conftest import CliResult
from tests.peers.pty import PtyPair

UID = bytes.fromhex("E004015000000001")
SMARTLIB = [str(Path(sys.executable).with_name("smartlib"))]


async def smartlib(*args: str) -> CliResult:
    proc = await asyncio.create_subprocess_exec(
        *SMARTLIB, "--lang", "en", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(), err.decode())


async def test_scan_write_afi_and_read_against_a_feig_reader(pty_pair: PtyPair) -> None:
    from drivers.tags import ItemTag, encode

    encoded = encode(ItemTag.new("30000042", "VN-TVTPHN"), block_size=4, capacity=112)
    pad = VirtualPad()
    sim = pad.place(SimTag(UID, memory=encoded.memory, dsfid=encoded.dsfid, afi=0x07))
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    url = f"feig://{pty_pair.host}"
    try:
        scan = await smartlib("reader", "scan", "--url", url, "--json")
        assert scan.code == 0, scan.stderr
        data = json.loads(scan.stdout)
        assert data["count"] == 1
        tag = data["tags"][0]
        assert (tag["uid"], tag["afi"], tag["security"], tag["block_count"]) == (
            "E004015000000001", 0x07, "secured", 28)
        assert (tag["item"]["pii"], tag["item"]["owner_isil"]) == ("30000042", "VN-TVTPHN")
        written = await smartlib("reader", "write-afi", "E0 04 01 50 00 00 00 01", "C2",
                                 "--url", url)
        assert written.code == 0, written.stderr
        assert "C2 (on loan), read back and verified" in written.stdout
        assert sim.afi == 0xC2
        read = await smartlib("reader", "read", "E004015000000001", "--url", url)
        assert read.code == 0 and "AFI C2 (on loan)" in read.stdout
        assert f"  0  {encoded.memory[:4].hex(' ').upper()}" in read.stdout
        assert "item: 30000042  VN-TVTPHN  1/1" in read.stdout
        pad.remove(UID)
        gone = await smartlib("reader", "write-afi", "E004015000000001", "07", "--url", url)
        assert gone.code == 1 and "not in the field" in gone.stderr
    finally:
        await endpoint.close()


async def test_watch_streams_arrivals_as_json_lines(pty_pair: PtyPair) -> None:
    pad = VirtualPad()
    pad.place(SimTag(UID))
    endpoint = await PtyEndpoint(FeigEmulator(pad), pty_pair.device, pty_pair.host).start()
    try:
        result = await smartlib("reader", "watch", "--url", f"feig://{pty_pair.host}",
                                "--json", "--seconds", "1")
    finally:
        await endpoint.close()
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.code == 0
    assert events[0] == {"event": "ReaderStatus", "state": "connected", "error": None}
    assert events[1] == {"event": "TagArrived", "uid": "E004015000000001", "antenna": 1,
                         "dsfid": 0}
    assert events[2]["event"] == "TagData" and events[2]["uid"] == "E004015000000001"


def test_scan_of_the_demo_pad_decodes_every_item(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "en", "reader", "scan", "--url", "sim://demo", "--json")
    assert result.code == 0
    tags = {t["uid"]: t for t in json.loads(result.stdout)["tags"]}
    assert len(tags) == 13
    assert {t["security"] for t in tags.values()} == {"secured", "on_loan"}
    assert tags["E004015000000072"]["item"] == {
        "model": "28560-2", "pii": "30000007", "owner_isil": "VN-TVTPHN",
        "parts_in_item": 2, "part_number": 2}
    assert tags["E004015000000009"]["security"] == "on_loan"
    text = cli("--lang", "en", "reader", "scan", "--url", "sim://demo")
    assert "E004015000000008  DSFID 06  AFI 07  secured      30000008  VN-TVQG  1/1" in text.stdout


def test_unreachable_reader_exits_3_and_bad_input_2(cli: Callable[..., CliResult]) -> None:
    missing = cli("--lang", "en", "reader", "scan", "--url", "feig:///nonexistent/ttyUSB7")
    assert missing.code == 3 and "cannot reach the reader" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_url = cli("--lang", "en", "reader", "scan", "--url", "feig:///dev/x?baud=7")
    assert bad_url.code == 2 and "baud" in bad_url.stderr
    bad_afi = cli("--lang", "en", "reader", "write-afi", "E004015000000001", "ZZ",
                  "--url", "sim://demo")
    assert bad_afi.code == 2
    bad_uid = cli("--lang", "en", "reader", "read", "E0040150", "--url", "sim://demo")
    assert bad_uid.code == 2 and "8" in bad_uid.stderr


def test_help_in_vietnamese(cli: Callable[..., CliResult]) -> None:
    result = cli("--lang", "vi", "reader", "--help")
    assert result.code == 0 and "thẻ" in result.stdout


async def test_simulate_serves_the_demo_until_interrupted(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *SMARTLIB, "reader", "simulate", "--json", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "HOME": str(tmp_path)})
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(20):
            text = b""
            while not text.rstrip().endswith(b"}"):
                text += await proc.stdout.readline()
        urls = json.loads(text)
        host, port = urls["control"].removeprefix("tcp://").split(":")
        from drivers.rfid import open_reader
        from drivers.sim.server import control

        assert (await control(host, int(port), {"op": "place", "item": "30000002"}))["ok"]
        async with await open_reader(urls["reader"]) as reader:
            assert [t.uid_hex for t in await reader.inventory()] == ["E004015000000002"]
    finally:
        proc.send_signal(signal.SIGINT)
        await proc.wait()
    assert proc.returncode == 130
