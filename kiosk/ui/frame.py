"""Around every screen: the header (library, who is served, language and
display choices, the discreet staff button), the offline banner, the
progress or notice line, and the idle warning drawn over everything."""

from __future__ import annotations

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout

from kiosk.ui.screen import ScreenWidget
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import Act, BigButton, Text, paint
from kiosk.views.model import FrameView, KioskView


class FrameWidget(FloatLayout):
    def __init__(self, theme: Theme, act: Act) -> None:
        super().__init__()
        self.theme = theme
        self.act = act
        self.frame: FrameView | None = None
        p = theme.palette
        paint(self, p.background)
        self.column = BoxLayout(orientation="vertical", size_hint=(1, 1),
                                pos_hint={"x": 0, "y": 0})
        self.header = BoxLayout(orientation="horizontal", size_hint_y=None,
                                height=theme.button_height * 0.9,
                                padding=(theme.padding, theme.padding * 0.4),
                                spacing=theme.padding)
        paint(self.header, p.header)
        self.library = Text("", theme, kind="small", colour=p.on_header, bold=True,
                            size_hint_x=0.34, size_hint_y=1)
        self.greeting = Text("", theme, kind="small", colour=p.on_header, size_hint_x=0.26,
                             size_hint_y=1)
        self.buttons = BoxLayout(orientation="horizontal", spacing=theme.padding * 0.5,
                                 size_hint_x=0.4)
        for part in (self.library, self.greeting, self.buttons):
            self.header.add_widget(part)
        self.banner = Text("", theme, kind="text", colour=p.on_banner, bold=True,
                           halign="center")
        self.banner_box = BoxLayout(size_hint_y=None, height=0, padding=theme.padding * 0.5)
        paint(self.banner_box, p.banner)
        self.banner_box.add_widget(self.banner)
        self.banner.bind(height=self._banner_height)
        self.screen = ScreenWidget(theme, act)
        self.status = Text("", theme, kind="text", style="strong", halign="center")
        self.status_box = BoxLayout(size_hint_y=None, height=0, padding=theme.padding * 0.4)
        paint(self.status_box, p.secondary)
        self.status_box.add_widget(self.status)
        for part in (self.header, self.banner_box, self.screen, self.status_box):
            self.column.add_widget(part)
        self.add_widget(self.column)
        self.overlay: AnchorLayout | None = None

    def show(self, view: KioskView) -> None:
        self.show_frame(view.frame)
        self.screen.show(view.screen)

    def show_frame(self, frame: FrameView) -> None:
        if frame == self.frame:
            return
        old, self.frame = self.frame, frame
        theme = self.theme
        self.library.text = frame.library
        self.greeting.text = frame.greeting
        buttons = (frame.language_action, *frame.display_actions, frame.staff_action)
        if old is None or buttons != (old.language_action, *old.display_actions,
                                      old.staff_action):
            self.buttons.clear_widgets()
            for action in buttons:
                if action is not None:
                    self.buttons.add_widget(BigButton(
                        action, theme, self.act, size_hint_y=1))
        self.banner.text = frame.banner or ""
        self.banner_box.height = self.banner.height + theme.padding if frame.banner else 0
        self.banner_box.opacity = 1 if frame.banner else 0
        status = frame.busy or frame.notice or ""
        self.status.text = status
        self.status.color = theme.style_colour("strong" if frame.busy else "warn")
        self.status_box.height = theme.button_height * 0.7 if status else 0
        self.status_box.opacity = 1 if status else 0
        self._show_idle(frame)

    def _banner_height(self, _widget: object, height: float) -> None:
        if self.frame is not None and self.frame.banner:
            self.banner_box.height = height + self.theme.padding

    def _show_idle(self, frame: FrameView) -> None:
        if frame.idle_warning is None:
            if self.overlay is not None:
                self.remove_widget(self.overlay)
                self.overlay = None
            return
        theme = self.theme
        if self.overlay is None:
            self.overlay = AnchorLayout(size_hint=(1, 1), pos_hint={"x": 0, "y": 0})
            paint(self.overlay, (0, 0, 0, 0.55))
            self.add_widget(self.overlay)
        self.overlay.clear_widgets()
        box = BoxLayout(orientation="vertical", size_hint=(0.6, None),
                        padding=theme.padding * 2, spacing=theme.padding * 2)
        paint(box, theme.palette.surface, theme.palette.primary)
        message = Text(frame.idle_warning, theme, kind="title", bold=True, halign="center")
        message.idle_warning = True
        box.add_widget(message)
        if frame.idle_action is not None:
            box.add_widget(BigButton(frame.idle_action, theme, self.act))
        box.height = message.height + theme.button_height + theme.padding * 6
        message.bind(height=lambda _w, h: setattr(
            box, "height", h + theme.button_height + theme.padding * 6))
        self.overlay.add_widget(box)
