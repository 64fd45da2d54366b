"""The kiosk as one running thing on the process's asyncio loop: the flow
over a started circulation service, the Kivy window, and the camera.

    runtime = KioskRuntime(service, settings)
    await runtime.start()           # the window is up
    await runtime.wait()            # until staff close the kiosk program
    await runtime.stop()

or, for a program that is the kiosk, ``await runtime.run()`` (the same, with
SIGTERM closing the window).

Call :func:`kiosk.display.prepare_kivy` and
:func:`kiosk.display.configure_window` first (Kivy reads them on import).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from edge.circulation.service import CirculationService
from kiosk.flow import KioskFlow
from kiosk.settings import KioskSettings

if TYPE_CHECKING:
    from drivers.cards.camera import CameraScanner
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

#: Pause before the camera is opened again after it failed.
CAMERA_RETRY_S = 10.0


class KioskRuntime:
    def __init__(self, service: CirculationService, settings: KioskSettings, *,
                 side_panel: Callable[[], Any] | None = None, allow_close: bool = False,
                 sounds: bool = True, on_first_frame: Callable[[], None] | None = None
                 ) -> None:
        self.service = service
        self.settings = settings
        self.flow = KioskFlow(service, settings)
        self._side_panel = side_panel
        self._allow_close = allow_close
        self._sounds = sounds
        self._on_first_frame = on_first_frame
        self.app: KioskApp | None = None
        self._app_task: asyncio.Task[None] | None = None
        self._camera: asyncio.Task[None] | None = None

    async def start(self, timeout_s: float = 30.0) -> KioskApp:
        from kiosk.app import KioskApp

        await self.flow.start()
        app = KioskApp(self.flow, side_panel=self._side_panel, allow_close=self._allow_close,
                       sounds=self._sounds, on_first_frame=self._on_first_frame)
        self.app = app
        self._app_task = asyncio.ensure_future(app.async_run(async_lib="asyncio"))
        async with asyncio.timeout(timeout_s):
            while app.root is None or app.root.get_root_window() is None:
                if self._app_task.done():
                    await self._app_task  # raises what stopped it
                    raise RuntimeError("the kiosk window closed while starting")
                await asyncio.sleep(0.01)
        if self.settings.camera is not None:
            self._camera = asyncio.ensure_future(self._watch_camera(self.settings.camera))
        return app

    async def wait(self) -> None:
        """Until the window closes (staff closed the kiosk program)."""
        if self._app_task is not None:
            await self._app_task

    async def run(self) -> None:
        """Start, run until the window closes (staff, or SIGTERM from
        systemd), then stop."""
        app = await self.start()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGTERM, app.stop)
        try:
            await self.wait()
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGTERM)
            await self.stop()

    async def stop(self) -> None:
        if self._camera is not None:
            self._camera.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._camera
        if self.app is not None and self._app_task is not None and not self._app_task.done():
            self.app.stop()
            await self._app_task
        await self.flow.close()

    async def _watch_camera(self, index: int) -> None:
        from drivers.cards.camera import CameraError, CameraScanner

        if any(importlib.util.find_spec(name) is None for name in ("cv2", "zxingcpp")):
            log.warning("no camera support: install smartlib-edge[camera]")
            return
        while True:
            try:
                await read_codes(self.flow, CameraScanner(index))
            except CameraError as exc:
                self.flow.log_error("C01", str(exc))
            await asyncio.sleep(CAMERA_RETRY_S)


async def read_codes(flow: KioskFlow, scanner: CameraScanner) -> None:
    """A code shown to the camera is presented to the session as a card
    on the reader would be (on the screens where a reader identifies)."""
    async with contextlib.aclosing(scanner.codes()) as codes:
        async for code in codes:
            await flow.scanned(code.text, code.symbology)
