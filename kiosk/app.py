"""The Kivy application: one window drawing the flow's views, touches and
keys sent back to the flow, sounds for its cues. It runs on the process's
asyncio loop beside the circulation service (``await app.async_run()``);
every action is a task, so a slow ILS or tag write never blocks drawing.

Import only after :func:`kiosk.display.prepare_kivy` and
:func:`kiosk.display.configure_window`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.flow import KioskFlow
from kiosk.ui.frame import FrameWidget
from kiosk.ui.sounds import Sounds
from kiosk.ui.theme import Theme, register_font
from kiosk.views.model import KioskView
from kiosk.wedge import KeyWedge

log = logging.getLogger(__name__)

ENTER_KEYS = frozenset({13, 271})
BACKSPACE, ESCAPE = 8, 27


class KioskApp(App):
    title = "smartlib"

    def __init__(self, flow: KioskFlow, *, sounds: bool = True,
                 side_panel: Callable[[], Widget] | None = None, allow_close: bool = False,
                 on_first_frame: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow = flow
        self.allow_close = allow_close
        self.wedge = KeyWedge()
        self.sounds = Sounds(enabled=sounds and flow.settings.sounds)
        self._side_panel = side_panel
        self._on_first_frame = on_first_frame
        self._tasks: set[asyncio.Task[Any]] = set()
        self._look: tuple[bool, bool, int] | None = None
        self.frame: FrameWidget | None = None
        self.view: KioskView | None = None
        self.renders = 0

    # ------------------------------------------------------------ building

    def build(self) -> Widget:
        register_font()
        self.body = BoxLayout(orientation="horizontal")
        self.flow.subscribe(self.render)
        self.flow.on_cue(lambda cue: self.sounds.play(cue, self.flow.state.volume))
        self.flow.on_quit(self.stop)
        self.render(self.flow.view)
        if self._side_panel is not None:
            self.body.add_widget(self._side_panel())
        return self.body

    def on_start(self) -> None:
        Window.bind(on_key_down=self._key_down, on_textinput=self._text,
                    on_request_close=self._close_requested, on_touch_down=self._touched,
                    on_resize=self._resized)
        if self._on_first_frame is not None:
            Window.bind(on_flip=self._first_flip)

    def on_stop(self) -> None:
        Window.unbind(on_key_down=self._key_down, on_textinput=self._text,
                      on_request_close=self._close_requested, on_touch_down=self._touched,
                      on_resize=self._resized, on_flip=self._first_flip)
        for task in list(self._tasks):
            task.cancel()
        self.sounds.unload()

    def _first_flip(self, *_args: Any) -> None:
        Window.unbind(on_flip=self._first_flip)
        if self._on_first_frame is not None and self.view is not None:
            self._on_first_frame()

    def render(self, view: KioskView) -> None:
        """Draw ``view`` (called by the flow on every change)."""
        self.view = view
        look = (view.frame.high_contrast, view.frame.large_text, int(Window.height))
        if look != self._look or self.frame is None:
            self._look = look
            theme = Theme.for_window(Window.height, high_contrast=look[0], large_text=look[1])
            frame = FrameWidget(theme, self.act)
            if self.frame is not None:
                index = self.body.children.index(self.frame)
                self.body.remove_widget(self.frame)
                self.body.add_widget(frame, index=index)
            else:
                self.body.add_widget(frame)
            self.frame = frame
        self.frame.show(view)
        self.renders += 1

    def _resized(self, *_args: Any) -> None:
        if self.view is not None:
            self.render(self.view)

    # ------------------------------------------------------------ input

    def act(self, action_id: str) -> None:
        """A button was touched: run the flow's action as a task."""
        self._spawn(self.flow.act(action_id))

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk action failed", exc_info=task.exception())

    def _touched(self, *_args: Any) -> None:
        self.flow.touched()

    def _key_down(self, _window: Any, key: int, _scancode: int, _codepoint: str | None,
                  _modifiers: list[str]) -> bool:
        self.flow.touched()
        if key == ESCAPE:
            return True  # never leave the kiosk by a key
        entry = self.flow.state.entry is not None
        if key in ENTER_KEYS:
            if entry:
                self.act("submit")
            else:
                code = self.wedge.enter(time.monotonic())
                if code is not None:
                    self._spawn(self.flow.scanned(code))
            return True
        if key == BACKSPACE and entry:
            self.act("backspace")
            return True
        return False

    def _text(self, _window: Any, text: str) -> None:
        if self.flow.state.entry is not None:
            for char in text:
                self.flow.key(char)
        else:
            self.wedge.feed(text, time.monotonic())

    def _close_requested(self, *_args: Any, **_kwargs: Any) -> bool:
        """Closing the window needs staff mode (or a demo)."""
        if self.allow_close or self.flow.quit_requested:
            return False
        log.info("window close refused: leave the kiosk from staff mode")
        return True
