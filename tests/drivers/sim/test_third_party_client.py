"""A SIP2 client we did not write, pointed at the demo ILS: the PyPI
``Sip2`` package (https://pypi.org/project/Sip2/, tzeumer's client). It is
blocking, so it runs in a thread while the demo ILS serves on the loop."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from Sip2.sip2 import Sip2

from drivers.sim.ils import DemoIls
from tests.peers.sip2 import SIP_PASSWORD, SIP_USER


def _session(port: int, log_dir: Path) -> dict[str, Any]:
    sip = Sip2()
    sip.hostName, sip.hostPort = "127.0.0.1", port
    sip.tlsEnable = False
    sip.logfile_path = str(log_dir)
    sip.institutionId, sip.scLocation = "TVTPHN", "TANG1"
    sip.connect()
    try:
        out: dict[str, Any] = {}
        out["login"] = sip.sip_login_response(
            sip.get_response(sip.sip_login_request(SIP_USER, SIP_PASSWORD)))
        out["status"] = sip.sip_sc_status_response(
            sip.get_response(sip.sip_sc_status_request()))
        sip.patron, sip.patronpwd = "P0001", "1234"
        out["patron"] = sip.sip_patron_information_response(
            sip.get_response(sip.sip_patron_information_request("charged")))
        out["checkout"] = sip.sip_checkout_response(
            sip.get_response(sip.sip_checkout_request("30000001")))
        out["held"] = sip.sip_checkout_response(
            sip.get_response(sip.sip_checkout_request("30000006")))
        out["transit"] = sip.sip_checkin_response(
            sip.get_response(sip.sip_checkin_request("30000008")))
        out["renew"] = sip.sip_renew_response(
            sip.get_response(sip.sip_renew_request("30000011")))
        out["item"] = sip.sip_item_information_response(
            sip.get_response(sip.sip_item_information_request("30000001")))
        return out
    finally:
        sip.disconnect()


async def test_the_sip2_package_runs_a_session_against_the_demo_ils(
        demo_ils: DemoIls, tmp_path: Path) -> None:
    out = await asyncio.to_thread(_session, demo_ils.port, tmp_path)
    assert out["login"]["fixed"]["Ok"] == "1"
    assert out["status"]["fixed"]["OnlineStatus"] == "Y"
    patron = out["patron"]["variable"]
    assert patron["AE"] == ["Nguyễn Thị Minh Anh"]
    assert sorted(patron["AU"]) == ["30000010", "30000011"]
    checkout = out["checkout"]
    assert checkout["fixed"]["Ok"] == "1" and checkout["variable"]["AJ"] == ["Truyện Kiều"]
    assert out["held"]["fixed"]["Ok"] == "0"
    transit = out["transit"]["variable"]
    assert out["transit"]["fixed"]["Alert"] == "Y"
    assert transit["CV"] == ["04"] and transit["CT"] == ["VN-TVQG"]
    assert out["renew"]["fixed"]["Ok"] == "0"
    assert out["item"]["fixed"]["CirculationStatus"] == "04"
    loan = await demo_ils.loan("30000001")
    assert loan is not None and loan.patron_id == "P0001"
    # Its requests carried AY/AZ; the demo ILS verified and answered in kind.
    assert all(m.checksum for m in demo_ils.requests)
