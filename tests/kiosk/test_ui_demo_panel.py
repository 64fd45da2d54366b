"""The demo's control panel beside the kiosk (what ``smartlib demo`` shows
on a desktop): touching a library card taps it on the simulated NFC reader,
touching a book puts it on the simulated pad, and the kiosk reacts as it
would to the real thing."""

from __future__ import annotations

import pytest

from kiosk.views.model import Screen
from tests.kiosk.ui import KioskUi

pytestmark = pytest.mark.asyncio(loop_scope="module")

PANEL = True


async def test_cards_and_books_from_the_panel(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await ui.wait_screen(Screen.WELCOME)
    await kiosk.shot("panel-welcome", "Bảng điều khiển trình diễn", "Truyện Kiều · 30000001",
                     "Nguyễn Thị Minh Anh (P0001)")
    await ui.tap("demo:tap:P0001")  # the card is read by nfcpy from the simulated field
    await ui.wait_screen(Screen.HOME)
    await ui.tap("borrow")
    await ui.wait_screen(Screen.BORROW)
    toggle = next(w for w in ui.widgets() if getattr(w, "tag_uid", None) == "E004015000000001")
    await ui.touch(toggle)
    await ui.wait_text("Mượn 1 tài liệu")
    await kiosk.shot("panel-borrow", "Truyện Kiều", "Sẵn sàng")
    assert [entry["pii"] for entry in kiosk.hardware.state()["on_pad"]] == ["30000001"]
    await ui.touch(toggle)  # and off again
    await ui.until(lambda: not kiosk.service.stack.tags, "the book taken off")
