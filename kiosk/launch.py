"""``smartlib kiosk``: the kiosk of a device's configuration, until staff
close it (or SIGTERM, as systemd stops it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from edge.circulation.factory import service_from_config
from edge.config.loader import LoadedConfig
from kiosk.display import configure_window, prepare_kivy
from kiosk.settings import KioskSettings


async def run_kiosk(loaded: LoadedConfig, *, windowed: bool = False) -> None:
    settings = KioskSettings.from_config(loaded)
    with tempfile.TemporaryDirectory(prefix="smartlib-kivy-") as home:
        prepare_kivy(Path(home))
        configure_window(fullscreen=settings.fullscreen and not windowed)
        from kiosk.runtime import KioskRuntime

        async with service_from_config(loaded) as service:
            await KioskRuntime(service, settings).run()
