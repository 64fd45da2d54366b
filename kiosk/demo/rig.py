"""The demo's world: the demo ILS (SIP2 on 127.0.0.1), the simulated
hardware (FEIG reader emulator over a pad of demo books; an NFC field where
demo library cards are tapped), and a kiosk configuration pointing at them
with its store, printer output and state in one directory."""

from __future__ import annotations

import importlib.util
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.sim.ils import DemoIls
from drivers.sim.server import SimOptions, SimServer
from edge.config.loader import LoadedConfig, load

#: The demo's staff PIN (shown on the control panel).
STAFF_PIN = "2580"
SIP_USER = "kiosk01"


def demo_config(*, ils_port: int, reader_url: str, card_url: str | None, directory: Path,
                language: str = "vi") -> str:
    cards = f'card_reader_url = "{card_url}"' if card_url else ""
    return f"""# The demo kiosk (written by smartlib demo).
role = "kiosk"
site = "demo"
device = "kiosk-demo"
language = "{language}"

[library]
isil = "VN-TVTPHN"
name = "Thư viện Thành phố Hà Nội"
timezone = "Asia/Ho_Chi_Minh"

[store]
path = "{directory / 'device.db'}"

[ils]
host = "127.0.0.1"
port = {ils_port}
login_user = "{SIP_USER}"
institution = "TVTPHN"
location = "TANG1"
timeout_s = 3.0
retries = 1

[reader]
url = "{reader_url}"
poll_interval_s = 0.1

[patron]
{cards}

[offline]
probe_interval_s = 1.0

[kiosk]
fullscreen = false
idle_timeout_s = 120.0
idle_warning_s = 20.0

[printer]
url = "file://{directory / 'receipt-printer.bin'}"
mode = "text"
"""


@dataclass
class DemoRig:
    directory: Path
    language: str = "vi"
    ils: DemoIls | None = None
    hardware: SimServer | None = None
    environ: dict[str, str] = field(default_factory=dict)

    async def start(self) -> LoadedConfig:
        """Start the ILS and the hardware; the kiosk's loaded configuration."""
        self.directory.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        self.ils = DemoIls(db_path=self.directory / "ils.db", accounts={SIP_USER: password})
        await self.ils.start("127.0.0.1", 0)
        nfc = importlib.util.find_spec("nfc") is not None
        self.hardware = SimServer(SimOptions(nfc_port=0 if nfc else None))
        await self.hardware.start()
        urls = self.hardware.urls
        card_url = f"{urls['nfc']}?interval_s=0.1" if "nfc" in urls else None
        path = self.directory / "kiosk.toml"
        path.write_text(demo_config(ils_port=self.ils.port, reader_url=urls["reader"],
                                    card_url=card_url, directory=self.directory,
                                    language=self.language), encoding="utf-8")
        self.environ = {"SMARTLIB_SIP2_PASSWORD": password, "SMARTLIB_STAFF_PIN": STAFF_PIN}
        return load(path, environ=self.environ)

    async def close(self) -> None:
        if self.hardware is not None:
            await self.hardware.close()
        if self.ils is not None:
            await self.ils.stop()

    @property
    def library(self) -> dict[str, Any]:
        assert self.hardware is not None
        return self.hardware.library

    async def tap(self, card: str, hold_s: float = 1.0) -> None:
        """Hold a demo library card (patron id) to the reader for ``hold_s``."""
        import asyncio

        assert self.hardware is not None
        await self.hardware.tap(card)
        await asyncio.sleep(hold_s)
        await self.hardware.untap()
