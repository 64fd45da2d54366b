"""The real kiosk window (Kivy on a private X server) driven by touches
through whole sessions, in Vietnamese and in English: identify on the
on-screen keyboard, borrow (with a two-part set), return, renew, receipt.
Each screen is kept as a PNG under test-artifacts/kiosk/ and checked for
drawn content and the text a reader must see."""

from __future__ import annotations

import pytest

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from kiosk.views.model import Screen
from tests.kiosk.ui import KioskUi

pytestmark = pytest.mark.asyncio(loop_scope="module")

SET_1, SET_2 = "E004015000000071", "E004015000000072"


async def wait_items(kiosk: KioskUi, count: int) -> None:
    """The pad holds ``count`` items, read, with titles, shown as rows."""
    stack = lambda: kiosk.service.stack  # noqa: E731
    await kiosk.ui.until(lambda: len(stack().items) == count and stack().reading == 0 and
                         all(item.title for item in stack().items) and
                         len(kiosk.app.view.screen.rows) == count, f"{count} rows")


async def identify_by_keyboard(kiosk: KioskUi, number: str) -> None:
    ui = kiosk.ui
    await ui.tap("start")
    await ui.wait_screen(Screen.IDENTIFY)
    await ui.type(number)
    await ui.tap("submit")
    await ui.wait_screen(Screen.HOME)


