"""One widget draws every screen from its :class:`ScreenView`: the title, the
explanations, then a list (books on the pad, results, loans, device
status) or the on-screen keyboard, and the action buttons. Only the parts
that changed are rebuilt, so a book arriving on the pad redraws its list
alone."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.theme import Theme
from kiosk.ui.widgets import Act, BigButton, KeyPad, RowWidget, Text, paint
from kiosk.views.model import Action, ScreenView


class ScreenWidget(BoxLayout):
    def __init__(self, theme: Theme, act: Act) -> None:
        pad = theme.padding
        super().__init__(orientation="vertical", padding=(pad * 2, pad, pad * 2, pad),
                         spacing=pad)
        self.theme = theme
        self.act = act
        self.view: ScreenView | None = None
        self.title = Text("", theme, kind="title", bold=True)
        self.lines = BoxLayout(orientation="vertical", size_hint_y=None, spacing=pad * 0.4)
        self.lines.bind(minimum_height=self.lines.setter("height"))
        self.middle = BoxLayout(orientation="vertical", spacing=pad * 0.5)
        self.count = BoxLayout(orientation="horizontal", size_hint_y=None, height=0,
                               spacing=pad)
        self.actions = BoxLayout(orientation="horizontal", size_hint_y=None,
                                 height=theme.button_height, spacing=pad)
        for part in (self.title, self.lines, self.middle, self.count, self.actions):
            self.add_widget(part)
        self._parts: dict[str, Any] = {}
        self._shown: Text | None = None
        self._submit: BigButton | None = None

    def show(self, view: ScreenView) -> None:
        if view == self.view:
            return
        self.view = view
        entry = view.entry
        keys = (entry.kind, entry.label, entry.layout, entry.delete_label,
                entry.submit_label) if entry is not None else None
        parts = {
            "title": (view.title, view.code),
            "lines": view.lines,
            "middle": (keys, view.rows_title, view.rows, view.empty, view.screen),
            "count": view.count,
            "actions": view.actions,
        }
        changed = {name for name, value in parts.items() if self._parts.get(name) != value}
        self._parts = parts
        if "title" in changed:
            self.title.text = view.title if view.code is None else f"{view.title}  ·  {view.code}"
        if "lines" in changed:
            self._fill_lines(view)
        if "middle" in changed:
            self._fill_middle(view)
        elif entry is not None and self._shown is not None:
            self._shown.text = entry.shown or " "
            if self._submit is not None:
                self._submit.set_enabled(entry.can_submit)
        if "count" in changed:
            self._fill_count(view)
        if "actions" in changed:
            self._fill_actions(view.actions)

    def _fill_lines(self, view: ScreenView) -> None:
        self.lines.clear_widgets()
        for line in view.lines:
            self.lines.add_widget(Text(line.text, self.theme, style=line.style))

    def _fill_middle(self, view: ScreenView) -> None:
        self.middle.clear_widgets()
        self._shown = self._submit = None
        theme = self.theme
        if view.entry is not None:
            entry = view.entry
            box = BoxLayout(orientation="vertical", spacing=theme.padding * 0.5)
            box.add_widget(Text(entry.label, theme, kind="small", style="muted"))
            shown = Text(entry.shown or " ", theme, kind="entry", bold=True, halign="center",
                         colour=theme.palette.text)
            paint(shown, theme.palette.surface, theme.palette.primary)
            shown.entry_kind = entry.kind
            box.add_widget(shown)
            keypad = KeyPad(entry, theme, self.act)
            box.add_widget(keypad)
            self._shown, self._submit = shown, keypad.submit
            box.add_widget(Widget())
            self.middle.add_widget(box)
            return
        if view.rows or view.rows_title:
            if view.rows_title:
                self.middle.add_widget(Text(view.rows_title, theme, kind="small",
                                            style="muted", bold=True))
            if view.rows:
                grid = GridLayout(cols=1, size_hint_y=None, spacing=theme.padding * 0.3)
                grid.bind(minimum_height=grid.setter("height"))
                for row in view.rows:
                    grid.add_widget(RowWidget(row, theme, self.act))
                scroll = ScrollView(do_scroll_x=False, bar_width=theme.padding * 0.6,
                                    scroll_type=["bars", "content"])
                scroll.add_widget(grid)
                self.middle.add_widget(scroll)
                return
            if view.empty:
                self.middle.add_widget(Text(view.empty, theme, style="muted"))
        self.middle.add_widget(Widget())

    def _fill_count(self, view: ScreenView) -> None:
        self.count.clear_widgets()
        if view.count is None:
            self.count.height = 0
            return
        label, value = view.count
        theme = self.theme
        self.count.height = theme.button_height
        self.count.add_widget(Text(label, theme, size_hint_x=0.6))
        width = theme.button_height * 1.2
        self.count.add_widget(BigButton(Action("count:-", "−", "secondary", value > 0),
                                           theme, self.act, size_hint_x=None, width=width))
        number = Text(str(value), theme, kind="title", bold=True, halign="center",
                      size_hint_x=None, width=width)
        number.count_value = value
        self.count.add_widget(number)
        self.count.add_widget(BigButton(Action("count:+", "+", "secondary"), theme,
                                           self.act, size_hint_x=None, width=width))

    def _fill_actions(self, actions: tuple[Action, ...]) -> None:
        self.actions.clear_widgets()
        theme = self.theme
        many = len(actions) > 4
        self.actions.height = theme.button_height * (2 if many else 1) + \
            (theme.padding if many else 0)
        if many:
            grid = GridLayout(cols=(len(actions) + 1) // 2, spacing=theme.padding)
            for action in actions:
                grid.add_widget(BigButton(action, theme, self.act, size_hint_y=1))
            self.actions.add_widget(grid)
            return
        for action in actions:
            self.actions.add_widget(BigButton(action, theme, self.act))
