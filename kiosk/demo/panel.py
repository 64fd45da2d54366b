"""The demo's control panel beside the kiosk: put demo books on the pad and
take them off, tap demo library cards, take the ILS away and bring it
back, lock the kiosk as the centre would. It acts on the simulated
hardware and the demo ILS only; the kiosk sees the results the way it
would see real ones (reader polls, card reader, SIP2)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.togglebutton import ToggleButton

from drivers.sim.server import SimServer
from kiosk.texts import Texts
from kiosk.ui.theme import FONT_NAME, NORMAL, Theme
from kiosk.ui.widgets import BigButton, Text, paint
from kiosk.views.model import Action

Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class DemoPanel(BoxLayout):
    def __init__(self, hardware: SimServer, *, texts: Texts, height_px: float,
                 tap: Callable[[str], Coroutine[Any, Any, None]],
                 ils_offline: Callable[[bool], Coroutine[Any, Any, None]],
                 lock: Callable[[bool], Coroutine[Any, Any, None]], staff_pin: str,
                 spawn: Spawn) -> None:
        theme = Theme(NORMAL, height_px * 0.8)
        super().__init__(orientation="vertical", size_hint_x=None, width=height_px * 0.42,
                         padding=theme.padding, spacing=theme.padding * 0.5)
        paint(self, (0.88, 0.90, 0.93, 1))
        t = texts
        self.hardware = hardware
        self.theme = theme
        self._spawn = spawn
        self._tap, self._ils_offline, self._lock = tap, ils_offline, lock
        self.add_widget(Text(t._("Demo control panel"), theme, kind="title", bold=True))
        self.add_widget(Text(t._("Staff PIN: {pin}").format(pin=staff_pin), theme,
                             kind="small", style="muted"))
        content = GridLayout(cols=1, size_hint_y=None, spacing=theme.padding * 0.4)
        content.bind(minimum_height=content.setter("height"))
        content.add_widget(self._heading(t._("Tap a library card")))
        for patron in hardware.library["patrons"]:
            label = f"{patron['name']} ({patron['id']})"
            content.add_widget(BigButton(Action("demo:tap:" + patron["id"], label, "quiet"),
                                         theme, self._act, height=theme.button_height * 0.7))
        content.add_widget(self._heading(t._("Books: touch to put on the pad or take off")))
        self.toggles: dict[str, ToggleButton] = {}
        for item in hardware.library["items"]:
            part = f" ({item['part_number']}/{item['parts_in_item']})" \
                if item.get("parts_in_item", 1) > 1 else ""
            toggle = ToggleButton(text=f"{item['title']}{part} · {item['pii']}",
                                  font_name=FONT_NAME, font_size=theme.font("small"),
                                  size_hint_y=None, height=theme.button_height * 0.6)
            toggle.tag_uid = item["tag_uid"]
            toggle.bind(on_release=self._toggle_book)
            self.toggles[item["tag_uid"]] = toggle
            content.add_widget(toggle)
        content.add_widget(BigButton(Action("demo:clear", t._("Take every book off the pad"),
                                            "secondary"), theme, self._act,
                                     height=theme.button_height * 0.6))
        content.add_widget(self._heading(t._("Library system and centre")))
        self.ils_toggle = self._switch(t._("Library system offline"), self._toggle_ils)
        self.lock_toggle = self._switch(t._("Kiosk locked by the centre"), self._toggle_lock)
        content.add_widget(self.ils_toggle)
        content.add_widget(self.lock_toggle)
        scroll = ScrollView(do_scroll_x=False)
        scroll.add_widget(content)
        self.add_widget(scroll)
        self._refresh = Clock.schedule_interval(self._sync, 0.5)

    def _heading(self, text: str) -> Text:
        return Text(text, self.theme, kind="small", bold=True)

    def _switch(self, text: str, handler: Callable[..., None]) -> ToggleButton:
        toggle = ToggleButton(text=text, font_name=FONT_NAME, font_size=self.theme.font("small"),
                              size_hint_y=None, height=self.theme.button_height * 0.6)
        toggle.bind(on_release=handler)
        return toggle

    def _act(self, action_id: str) -> None:
        parts = action_id.split(":")
        command, arg = parts[1], (parts[2] if len(parts) > 2 else "")
        if command == "tap":
            self._spawn(self._tap(arg))
        elif command == "clear":
            self.hardware.clear()
            self._sync()

    def _toggle_book(self, toggle: ToggleButton) -> None:
        if toggle.state == "down":
            self.hardware.place(toggle.tag_uid)
        else:
            self.hardware.remove(toggle.tag_uid)

    def _toggle_ils(self, toggle: ToggleButton) -> None:
        self._spawn(self._ils_offline(toggle.state == "down"))

    def _toggle_lock(self, toggle: ToggleButton) -> None:
        self._spawn(self._lock(toggle.state == "down"))

    def _sync(self, *_args: object) -> None:
        """Show what is on the pad now (the kiosk may have been told to keep books)."""
        on_pad = {entry["uid"] for entry in self.hardware.state()["on_pad"]}
        for uid, toggle in self.toggles.items():
            toggle.state = "down" if uid in on_pad else "normal"

    def stop(self) -> None:
        self._refresh.cancel()


def spawner(tasks: set[asyncio.Task[Any]]) -> Spawn:
    def spawn(work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return spawn
