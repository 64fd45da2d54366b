"""Real peers for circulation (and the kiosk and book drop, which call it):
the demo ILS on 127.0.0.1, the demo's simulated hardware (a FEIG reader
emulator on TCP over a virtual pad of demo books), and a device
configuration file pointing at both.

Pull these into an area's conftest.py with
``from tests.peers.circulation import *``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drivers.sim.ils import DemoIls
from drivers.sim.server import SimOptions, SimServer
from tests.peers.sip2 import SIP_PASSWORD, SIP_USER, demo_ils

__all__ = ["Rig", "demo_ils", "kiosk_toml", "rig", "sim_hardware", "wait_for"]

#: Poll fast in tests: a stack is read in tens of milliseconds.
POLL_S = 0.03


@pytest.fixture
async def sim_hardware() -> AsyncIterator[SimServer]:
    """The demo's hardware: FEIG reader emulator on TCP, empty pad."""
    server = SimServer(SimOptions())
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def kiosk_toml(*, ils_port: int, reader_url: str, store: Path, role: str = "kiosk",
               extra: str = "", offline: str = "", patron: str = "",
               probe_interval_s: float = 0.1, ils_timeout_s: float = 5.0) -> str:
    """A device configuration for the demo ILS and simulated hardware."""
    text = f"""
role = "{role}"
site = "hn-tvtp"
device = "{role}-test"
language = "vi"

[library]
isil = "VN-TVTPHN"
name = "Thư viện Thành phố Hà Nội"
timezone = "Asia/Ho_Chi_Minh"

[store]
path = "{store}"

[ils]
host = "127.0.0.1"
port = {ils_port}
login_user = "{SIP_USER}"
institution = "TVTPHN"
location = "TANG1"
timeout_s = {ils_timeout_s}
retries = 1
keepalive_s = 3600.0

[reader]
url = "{reader_url}"
poll_interval_s = {POLL_S}
leave_after_polls = 2
"""
    if role in ("kiosk", "bookdrop"):
        text += f"\n[offline]\nprobe_interval_s = {probe_interval_s}\n{offline}\n"
    if role == "kiosk":
        text += f"\n[patron]\n{patron}\n"
    return text + extra


@dataclass
class Rig:
    ils: DemoIls
    hardware: SimServer
    directory: Path
    environ: dict[str, str]

    def write_config(self, name: str = "kiosk.toml", **options: Any) -> Path:
        path = self.directory / name
        options.setdefault("store", self.directory / "device.db")
        path.write_text(kiosk_toml(ils_port=self.ils.port,
                                   reader_url=self.hardware.urls["reader"], **options),
                        encoding="utf-8")
        return path

    def load(self, name: str = "kiosk.toml", **options: Any) -> Any:
        from edge.config.loader import load

        return load(self.write_config(name, **options), environ=self.environ)

    def tag(self, item: str) -> Any:
        """The simulated tag of a demo item (PII or UID)."""
        return self.hardware.find_item(item)


@pytest.fixture
async def rig(demo_ils: DemoIls, sim_hardware: SimServer, tmp_path: Path) -> Rig:
    return Rig(demo_ils, sim_hardware, tmp_path, {"SMARTLIB_SIP2_PASSWORD": SIP_PASSWORD})


async def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0,
                   what: str = "condition") -> None:
    """Poll ``condition`` until true; fail the test after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
