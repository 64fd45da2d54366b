"""Leaving the kiosk program takes the staff credential: the window stays
while a reader asks to close it, and closes from staff mode."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.views.model import Screen
from tests.kiosk.ui import STAFF_PIN, KioskUi

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_only_staff_close_the_kiosk(kiosk_ui: KioskUi) -> None:
    from kivy.core.window import Window

    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await ui.wait_screen(Screen.WELCOME)
    Window.dispatch("on_request_close")
    await ui.frames(3)
    assert kiosk.app.root.get_root_window() is not None
    await ui.tap("staff")
    await ui.type(STAFF_PIN)
    await ui.tap("submit")
    await ui.wait_screen(Screen.STAFF)
    await ui.tap("staff:quit")
    async with asyncio.timeout(10):
        await kiosk.runtime.wait()  # the app stopped: the window is closed
    assert kiosk.flow.quit_requested
