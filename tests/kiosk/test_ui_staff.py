"""The real kiosk window, by touches: staff mode in and out (PIN on the
keypad; the window refuses to close outside it), the idle warning and the
session's end, the ILS going away (banner, borrowing within the offline
policy), and the out-of-service screen the centre's lock shows."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from drivers.sim.library import AFI_ON_LOAN
from edge.store import open_store
from kiosk.views.model import Screen
from tests.kiosk.ui import STAFF_PIN, KioskUi

pytestmark = pytest.mark.asyncio(loop_scope="module")



async def identify(kiosk: KioskUi, number: str) -> None:
    ui = kiosk.ui
    await ui.tap("start")
    await ui.wait_screen(Screen.IDENTIFY)
    await ui.type(number)
    await ui.tap("submit")
    await ui.wait_screen(Screen.HOME)


async def test_staff_mode_in_and_out(kiosk_ui: KioskUi) -> None:
    from kivy.core.window import Window

    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    Window.dispatch("on_request_close")  # a reader cannot close the kiosk
    await ui.frames(2)
    assert kiosk.app.root.get_root_window() is not None and not kiosk.flow.quit_requested
    await ui.tap("staff")
    await ui.wait_screen(Screen.STAFF_LOGIN)
    await ui.type("0000")
    await ui.tap("submit")
    await ui.wait_screen(Screen.ERROR)
    await kiosk.shot("staff-pin-wrong", "Mã PIN nhân viên không đúng.", "K03")
    await ui.tap("ok")
    await ui.wait_screen(Screen.STAFF_LOGIN)
    await ui.type(STAFF_PIN)
    await ui.tap("submit")
    await ui.wait_screen(Screen.STAFF)
    await kiosk.shot("staff", "Chế độ nhân viên", "Tình trạng thiết bị", "Đầu đọc tài liệu",
                     "Hệ thống thư viện (SIP2)", "Hàng đợi ngoại tuyến", "đã kết nối")
    await ui.tap("staff:reader")
    await ui.wait_screen(Screen.STAFF_READER)
    kiosk.hardware.place("30000012")
    await kiosk.shot("staff-reader", "Nhật ký Đặng Thùy Trâm", "E004015000000012")
    kiosk.hardware.clear()
    await ui.tap("staff:back")
    await ui.wait_screen(Screen.STAFF)
    await ui.tap("staff:flush")
    await ui.wait_text("Đã gửi hàng đợi ngoại tuyến")
    await ui.tap("staff:close")
    await ui.wait_screen(Screen.WELCOME)
    assert not kiosk.flow.state.staff


async def test_the_idle_warning_then_a_cleared_screen(kiosk_ui: KioskUi) -> None:
    kiosk = kiosk_ui
    await kiosk.reset()
    settings = kiosk.flow.settings  # short times for this test only (read on every tick)
    kiosk.flow.settings = dataclasses.replace(settings, idle_timeout_s=8.0, idle_warning_s=7.0)
    try:
        await _idle(kiosk)
    finally:
        kiosk.flow.settings = settings


async def _idle(kiosk: KioskUi) -> None:
    ui = kiosk.ui
    await identify(kiosk, "P0001")
    await ui.tap("account")
    await ui.wait_screen(Screen.ACCOUNT)
    await ui.wait_text("Mắt biếc")
    await ui.until(lambda: ui.find("continue") is not None, "the idle warning")
    await kiosk.shot("idle-warning", "Bạn vẫn đang ở đây chứ?", "Tôi vẫn ở đây")
    await ui.tap("continue")
    await ui.until(lambda: ui.find("continue") is None, "the warning gone")
    assert ui.screen is Screen.ACCOUNT
    await ui.wait_screen(Screen.WELCOME, timeout_s=15)  # no more touches: the session ends
    shown = " ".join(ui.texts())
    assert "Nguyễn Thị Minh Anh" not in shown and "Mắt biếc" not in shown
    await kiosk.shot("idle-ended", "Chào mừng bạn đến thư viện")


async def test_a_stalled_ils_shows_the_banner_and_borrowing_goes_on(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    await identify(kiosk, "P0002")
    await ui.tap("borrow")
    await ui.wait_screen(Screen.BORROW)
    kiosk.hardware.place("30000005")
    await ui.wait_text("Nỗi buồn chiến tranh")
    await kiosk.ils.go_offline()
    try:
        await ui.tap("checkout")
        await ui.wait_text("Đã ghi nhận ngoại tuyến")
        await kiosk.shot("offline", "Hệ thống thư viện đang mất kết nối",
                         "Bạn vẫn mượn và trả sách được")
        assert kiosk.hardware.find_item("30000005").afi == AFI_ON_LOAN
    finally:
        await kiosk.ils.come_back()
    await ui.until(lambda: kiosk.app.view.frame.banner is None, "the banner gone",
                   timeout_s=20)
    await ui.until(lambda: kiosk.flow.state.offline is not None and
                   kiosk.flow.state.offline.queued == 0, "the queue replayed", timeout_s=20)
    assert (await kiosk.ils.loans())["30000005"].patron_id == "P0002"


async def test_the_centre_locks_the_kiosk(kiosk_ui: KioskUi) -> None:
    kiosk, ui = kiosk_ui, kiosk_ui.ui
    await kiosk.reset()
    agent_side = open_store(kiosk.service.store.path)
    try:
        state = await asyncio.to_thread(agent_side.kiosk_lock.set, True, "Bảo trì", "centre")
        await ui.wait_screen(Screen.LOCKED)
        await kiosk.shot("locked", "Tạm ngừng phục vụ", "Bảo trì")
        assert (await agent_side.kiosk_lock.wait_applied(state.version, timeout_s=5)).applied
        state = await asyncio.to_thread(agent_side.kiosk_lock.set, False, None, "centre")
        await ui.wait_screen(Screen.WELCOME)
        assert (await agent_side.kiosk_lock.wait_applied(state.version, timeout_s=5)).applied
    finally:
        agent_side.close()
