"""The session flow without a window: what a reader would see on each
screen (the view models), driven by the same action ids the buttons send,
over the real circulation service (demo ILS on SIP2, FEIG emulator pad)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from edge.circulation import CardUid
from edge.store import open_store
from edge.store.control import KioskLock
from kiosk.flow import KioskFlow
from kiosk.views.model import KioskView, Screen
from tests.kiosk.conftest import CARD_P0001, CARD_P0004, CARD_STAFF, STAFF_PIN, start_flow
from tests.peers.circulation import Rig, wait_for
from tests.peers.smtp import SMTP_PASSWORD, SMTP_USER, Inbox, free_port, start_smtp

SET_1, SET_2 = "E004015000000071", "E004015000000072"


def shown(view: KioskView) -> str:
    """Every text on the screen, one per line."""
    screen, frame = view.screen, view.frame
    parts = [frame.banner or "", frame.busy or "", frame.notice or "", frame.idle_warning or "",
             screen.title, *(line.text for line in screen.lines),
             *(f"{row.title} | {row.detail} | {row.status}" for row in screen.rows),
             *(action.label for action in screen.actions)]
    return "\n".join(part for part in parts if part)


def action(view: KioskView, action_id: str) -> bool:
    """Whether the screen has the button ``action_id``, enabled."""
    return any(a.id == action_id and a.enabled for a in view.screen.actions)


async def identify(flow: KioskFlow, card: str) -> None:
    await flow.present(CardUid(bytes.fromhex(card)))
    assert flow.view.screen.screen is Screen.HOME, shown(flow.view)


async def place(rig: Rig, flow: KioskFlow, *items: str) -> None:
    for item in items:
        rig.hardware.place(item)
    expected = {rig.tag(item).uid.hex().upper() for item in items}
    await wait_for(lambda: expected <= {t.uid for t in flow.state.stack.tags if t.read}
                   and all(i.title for i in flow.state.stack.items), what=f"{items} read")


async def clear(rig: Rig, flow: KioskFlow) -> None:
    """The reader takes everything off the pad."""
    rig.hardware.clear()
    await wait_for(lambda: not flow.state.stack.tags, what="an empty pad")


async def test_a_reader_borrows_a_set_returns_and_renews_with_a_receipt_in_vietnamese(
        rig: Rig) -> None:
    printer = rig.directory / "printer.bin"
    service, flow = await start_flow(rig, extra=f'\n[printer]\nurl = "file://{printer}"\n')
    try:
        await _whole_session(rig, flow, printer)
    finally:
        await flow.close()
        await service.close()


async def _whole_session(rig: Rig, flow: KioskFlow, printer: Path) -> None:
    cues: list[str] = []
    flow.on_cue(cues.append)
    assert flow.view.screen.title == "Chào mừng bạn đến thư viện"
    await identify(flow, CARD_P0001)
    assert flow.view.screen.title == "Xin chào, Nguyễn Thị Minh Anh"
    await flow.act("borrow")
    await place(rig, flow, "30000001", "30000002", SET_1)
    text = shown(flow.view)
    assert "Việt Nam sử lược | 30000007 · 1/2 phần | Thiếu phần 2 trên 2" in text
    assert "Tài liệu này còn thiếu phần: hãy đặt tất cả các phần lên bàn đọc. (S01)" in text
    assert "Mượn 2 tài liệu" in text  # the incomplete set does not count
    await place(rig, flow, SET_2)
    assert "Mượn 3 tài liệu" in shown(flow.view)
    await flow.act("checkout")
    text = shown(flow.view)
    assert "Đã mượn 3/3 tài liệu." in text and "Bạn có thể lấy sách đi." in text
    assert "Truyện Kiều | Hạn trả " in text
    loans = await rig.ils.loans()
    assert {pii: loans[pii].patron_id for pii in ("30000001", "30000002", "30000007")} == {
        "30000001": "P0001", "30000002": "P0001", "30000007": "P0001"}
    assert rig.tag(SET_2).afi == AFI_ON_LOAN
    # the reader takes them away and returns her overdue Mắt biếc
    await clear(rig, flow)
    await flow.act("home")
    await flow.act("return")
    await place(rig, flow, "30000010")
    await flow.act("checkin")
    assert "Mắt biếc | Để lên giá sách trả. | Đã trả" in shown(flow.view)
    assert await rig.ils.loan("30000010") is None
    assert rig.tag("30000010").afi == AFI_IN_LIBRARY
    await clear(rig, flow)
    await flow.act("home")
    await flow.act("renew")
    assert not action(flow.view, "renew_selected")
    await flow.act("toggle:30000001")
    assert action(flow.view, "renew_selected")
    await flow.act("renew_selected")
    assert "Truyện Kiều | Hạn trả " in shown(flow.view)
    assert "Đã gia hạn 1/1 tài liệu." in shown(flow.view)
    await flow.act("finish")
    assert flow.view.screen.screen is Screen.RECEIPT
    assert [a.id for a in flow.view.screen.actions] == ["receipt:print", "receipt:none"]
    await flow.act("receipt:print")
    printed = await asyncio.to_thread(printer.read_bytes)
    assert printed.startswith(b"\x1b@") and b"Truy" in printed  # ESC/POS, initialised
    text = shown(flow.view)
    assert "Vui lòng lấy biên nhận." in text
    assert "Bạn đã mượn 3 tài liệu." in text and "Bạn đã trả 1 tài liệu." in text
    assert "Bạn đã gia hạn 1 tài liệu." in text
    await flow.act("done")
    assert flow.view.screen.screen is Screen.WELCOME
    assert flow.state.patron is None and flow.state.results == ()
    assert cues.count("read") >= 3 and "success" in cues and "problem" in cues


async def test_an_english_reader_gets_english_and_a_refusal_says_why(
        rig: Rig, flow: KioskFlow) -> None:
    await identify(flow, CARD_P0004)  # the ILS says John Smith reads English
    assert flow.view.screen.title == "Hello, John Smith"
    assert flow.view.frame.language_action is not None
    assert flow.view.frame.language_action.id == "lang:vi"
    await flow.act("borrow")
    await place(rig, flow, "30000006")  # on hold for another reader
    await flow.act("checkout")
    text = shown(flow.view)
    assert "Đất rừng phương Nam | This item is reserved for another reader. | Not done (I02)" \
        in text
    await flow.act("lang:vi")
    assert "Tài liệu này đang được giữ cho bạn đọc khác." in shown(flow.view)


async def test_the_account_shows_loans_overdue_marks_and_fines(
        rig: Rig, flow: KioskFlow) -> None:
    await flow.act("lang:en")
    await flow.present(CardUid(bytes.fromhex("04112233445566")))  # P0002 owes 25,000 VND
    assert "Fines to pay: 25,000 VND" in shown(flow.view)
    await flow.act("account")
    text = shown(flow.view)
    assert "Cánh đồng bất tận | Due " in text and "| On loan" in text
    assert "Fines to pay: 25,000 VND" in text
    await flow.act("home")
    await flow.act("lang:vi")
    await flow.act("account")
    assert "Tiền phạt cần trả: 25.000 ₫" in shown(flow.view)


async def test_a_count_mismatch_is_explained(rig: Rig) -> None:
    service, flow = await start_flow(rig, extra="\n[kiosk]\nask_item_count = true\n")
    try:
        await identify(flow, CARD_P0001)
        await flow.act("borrow")
        await place(rig, flow, "30000003", "30000004")
        assert not action(flow.view, "checkout")  # the count is asked first
        for _ in range(3):
            await flow.act("count:+")
        await flow.act("checkout")
        text = shown(flow.view)
        assert "Số tài liệu trên bàn đọc khác với số bạn đã nhập" in text or "(S02)" in text
        assert flow.view.screen.code == "S02"
        assert await rig.ils.loan("30000003") is None
    finally:
        await flow.close()
        await service.close()


async def test_a_typed_card_number_and_pin(rig: Rig) -> None:
    service, flow = await start_flow(rig, patron="pin_required = true")
    try:
        await flow.act("start")
        for char in "p0001":
            flow.key(char)
        assert flow.view.screen.entry is not None
        assert flow.view.screen.entry.shown == "P0001"
        await flow.act("submit")
        entry = flow.view.screen.entry
        assert entry is not None and entry.kind == "pin" and entry.layout == "digits"
        for char in "9999":
            await flow.act("key:" + char)
        assert flow.view.screen.entry is not None
        assert flow.view.screen.entry.shown == "••••"
        await flow.act("submit")
        assert flow.view.screen.screen is Screen.ERROR and flow.view.screen.code == "P03"
        await flow.act("ok")
        assert flow.view.screen.entry is not None and flow.view.screen.entry.kind == "pin"
        for char in "1234":
            await flow.act("key:" + char)
        await flow.act("submit")
        assert flow.view.screen.screen is Screen.HOME
    finally:
        await flow.close()
        await service.close()


async def test_idle_warning_then_the_session_ends_and_the_screen_is_cleared(rig: Rig) -> None:
    service, flow = await start_flow(
        rig, extra="\n[kiosk]\nidle_timeout_s = 1.2\nidle_warning_s = 0.8\n")
    try:
        await identify(flow, CARD_P0001)
        await flow.act("account")
        await wait_for(lambda: flow.view.frame.idle_warning is not None, what="the warning")
        assert "Phiên sẽ kết thúc sau" in (flow.view.frame.idle_warning or "")
        await flow.act("continue")  # "I am still here"
        assert flow.view.frame.idle_warning is None
        assert flow.view.screen.screen is Screen.ACCOUNT
        await wait_for(lambda: flow.view.screen.screen is Screen.WELCOME, what="session end")
        assert flow.state.patron is None and flow.state.summary is None
        assert flow.view.frame.greeting == ""
    finally:
        await flow.close()
        await service.close()


async def test_staff_mode_by_pin_and_by_staff_card(rig: Rig, flow: KioskFlow) -> None:
    await flow.act("staff")
    for char in "1111":
        await flow.act("key:" + char)
    await flow.act("submit")
    assert flow.view.screen.screen is Screen.ERROR and flow.view.screen.code == "K03"
    await flow.act("ok")
    for char in STAFF_PIN:
        await flow.act("key:" + char)
    await flow.act("submit")
    assert flow.view.screen.screen is Screen.STAFF
    await wait_for(lambda: len(flow.view.screen.rows) >= 4, what="device status")
    rows = {row.key: row for row in flow.view.screen.rows}
    assert rows["component:reader"].status == "đã kết nối"
    assert rows["component:ils"].status == "trực tuyến"
    assert rows["component:broker"].status == "chưa có báo cáo"
    assert "0 đang chờ" in rows["component:queue"].detail
    assert any(row.key.startswith("error:") and row.title.startswith("K03")
               for row in flow.view.screen.rows)
    await flow.act("staff:flush")
    assert flow.state.flush_report is not None
    await flow.act("staff:volume:-")
    assert flow.state.volume == 0.6
    await flow.act("staff:lang:en")
    await flow.act("staff:close")
    assert flow.view.screen.screen is Screen.WELCOME
    assert flow.view.screen.title == "Welcome to the library"  # the new default language
    await flow.present(CardUid(bytes.fromhex(CARD_STAFF)))  # the ILS's class "staff"
    assert flow.view.screen.screen is Screen.STAFF
    quits: list[bool] = []
    flow.on_quit(lambda: quits.append(True))
    await flow.act("staff:quit")
    assert quits == [True] and flow.quit_requested


async def test_a_lock_from_the_centre_shows_out_of_service_and_is_acknowledged(
        rig: Rig, flow: KioskFlow) -> None:
    await identify(flow, CARD_P0001)
    agent_side = open_store(flow.service.store.path)  # the agent's own connection
    try:
        await _locked_and_unlocked(flow, agent_side.kiosk_lock)
    finally:
        agent_side.close()


async def _locked_and_unlocked(flow: KioskFlow, lock: KioskLock) -> None:
    state = await asyncio.to_thread(lock.set, True, "bảo trì", "centre")
    await wait_for(lambda: flow.view.screen.screen is Screen.LOCKED, what="out of service")
    assert flow.state.patron is None
    assert "bảo trì" in shown(flow.view)
    applied = await lock.wait_applied(state.version, timeout_s=5)
    assert applied.applied
    await flow.present(CardUid(bytes.fromhex(CARD_P0001)))  # readers are not served
    assert flow.view.screen.screen is Screen.LOCKED
    state = await asyncio.to_thread(lock.set, False, None, "centre")
    await wait_for(lambda: flow.view.screen.screen is Screen.WELCOME, what="back in service")
    assert (await lock.wait_applied(state.version, timeout_s=5)).applied


async def test_a_stalled_ils_shows_the_banner_and_borrowing_goes_on_offline(
        rig: Rig, flow: KioskFlow) -> None:
    await identify(flow, CARD_P0001)  # known to the device from now on
    await flow.act("borrow")
    await place(rig, flow, "30000012")
    assert flow.view.frame.banner is None
    await rig.ils.go_offline()
    await flow.act("checkout")  # the ILS does not answer: offline, within the policy
    text = shown(flow.view)
    assert "| Đã ghi nhận ngoại tuyến" in text
    assert "Bạn vẫn mượn và trả sách được" in (flow.view.frame.banner or "")
    assert rig.tag("30000012").afi == AFI_ON_LOAN
    await rig.ils.come_back()
    await wait_for(lambda: flow.view.frame.banner is None, timeout_s=15, what="the ILS back")
    await wait_for(lambda: flow.state.offline is not None and flow.state.offline.queued == 0,
                   timeout_s=15, what="the queue replayed")
    assert (await rig.ils.loans())["30000012"].patron_id == "P0001"


async def test_a_request_that_takes_too_long_times_out_on_screen(rig: Rig) -> None:
    service, flow = await start_flow(rig, extra="\n[kiosk]\nrequest_timeout_s = 0.3\n")
    try:
        await identify(flow, CARD_P0001)
        await flow.act("borrow")
        await place(rig, flow, "30000005")
        rig.ils.faults.delay_s = 1.0
        await flow.act("checkout")
        assert flow.view.screen.screen is Screen.ERROR and flow.view.screen.code == "K01"
        assert "quá lâu" in shown(flow.view)
        # the service finishes what it started; the session learns of it
        await wait_for(lambda: flow.state.results != (), timeout_s=15, what="the late result")
        assert flow.state.results[0].items[0].status == "done"
        rig.ils.faults.delay_s = 0.0
    finally:
        await flow.close()
        await service.close()


async def test_a_card_on_the_nfc_reader_identifies(rig: Rig) -> None:
    from drivers.sim.nfc_card import NfcUdpField, Ntag213

    field = await NfcUdpField().start()
    try:
        service, flow = await start_flow(
            rig, patron=f'card_reader_url = "nfc://{field.path}?interval_s=0.05"')
        try:
            field.tap(Ntag213(bytes.fromhex(CARD_P0001)))
            await wait_for(lambda: flow.view.screen.screen is Screen.HOME, timeout_s=15,
                           what="identified by the card")
            assert flow.state.patron is not None and flow.state.patron.id == "P0001"
        finally:
            await flow.close()
            await service.close()
    finally:
        field.close()


async def test_the_receipt_by_e_mail_after_the_mail_server_was_away(rig: Rig) -> None:
    port, inbox = free_port(), Inbox()
    smtp = (f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'login_user = "{SMTP_USER}"\nfrom_address = "kiosk@tvtphn.example.vn"\n'
            'timeout_s = 3\n')
    service, flow = await start_flow(rig, environ={"SMARTLIB_SMTP_PASSWORD": SMTP_PASSWORD},
                                     extra=smtp)
    try:
        await identify(flow, CARD_P0001)
        await flow.act("renew")
        await flow.act("toggle:30000010")
        await flow.act("renew_selected")
        await flow.act("finish")
        assert [a.id for a in flow.view.screen.actions] == ["receipt:email", "receipt:none"]
        # The mail server is not there yet: the reader is told, and may try again.
        await flow.act("receipt:email")
        assert flow.view.screen.screen is Screen.RECEIPT
        assert "Không gửi được e-mail. Vui lòng chọn cách khác." in shown(flow.view)
        controller = start_smtp(inbox, port)
        try:
            await flow.act("receipt:email")
        finally:
            controller.stop()
        assert flow.view.screen.screen is Screen.DONE, shown(flow.view)
        assert "Biên nhận đã được gửi qua e-mail." in shown(flow.view)
        [(sender, to, message)] = inbox.messages
        assert (sender, to) == ("kiosk@tvtphn.example.vn", ["minhanh@example.vn"])
        assert "Mắt biếc" in message.get_body().get_content()
    finally:
        await flow.close()
        await service.close()
