"""Driving the real window as a reader would: touches on the buttons and
rows drawn on screen (Kivy motion events through the window's input
queue, so they travel the same way a finger's do), waiting for what the
screen shows, and screenshots. The headless demo walks its scripted
session with it; the UI tests use it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.app import KioskApp
from kiosk.views.model import Screen


class ScriptedTouch(MotionEvent):
    """A finger at window pixel (x, y)."""

    def __init__(self, x: float, y: float) -> None:
        width, height = max(2, Window.width), max(2, Window.height)
        super().__init__("scripted", id(self), {"x": x / (width - 1), "y": y / (height - 1)},
                         is_touch=True, type_id="touch")

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["x"], args["y"]
        self.profile = ["pos"]
        super().depack(args)


class UiDriver:
    def __init__(self, app: KioskApp, timeout_s: float = 15.0) -> None:
        self.app = app
        self.timeout_s = timeout_s

    # ------------------------------------------------------------ looking

    def widgets(self) -> Iterator[Widget]:
        stack: list[Widget] = list(Window.children)
        while stack:
            widget = stack.pop()
            yield widget
            stack.extend(widget.children)

    def find(self, action_id: str) -> Widget | None:
        for widget in self.widgets():
            if getattr(widget, "action_id", None) == action_id:
                return widget
        return None

    def row(self, key: str) -> Widget | None:
        for widget in self.widgets():
            if getattr(widget, "row_key", None) == key:
                return widget
        return None

    def texts(self) -> list[str]:
        """Every text drawn in the window, top to bottom."""
        labels = [w for w in self.widgets() if isinstance(w, Label) and w.text
                  and w.opacity > 0 and w.get_root_window() is not None]
        labels.sort(key=lambda w: (-w.to_window(w.x, w.top)[1], w.to_window(w.x, w.y)[0]))
        return [w.text for w in labels]

    @property
    def screen(self) -> Screen | None:
        frame = self.app.frame
        view = frame.screen.view if frame is not None else None
        return view.screen if view is not None else None

    # ------------------------------------------------------------ waiting

    async def frames(self, count: int = 2) -> None:
        """Let Kivy run ``count`` frames of its loop (drawing what changed)."""
        loop = asyncio.get_running_loop()
        for _ in range(count):
            ticked = loop.create_future()

            def done(_dt: float, future: asyncio.Future[None] = ticked) -> None:
                if not future.done():
                    future.set_result(None)

            Clock.schedule_once(done, 0)
            await asyncio.wait_for(ticked, 5.0)

    async def drawn(self) -> None:
        """Until the window has been drawn again, from scratch."""
        flipped = asyncio.get_running_loop().create_future()

        def done(*_args: Any) -> None:
            if not flipped.done():
                flipped.set_result(None)

        Window.bind(on_flip=done)
        try:
            Window.canvas.ask_update()
            await asyncio.wait_for(flipped, 5.0)
        finally:
            Window.unbind(on_flip=done)

    async def until(self, condition: Callable[[], Any], what: str,
                    timeout_s: float | None = None) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (timeout_s or self.timeout_s)
        while True:
            value = condition()
            if value:
                return value
            if loop.time() > deadline:
                raise TimeoutError(f"the screen never showed {what}; it shows: "
                                   f"{self.screen} {self.texts()[:12]}")
            await asyncio.sleep(0.02)

    async def wait_screen(self, screen: Screen, timeout_s: float | None = None) -> None:
        await self.until(lambda: self.screen is screen and self.app.flow.state.busy is None,
                         f"the {screen.value} screen", timeout_s)
        await self.frames(2)

    async def wait_text(self, text: str, timeout_s: float | None = None) -> None:
        await self.until(lambda: any(text in shown for shown in self.texts()),
                         repr(text), timeout_s)
        await self.frames(1)

    # ------------------------------------------------------------ touching

    async def touch(self, widget: Widget) -> None:
        x, y = widget.to_window(*widget.center)
        touch = ScriptedTouch(x, y)
        EventLoop.post_dispatch_input("begin", touch)
        EventLoop.post_dispatch_input("end", touch)
        await asyncio.sleep(0)

    async def tap(self, action_id: str, timeout_s: float | None = None) -> None:
        """Touch the button of ``action_id`` once it is on screen, laid out
        and enabled."""

        def enabled() -> Widget | None:
            widget = self.find(action_id)
            if widget is None or widget.disabled or widget.get_root_window() is None:
                return None
            return widget

        await self.touch(await self._settled(enabled, f"an enabled button {action_id!r}",
                                             timeout_s))

    async def tap_row(self, key: str, timeout_s: float | None = None) -> None:
        await self.touch(await self._settled(lambda: self.row(key), f"a row {key!r}",
                                             timeout_s))

    async def _settled(self, find: Callable[[], Widget | None], what: str,
                       timeout_s: float | None) -> Widget:
        """The widget ``find`` returns, once it has stayed for a frame (a new
        widget is placed by its layout on the next frame)."""
        while True:
            widget = await self.until(find, what, timeout_s)
            await self.frames(1)
            if find() is widget:
                return widget

    async def type(self, text: str) -> None:
        """Touch the on-screen keys for ``text``."""
        for char in text:
            await self.tap("key:" + char.upper())

    # ------------------------------------------------------------ pictures

    async def screenshot(self, path: Path) -> Path:
        """The window as a PNG at ``path``."""
        await self.frames(2)
        await self.drawn()
        return _capture(path)


def _capture(path: Path) -> Path:
    """Kivy numbers screenshot files; ours go exactly where asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = Window.screenshot(name=str(path))
    if written is None:
        raise RuntimeError("the window could not be captured")
    Path(written).replace(path)
    return path