async def test_a_whole_session_in_vietnamese_by_touch(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    await kiosk.shot("vi-welcome", "Chào mừng bạn đến thư viện", "Trả sách")
    await ui.tap("start")
    await ui.wait_screen(Screen.IDENTIFY)
    await ui.type("P0001")
    await kiosk.shot("vi-identify", "Thẻ thư viện của bạn", "P0001")
    await ui.tap("submit")
    await ui.wait_screen(Screen.HOME)
    await kiosk.shot("vi-home", "Xin chào, Nguyễn Thị Minh Anh", "Mượn sách")
    await ui.tap("borrow")
    await ui.wait_screen(Screen.BORROW)
    for item in ("30000001", "30000002", SET_1):
        kiosk.hardware.place(item)
    await wait_items(kiosk, 3)
    await kiosk.shot("vi-borrow-incomplete", "Truyện Kiều", "Số đỏ", "Thiếu phần 2 trên 2",
                     "(S01)", "Mượn 2 tài liệu")
    kiosk.hardware.place(SET_2)
    await ui.wait_text("Mượn 3 tài liệu")
    await kiosk.shot("vi-borrow-ready", "Việt Nam sử lược", "2/2 phần")
    await ui.tap("checkout")
    await ui.wait_text("Đã mượn 3/3 tài liệu.")
    await kiosk.shot("vi-borrow-done", "Bạn có thể lấy sách đi.", "Hạn trả")
    loans = await kiosk.ils.loans()
    assert all(loans[pii].patron_id == "P0001" for pii in ("30000001", "30000002", "30000007"))
    assert kiosk.hardware.find_item(SET_1).afi == AFI_ON_LOAN
    kiosk.hardware.clear()
    await ui.until(lambda: not kiosk.service.stack.tags, "an empty pad")
    await ui.tap("home")
    await ui.tap("return")
    await ui.wait_screen(Screen.RETURN)
    kiosk.hardware.place("30000002")
    await wait_items(kiosk, 1)
    await ui.tap("checkin")
    await ui.wait_text("Đã trả 1/1 tài liệu.")
    await kiosk.shot("vi-return-done", "Số đỏ", "Để lên giá sách trả.")
    assert await kiosk.ils.loan("30000002") is None
    assert kiosk.hardware.find_item("30000002").afi == AFI_IN_LIBRARY
    kiosk.hardware.clear()
    await ui.tap("home")
    await ui.tap("renew")
    await ui.wait_screen(Screen.RENEW)
    await ui.tap_row("30000001")
    await ui.wait_text("Gia hạn 1 tài liệu")
    await kiosk.shot("vi-renew-select", "Chạm vào những cuốn bạn muốn gia hạn.")
    await ui.tap("renew_selected")
    await ui.wait_text("Đã gia hạn 1/1 tài liệu.")
    await kiosk.shot("vi-renew-done", "Truyện Kiều", "Đã gia hạn")
    await ui.tap("finish")
    await ui.wait_screen(Screen.RECEIPT)
    await kiosk.shot("vi-receipt", "Bạn có muốn nhận biên nhận không?", "In biên nhận")
    await ui.tap("receipt:print")
    await ui.wait_screen(Screen.DONE)
    await kiosk.shot("vi-done", "Bạn đã mượn 3 tài liệu.", "Vui lòng lấy biên nhận.")
    assert (kiosk.directory / "printer.bin").read_bytes().startswith(b"\x1b@")
    await ui.tap("done")
    await ui.wait_screen(Screen.WELCOME)
    assert "Nguyễn Thị Minh Anh" not in " ".join(ui.texts())  # the screen is cleared
    played = kiosk.app.sounds.played
    assert {"read", "success", "problem"} <= set(played), played


async def test_a_whole_session_in_english_by_touch(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    await ui.tap("lang:en")
    await kiosk.shot("en-welcome", "Welcome to the library", "Return books")
    await identify_by_keyboard(kiosk, "P0004")
    await kiosk.shot("en-home", "Hello, John Smith", "My account")
    await ui.tap("borrow")
    await ui.wait_screen(Screen.BORROW)
    kiosk.hardware.place("30000003")
    kiosk.hardware.place("30000004")
    await wait_items(kiosk, 2)
    await kiosk.shot("en-borrow-ready", "Dế Mèn phiêu lưu ký", "Tắt đèn", "Borrow 2 items")
    await ui.tap("checkout")
    await ui.wait_text("2 of 2 borrowed.")
    await kiosk.shot("en-borrow-done", "You may take the books now.", "Due ")
    kiosk.hardware.clear()
    await ui.until(lambda: not kiosk.service.stack.tags, "an empty pad")
    await ui.tap("home")
    await ui.tap("renew")
    await ui.wait_screen(Screen.RENEW)
    await ui.tap_row("30000003")
    await ui.tap("renew_selected")
    await ui.wait_text("1 of 1 renewed.")
    await kiosk.shot("en-renew-done", "Renewed")
    await ui.tap("home")
    await ui.tap("return")
    await ui.wait_screen(Screen.RETURN)
    kiosk.hardware.place("30000003")
    kiosk.hardware.place("30000004")
    await wait_items(kiosk, 2)
    await ui.tap("checkin")
    await ui.wait_text("2 of 2 returned.")
    await kiosk.shot("en-return-done", "Put it on the returns shelf.")
    loans = await kiosk.ils.loans()
    assert "30000003" not in loans and "30000004" not in loans
    kiosk.hardware.clear()
    await ui.tap("finish")
    await ui.wait_screen(Screen.RECEIPT)
    await ui.tap("receipt:none")
    await ui.wait_screen(Screen.DONE)
    await kiosk.shot("en-done", "You borrowed 2 items.", "You returned 2 items.",
                     "You renewed 1 loan.")


async def test_high_contrast_and_larger_text(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    title = lambda: next(w for w in ui.widgets() if getattr(w, "text", None)  # noqa: E731
                         == kiosk.app.view.screen.title)
    normal_size = title().font_size
    await ui.tap("contrast")
    await ui.tap("textsize")
    await ui.until(lambda: kiosk.app.view.frame.large_text, "larger text")
    path = await kiosk.shot("high-contrast", "Chào mừng bạn đến thư viện")
    assert title().font_size > normal_size * 1.3
    from PIL import Image

    with Image.open(path) as image:
        assert image.convert("RGB").getpixel((WIDTH_MID, 360)) == (0, 0, 0)  # black ground
    await ui.tap("contrast")
    await ui.tap("textsize")
    await ui.until(lambda: not kiosk.app.view.frame.large_text, "normal text")


WIDTH_MID = 512
