"""The kiosk's building blocks: wrapped text, big buttons carrying an action
id, list rows, the on-screen keyboard. Each knows only the theme and a
callback ``act(action_id)``."""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Line, Rectangle
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui.theme import FONT_NAME, RGBA, Theme
from kiosk.views.model import Action, Entry, Row

Act = Callable[[str], None]


def paint(widget: object, colour: RGBA, border: RGBA | None = None) -> None:
    """A solid background (and a border) that follows the widget."""
    with widget.canvas.before:  # type: ignore[attr-defined]
        Color(*colour)
        rect = Rectangle(pos=widget.pos, size=widget.size)  # type: ignore[attr-defined]
        if border is not None:
            Color(*border)
            line = Line(rectangle=(*widget.pos, *widget.size), width=1.5)  # type: ignore
        else:
            line = None

    def follow(*_args: object) -> None:
        rect.pos, rect.size = widget.pos, widget.size  # type: ignore[attr-defined]
        if line is not None:
            line.rectangle = (*widget.pos, *widget.size)  # type: ignore[attr-defined]

    widget.bind(pos=follow, size=follow)  # type: ignore[attr-defined]


class Text(Label):
    """A paragraph that wraps to its width and is as tall as its text."""

    def __init__(self, text: str, theme: Theme, *, kind: str = "text", style: str = "normal",
                 bold: bool = False, halign: str = "left", colour: RGBA | None = None,
                 size_hint_y: float | None = None, **kwargs: object) -> None:
        super().__init__(text=text, font_name=FONT_NAME, font_size=theme.font(kind),
                         color=colour or theme.style_colour(style),
                         bold=bold or style == "strong", halign=halign, valign="middle",
                         size_hint_y=size_hint_y, **kwargs)
        self.bind(width=self._wrap, texture_size=self._fit)
        self._wrap(self, self.width)
        if size_hint_y is None:
            self.texture_update()
            self._fit(self, self.texture_size)

    def _wrap(self, _widget: object, width: float) -> None:
        self.text_size = (max(1, width), None if self.size_hint_y is None else self.height)

    def _fit(self, _widget: object, size: tuple[float, float]) -> None:
        if self.size_hint_y is None:
            self.height = size[1] + 4


class BigButton(Button):
    """A large touch target that sends ``action.id``."""

    def __init__(self, action: Action, theme: Theme, act: Act, **kwargs: object) -> None:
        background, foreground = theme.action_colours(action.style)
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", theme.button_height)
        super().__init__(
            text=action.label, font_name=FONT_NAME, bold=action.style == "primary",
            font_size=theme.font("button" if action.style != "quiet" else "small"),
            background_normal="", background_down="", background_disabled_normal="",
            background_color=background if action.enabled else theme.palette.disabled,
            color=foreground, disabled_color=foreground, disabled=not action.enabled,
            halign="center", valign="middle", **kwargs)
        self.action_id = action.id
        self._colours = (background, theme.palette.disabled)
        self.bind(size=self._wrap)
        self.bind(on_release=lambda *_: act(self.action_id))

    def set_enabled(self, enabled: bool) -> None:
        self.disabled = not enabled
        self.background_color = self._colours[0] if enabled else self._colours[1]

    def _wrap(self, _widget: object, size: tuple[float, float]) -> None:
        self.text_size = (max(1, size[0] - 16), None)


class TickBox(Widget):
    """A drawn tick box (the font has no box glyphs)."""

    def __init__(self, selected: bool, theme: Theme, size_px: float) -> None:
        super().__init__(size_hint=(None, None), size=(size_px, size_px))
        colour = theme.palette.primary
        with self.canvas:
            Color(*colour)
            self._frame = Line(rectangle=(*self.pos, *self.size), width=2)
            self._fill = Rectangle(pos=self.pos, size=(0, 0))
        self._selected = selected
        self.bind(pos=self._follow, size=self._follow)

    def _follow(self, *_args: object) -> None:
        self._frame.rectangle = (*self.pos, *self.size)
        inset = self.width * 0.22
        if self._selected:
            self._fill.pos = (self.x + inset, self.y + inset)
            self._fill.size = (self.width - 2 * inset, self.height - 2 * inset)


class RowWidget(BoxLayout):
    """One line of a list: title and detail on the left, status on the right.
    A selectable row toggles on touch (``toggle:KEY``)."""

    def __init__(self, row: Row, theme: Theme, act: Act) -> None:
        super().__init__(orientation="horizontal", size_hint_y=None,
                         padding=(theme.padding, theme.padding * 0.5), spacing=theme.padding)
        self.row_key = row.key
        self.row = row
        self._act = act
        p = theme.palette
        paint(self, p.surface if not row.selected else p.secondary, p.disabled)
        if row.selectable:
            box = AnchorLayout(size_hint_x=None, width=theme.button_height * 0.5,
                               size_hint_y=None, height=theme.button_height * 0.5,
                               pos_hint={"center_y": 0.5})
            box.add_widget(TickBox(row.selected, theme, theme.button_height * 0.36))
            self.add_widget(box)
        left = BoxLayout(orientation="vertical", size_hint_y=None, size_hint_x=0.64,
                         pos_hint={"center_y": 0.5})
        self.title_label = Text(row.title, theme, kind="row", bold=True)
        left.add_widget(self.title_label)
        if row.detail:
            left.add_widget(Text(row.detail, theme, kind="small", style="muted"))
        left.bind(minimum_height=left.setter("height"))
        self.status_label = Text(row.status, theme, kind="row", style=row.style,
                                 halign="right", size_hint_x=0.36, pos_hint={"center_y": 0.5})
        self.add_widget(left)
        self.add_widget(self.status_label)
        minimum = theme.button_height * (0.8 if row.selectable else 0.6)

        def fit(*_args: object) -> None:
            self.height = max(minimum, left.height, self.status_label.height) + theme.padding

        left.bind(height=fit)
        self.status_label.bind(height=fit)
        fit()

    def on_touch_down(self, touch: object) -> bool:
        if self.row.selectable and self.collide_point(*touch.pos):  # type: ignore[attr-defined]
            self._act("toggle:" + self.row_key)
            return True
        return bool(super().on_touch_down(touch))


ALNUM_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


class KeyPad(GridLayout):
    """The on-screen keyboard: digits for PINs, letters and digits for card
    numbers; Delete and OK (``submit``)."""

    def __init__(self, entry: Entry, theme: Theme, act: Act) -> None:
        digits = entry.layout == "digits"
        rows = ("123", "456", "789", "\b0\n") if digits else (*ALNUM_ROWS, "\b\n")
        super().__init__(cols=1, spacing=theme.padding * 0.4, size_hint_y=None)
        self.submit: BigButton | None = None
        key_height = theme.button_height * (0.9 if digits else 0.75)
        for keys in rows:
            line = BoxLayout(spacing=theme.padding * 0.4, size_hint_y=None, height=key_height)
            for key in keys:
                if key == "\b":
                    action = Action("backspace", entry.delete_label, "secondary")
                elif key == "\n":
                    action = Action("submit", entry.submit_label, "primary", True)
                else:
                    action = Action("key:" + key, key, "secondary")
                button = BigButton(action, theme, act, height=key_height)
                if action.id.startswith("key:"):
                    button.font_size = theme.font("key")
                if action.id == "submit":
                    self.submit = button
                    button.set_enabled(entry.can_submit)
                line.add_widget(button)
            self.add_widget(line)
        self.bind(minimum_height=self.setter("height"))
