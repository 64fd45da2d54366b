"""The scripted demo session, walked through the real kiosk window by
touches (:class:`kiosk.ui.driver.UiDriver`) while the demo's hardware and
ILS play their parts: identify with a library card, borrow three books
(one a two-part set, first with a part missing), return one, renew one,
take a receipt; then an English-speaking reader, an unknown card, staff
mode, and the ILS going away. Every screen is saved as a PNG and described
in ``transcript.md``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from edge.circulation.service import CirculationService
from kiosk.demo.rig import STAFF_PIN, DemoRig
from kiosk.flow import KioskFlow
from kiosk.ui.driver import UiDriver
from kiosk.views.model import Screen

log = logging.getLogger(__name__)

SET_PART_1, SET_PART_2 = "E004015000000071", "E004015000000072"


class Walk:
    def __init__(self, driver: UiDriver, rig: DemoRig, service: CirculationService,
                 directory: Path) -> None:
        self.ui = driver
        self.rig = rig
        self.service = service
        self.flow: KioskFlow = driver.app.flow
        self.directory = directory
        self.shots: list[Path] = []
        self.lines: list[str] = []
        self.receipt: list[str] = []
        self._started = time.monotonic()

    @property
    def hardware(self):  # type: ignore[no-untyped-def]
        assert self.rig.hardware is not None
        return self.rig.hardware

    async def shot(self, name: str, what: str) -> None:
        """Save the screen as ``NN-name.png`` and describe it."""
        await self.ui.frames(3)
        path = self.directory / f"{len(self.shots) + 1:02d}-{name}.png"
        await self.ui.screenshot(path)
        self.shots.append(path)
        at = time.monotonic() - self._started
        log.info("screenshot %s at %.1f s", path.name, at)
        screen = self.ui.screen.value if self.ui.screen else "?"
        self.lines += [f"## {len(self.shots):02d}. {what}", "",
                       f"*{at:5.1f} s, screen `{screen}`* ![{name}]({path.name})", ""]
        self.lines += [f"    {text}" for text in self.ui.texts()]
        self.lines.append("")

    def note(self, text: str) -> None:
        self.lines += [f"> {text}", ""]

    async def tap_card(self, patron: str) -> None:
        """Hold a demo card to the NFC reader (or, without nfcpy, present its UID)."""
        if self.hardware.nfc is not None:
            screen = self.ui.screen
            await self.hardware.tap(patron)
            try:
                await self.ui.until(lambda: self.ui.screen is not screen,
                                    "the card read", timeout_s=10)
            finally:
                await self.hardware.untap()
            return
        from edge.circulation import CardUid

        card = next(p["card_uid"] for p in self.hardware.library["patrons"] if p["id"] == patron)
        await self.flow.present(CardUid(bytes.fromhex(card)))

    async def stack_ready(self, count: int) -> None:
        await self.ui.until(lambda: self.service.stack.ready and
                            len(self.service.stack.items) == count and
                            all(i.title for i in self.service.stack.items),
                            f"{count} items read with titles")
        await self.ui.until(lambda: len(self.ui.app.view.screen.rows) == count
                            if self.ui.app.view else False, f"{count} rows")

    async def run(self) -> list[Path]:
        ui = self.ui
        await ui.wait_screen(Screen.WELCOME)
        first = self.flow.state.language
        other = "en" if first == "vi" else "vi"
        await self.shot("welcome", "Welcome, in the kiosk's language")
        await ui.tap("lang:" + other)
        await ui.until(lambda: self.flow.state.language == other, "the other language")
        await self.shot("welcome-" + other, "The same screen in the other language")
        await ui.tap("lang:" + first)
        await ui.tap("start")
        await ui.wait_screen(Screen.IDENTIFY)
        await ui.type("P00")
        await self.shot("identify", "Identify: card on the reader, code to the camera, or the "
                                    "on-screen keyboard")
        self.note("Nguyễn Thị Minh Anh holds her library card to the reader.")
        await self.tap_card("P0001")
        await ui.wait_screen(Screen.HOME)
        await self.shot("home", "Identified: the reader's menu")
        await ui.tap("account")
        await ui.wait_screen(Screen.ACCOUNT)
        await ui.wait_text("Mắt biếc")
        await self.shot("account", "My account: loans with due dates, the overdue one marked")
        await ui.tap("home")
        await ui.tap("borrow")
        await ui.wait_screen(Screen.BORROW)
        self.note("She puts Truyện Kiều, Số đỏ and part 1 of the two-part Việt Nam sử lược "
                  "on the pad.")
        self.hardware.clear()
        for item in ("30000001", "30000002", SET_PART_1):
            self.hardware.place(item)
        await ui.until(lambda: any(i.missing_parts for i in self.service.stack.items),
                       "the incomplete set")
        await self.stack_ready_partial()
        await self.shot("borrow-incomplete-set", "Borrow: the stack appears as it is read; the "
                                                 "set's missing part is explained")
        self.note("She adds part 2.")
        self.hardware.place(SET_PART_2)
        await self.stack_ready(3)
        await self.shot("borrow-ready", "Borrow: three books ready (the set counts once)")
        await ui.tap("checkout")
        await ui.until(lambda: self.flow.state.phase == "result", "the checkout's result")
        await ui.wait_screen(Screen.BORROW)
        await self.shot("borrow-done", "Borrowed, with due dates")
        self.note("She takes the three books off the pad and puts down Mắt biếc to return "
                  "it.")
        self.hardware.clear()
        await ui.tap("home")
        await ui.tap("return")
        await ui.wait_screen(Screen.RETURN)
        self.hardware.place("30000010")
        await self.stack_ready(1)
        await self.shot("return-ready", "Return: the book on the pad")
        await ui.tap("checkin")
        await ui.until(lambda: self.flow.state.phase == "result", "the return's result")
        await ui.wait_screen(Screen.RETURN)
        await self.shot("return-done", "Returned, with where to put it")
        self.hardware.clear()
        await ui.tap("home")
        await ui.tap("renew")
        await ui.wait_screen(Screen.RENEW)
        await ui.tap_row("30000001")
        await ui.until(lambda: "30000001" in self.flow.state.selected, "the selection")
        await self.shot("renew-select", "Renew: she picks Truyện Kiều")
        await ui.tap("renew_selected")
        await ui.until(lambda: self.flow.state.phase == "result", "the renewal's result")
        await ui.wait_screen(Screen.RENEW)
        await self.shot("renew-done", "Renewed: the new due date")
        await ui.tap("finish")
        await ui.wait_screen(Screen.RECEIPT)
        await self.shot("receipt", "Receipt: print, e-mail (when configured) or none")
        state = self.flow.state
        self.receipt = self.service.receipt(state.patron, state.results, state.language).text()
        await ui.tap("receipt:print")
        await ui.wait_screen(Screen.DONE)
        await self.shot("done", "Goodbye: what was done and the next return date")
        await ui.tap("done")
        await ui.wait_screen(Screen.WELCOME)
        await self.english_reader()
        await self.unknown_card()
        await self.staff()
        await self.offline()
        return self.shots

    async def stack_ready_partial(self) -> None:
        await self.ui.until(lambda: self.service.stack.reading == 0 and
                            all(i.title for i in self.service.stack.items) and
                            self.ui.app.view is not None and
                            len(self.ui.app.view.screen.rows) == 3, "three rows with titles")

    async def english_reader(self) -> None:
        self.note("John Smith taps his card: the ILS says he reads English.")
        await self.tap_card("P0004")
        await self.ui.wait_screen(Screen.HOME)
        await self.shot("home-en", "An English-speaking reader")
        await self.ui.tap("finish")
        await self.ui.wait_screen(Screen.DONE)
        await self.ui.tap("done")
        await self.ui.wait_screen(Screen.WELCOME)

    async def unknown_card(self) -> None:
        await self.ui.tap("start")
        await self.ui.wait_screen(Screen.IDENTIFY)
        await self.ui.type("X9999")
        await self.ui.tap("submit")
        await self.ui.wait_screen(Screen.ERROR)
        await self.shot("error", "An unknown card: what to do next, and a code for staff")
        await self.ui.tap("ok")
        await self.ui.wait_screen(Screen.IDENTIFY)
        await self.ui.tap("cancel")
        await self.ui.wait_screen(Screen.WELCOME)

    async def staff(self) -> None:
        await self.ui.tap("staff")
        await self.ui.wait_screen(Screen.STAFF_LOGIN)
        await self.ui.type(STAFF_PIN)
        await self.ui.tap("submit")
        await self.ui.wait_screen(Screen.STAFF)
        await self.ui.until(lambda: self.flow.state.components, "the device status")
        await self.shot("staff", "Staff mode (staff PIN or a staff card): device status")
        await self.ui.tap("staff:reader")
        await self.ui.wait_screen(Screen.STAFF_READER)
        self.hardware.place("30000012")
        await self.ui.until(lambda: any(t.read for t in self.flow.state.stack.tags),
                            "a tag in the reader test")
        await self.ui.wait_text("Nhật ký Đặng Thùy Trâm")
        await self.shot("staff-reader", "Reader test")
        self.hardware.clear()
        await self.ui.tap("staff:back")
        await self.ui.tap("staff:close")
        await self.ui.wait_screen(Screen.WELCOME)

    async def offline(self) -> None:
        assert self.rig.ils is not None
        self.note("The library system goes away. Nguyễn Thị Minh Anh comes back to borrow "
                  "one more book.")
        await self.rig.ils.go_offline()
        await self.tap_card("P0001")  # the kiosk knows her card from this morning
        await self.ui.wait_screen(Screen.HOME)
        await self.ui.until(lambda: self.ui.app.view is not None and
                            self.ui.app.view.frame.banner, "the offline banner")
        await self.shot("offline", "The ILS is away: the banner says what still works")
        await self.ui.tap("borrow")
        await self.ui.wait_screen(Screen.BORROW)
        self.hardware.place("30000012")
        await self.stack_ready(1)
        await self.ui.tap("checkout")
        await self.ui.until(lambda: self.flow.state.phase == "result", "the offline loan")
        await self.ui.wait_screen(Screen.BORROW)
        await self.shot("offline-borrow", "Borrowed offline: recorded on the kiosk, sent to "
                                          "the ILS when it is back")
        self.hardware.clear()
        await self.ui.tap("finish")
        await self.ui.until(lambda: self.ui.screen in (Screen.RECEIPT, Screen.DONE),
                            "the end of the session")
        if self.ui.screen is Screen.RECEIPT:
            await self.ui.tap("receipt:none")
        await self.ui.wait_screen(Screen.DONE)
        await self.ui.tap("done")
        await self.rig.ils.come_back()
        self.note("The library system is back: the kiosk sends it the offline loan.")
        await self.ui.until(lambda: self.flow.state.ils_online and
                            self.flow.state.offline is not None and
                            self.flow.state.offline.queued == 0, "the offline queue sent",
                            timeout_s=30)

    def write_transcript(self) -> Path:
        path = self.directory / "transcript.md"
        head = ["# smartlib demo: a scripted session", "",
                "Each step below is a screenshot of the real kiosk window (Kivy) driven by "
                "touches, against the demo ILS (SIP2) and the simulated RFID pad and card "
                "reader. The text under each is what the screen showed.", ""]
        tail = ["## The printed receipt", "", *(f"    {line}" for line in self.receipt), ""]
        path.write_text("\n".join(head + self.lines + tail), encoding="utf-8")
        return path
