"""The kiosk in a real window for the UI tests: one private X server (Xvfb)
per test process, one kiosk (demo ILS, simulated pad, circulation service,
Kivy app) per test module, screenshots kept under ``test-artifacts/kiosk``
and checked for drawn content.

Kivy is imported only inside these functions, after the display and
Kivy's environment are set (it reads them on import).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from drivers.sim.ils import DemoIls
from drivers.sim.server import SimOptions, SimServer
from edge.circulation.factory import service_from_config
from edge.circulation.service import CirculationService
from edge.config.loader import load
from tests.conftest import ROOT
from tests.peers.circulation import kiosk_toml
from tests.peers.sip2 import SIP_PASSWORD, SIP_USER

ARTIFACTS = ROOT / "test-artifacts" / "kiosk"
WIDTH, HEIGHT = 1024, 640
STAFF_PIN = "2580"


def private_window(home: Path) -> Iterator[str]:
    """The test process's display and Kivy environment."""
    from kiosk.display import configure_window, prepare_kivy, private_display

    with private_display(width=WIDTH + 200, height=HEIGHT + 200) as display:
        prepare_kivy(home, audio=False)
        configure_window(fullscreen=False, width=WIDTH, height=HEIGHT, vsync=False)
        yield display


def fresh_kivy_context() -> Any:
    """A new Kivy clock, factory and builder for the next app of this process
    (as Kivy's own test fixtures do), and its window opened again."""
    from kivy.clock import ClockBase
    from kivy.context import Context
    from kivy.core.window import Window
    from kivy.factory import Factory, FactoryBase
    from kivy.lang.builder import Builder, BuilderBase

    context = Context(init=False)
    context["Clock"] = ClockBase(async_lib="asyncio")
    context["Factory"] = FactoryBase.create_from(Factory)
    context["Builder"] = BuilderBase.create_from(Builder)
    context.push()
    Window.create_window()
    Window.register()
    Window.initialized = True
    Window.canvas.clear()
    return context


@dataclass
class KioskUi:
    ils: DemoIls
    hardware: SimServer
    service: CirculationService
    runtime: Any
    directory: Path
    shots: Path
    size: tuple[int, int] = (0, 0)
    digests: list[str] = field(default_factory=list)

    @property
    def app(self) -> Any:
        return self.runtime.app

    @property
    def flow(self) -> Any:
        return self.runtime.flow

    @property
    def ui(self) -> Any:
        from kiosk.ui.driver import UiDriver

        return UiDriver(self.app, timeout_s=20)

    async def shot(self, name: str, *expected: str) -> Path:
        """Screenshot as an artifact; the window must show ``expected`` texts,
        hold drawn content (pixel variance) and differ from the last one."""
        ui = self.ui
        for text in expected:
            await ui.wait_text(text)
        path = await ui.screenshot(self.shots / f"{len(self.digests) + 1:02d}-{name}.png")
        with Image.open(path) as image:
            assert image.size == self.size, image.size
            grey = np.asarray(image.convert("L"), dtype=np.float64)
        assert grey.std() > 20, f"{path.name} looks blank (std {grey.std():.1f})"
        assert (grey < 100).mean() > 0.005, f"{path.name} has no dark text"
        self.check_touch_targets(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert not self.digests or digest != self.digests[-1], f"{path.name} did not change"
        self.digests.append(digest)
        return path

    def check_touch_targets(self, name: str) -> None:
        """Every button a reader can touch is large: at least 7 % of the
        window's height both ways (10 mm on a 10" 1280x800 display). The
        demo's control panel is not the kiosk's."""
        from kivy.core.window import Window

        least = 0.07 * Window.height
        small = [(widget.action_id, round(widget.width), round(widget.height))
                 for widget in self.ui.widgets()
                 if str(getattr(widget, "action_id", None) or "demo:").partition(":")[0] != "demo"
                 and widget.get_root_window() is not None
                 and widget.opacity > 0 and min(widget.size) < least]
        assert not small, f"{name}: touch targets under {least:.0f} px: {small}"

    async def reset(self) -> None:
        """Back to an empty pad and the welcome screen."""
        from kiosk.views.model import Screen

        self.hardware.clear()
        self.flow.end_session()
        await self.ui.until(lambda: not self.service.stack.tags, "an empty pad")
        await self.ui.wait_screen(Screen.WELCOME)


@contextlib.asynccontextmanager
async def start_kiosk(directory: Path, name: str, kiosk: str = "",
                      panel: bool = False) -> AsyncIterator[KioskUi]:
    """The kiosk; with ``panel`` the demo's control panel beside it and an
    NFC card reader (nfcpy's udp transport) where its cards are tapped."""
    from kiosk.runtime import KioskRuntime
    from kiosk.settings import KioskSettings

    ils = DemoIls(db_path=directory / "ils.db", accounts={SIP_USER: SIP_PASSWORD})
    await ils.start("127.0.0.1", 0)
    hardware = await SimServer(SimOptions(nfc_port=0 if panel else None)).start()
    path = directory / "kiosk.toml"
    printer = directory / "printer.bin"
    cards = f'card_reader_url = "{hardware.urls["nfc"]}?interval_s=0.05"' if panel else ""
    path.write_text(kiosk_toml(
        ils_port=ils.port, reader_url=hardware.urls["reader"], store=directory / "device.db",
        patron=cards,
        extra=f'\n[kiosk]\nfullscreen = false\n{kiosk}\n[printer]\nurl = "file://{printer}"\n'),
        encoding="utf-8")
    loaded = load(path, environ={"SMARTLIB_SIP2_PASSWORD": SIP_PASSWORD,
                                 "SMARTLIB_STAFF_PIN": STAFF_PIN})
    service = service_from_config(loaded)
    await service.start()
    context = fresh_kivy_context()
    tasks: set[asyncio.Task[Any]] = set()
    side_panel = None
    if panel:
        from kiosk.demo.main import panel_factory

        side_panel = panel_factory(hardware, ils, service, lambda: runtime.flow, "vi", tasks,
                                   height_px=HEIGHT)
    runtime = KioskRuntime(service, KioskSettings.from_config(loaded), side_panel=side_panel)
    try:
        await runtime.start()
        yield KioskUi(ils, hardware, service, runtime, directory, ARTIFACTS / name,
                      size=(WIDTH, HEIGHT))
    finally:
        for task in tasks:
            task.cancel()
        await runtime.stop()
        context.pop()
        await service.close()
        await hardware.close()
        await ils.stop()
