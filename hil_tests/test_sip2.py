"""Acceptance of the connection to a real ILS over SIP2 (read-only: no loan
is made). Run where the device will run, against the library's SIP2 server:

    SMARTLIB_HIL_SIP2=/etc/smartlib/kiosk.toml SMARTLIB_SIP2_PASSWORD=... \\
    SMARTLIB_HIL_SIP2_PATRON=<test card> SMARTLIB_HIL_SIP2_ITEM=<test barcode> \\
        python -m pytest hil_tests/test_sip2.py -v -rs
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest

from drivers.sip2 import Sip2Client
from edge.config import load
from edge.ils import library_clock, sip2_settings


def _client(hil_device: Callable[[str, str], str]) -> Sip2Client:
    path = hil_device("SMARTLIB_HIL_SIP2", "a device configuration file with an [ils] section")
    loaded = load(path)
    ils = getattr(loaded.device, "ils", None)
    if ils is None:
        pytest.fail(f"{path} has no [ils] section")
    settings = sip2_settings(ils, loaded.secrets)
    return Sip2Client(settings, clock=library_clock(loaded.device.library.timezone))


def test_login_and_sc_status(hil_device: Callable[[str, str], str]) -> None:
    async def run() -> None:
        async with _client(hil_device) as client:
            status = client.acs_status or await client.sc_status()
            assert status.online, "the ACS says it is off line"
            assert status.checkin_ok and status.checkout_ok, status.named()
            # A second request on the same connection proves framing and sequence.
            assert (await client.sc_status()).online
    asyncio.run(run())


def test_patron_and_item_answers(hil_device: Callable[[str, str], str]) -> None:
    patron = hil_device("SMARTLIB_HIL_SIP2_PATRON", "a test patron's barcode")
    item = os.environ.get("SMARTLIB_HIL_SIP2_ITEM")

    async def run() -> None:
        async with _client(hil_device) as client:
            info = await client.patron_information(patron)
            assert info.ok, info.screen_message
            assert info.personal_name, "the ILS sent no name for the test patron"
            if item:
                known = await client.item_information(item)
                assert known.ok and known.title_identifier, known.screen_message
    asyncio.run(run())
