"""The demo's simulated hardware as a server: books placed and cards tapped
through the control socket reach the real drivers over TCP, a serial pty,
pcscd and nfcpy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from drivers.cards import CardPresented, CardRemoved, open_card_reader
from drivers.rfid import open_reader
from drivers.sim.server import SimOptions, SimServer, control
from tests.drivers.cards.streams import first_event
from tests.peers.pcscd import Pcscd, wait_card


@pytest.fixture
async def server(tmp_path: Path, pcscd: Pcscd) -> AsyncIterator[SimServer]:
    _, vpcd_port = pcscd.reader("Smartlib Desk", 0)
    sim = SimServer(SimOptions(pty_path=str(tmp_path / "ttyFEIG"), vpcd_port=vpcd_port,
                               nfc_port=0))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()
        await asyncio.to_thread(wait_card, pcscd.reader("Smartlib Desk", 0)[0], False)


async def test_books_placed_through_the_control_socket_reach_both_reader_links(
        server: SimServer) -> None:
    port = server.options.control_port
    answer = await control("127.0.0.1", port, {"op": "place", "item": "30000001"})
    assert answer == {"ok": True, "uid": "E004015000000001"}
    await control("127.0.0.1", port, {"op": "place", "item": "E004015000000071",
                                      "antenna": 1})
    for url in (server.urls["reader"], server.urls["reader_serial"] + "?gap_ms=0"):
        async with await open_reader(url) as reader:
            assert {t.uid_hex for t in await reader.inventory()} == {
                "E004015000000001", "E004015000000071"}
    await control("127.0.0.1", port, {"op": "remove", "item": "30000001"})
    state = await control("127.0.0.1", port, {"op": "state"})
    assert [t["pii"] for t in state["on_pad"]] == ["30000007"]
    bad = await control("127.0.0.1", port, {"op": "place", "item": "99999999"})
    assert bad["ok"] is False and "99999999" in bad["error"]


async def test_a_tapped_patron_card_shows_on_pcsc_and_nfc(
        server: SimServer, pcscd: Pcscd) -> None:
    name, _ = pcscd.reader("Smartlib Desk", 0)
    pcsc = open_card_reader(f"pcsc://{name}")
    nfc = open_card_reader(server.urls["nfc"] + "?interval_s=0.05")
    async with contextlib.aclosing(pcsc.events()) as pcsc_events, \
            contextlib.aclosing(nfc.events()) as nfc_events:
        await server.handle({"op": "tap", "card": "P0001", "text": "P0001"})
        on_pcsc = await first_event(pcsc_events, CardPresented)
        on_nfc = await first_event(nfc_events, CardPresented)
        assert isinstance(on_pcsc, CardPresented) and isinstance(on_nfc, CardPresented)
        assert on_pcsc.uid_hex == on_nfc.uid_hex == "04A1B2C3D4E5F6"
        assert on_nfc.text == "P0001"
        await server.untap()
        assert isinstance(await first_event(pcsc_events, CardRemoved), CardRemoved)
        assert isinstance(await first_event(nfc_events, CardRemoved), CardRemoved)
