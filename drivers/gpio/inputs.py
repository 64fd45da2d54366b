"""Sensor lines (beam-break sensors, the book drop's slot sensor, bin-full
switches) whose changes arrive on the asyncio loop.

gpiozero calls back on its own thread (lgpio's alert thread on a Pi; the
driving thread with mock pins). The callback only notes the new value and
the time, then hops onto the loop with ``call_soon_threadsafe``; everything
else happens on the loop. The value is read in the callback, not later, so a
line that flips twice before the loop runs still delivers both changes in
order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Pull = Literal["up", "down", "none"]
Level = Literal["low", "high"]


@dataclass(frozen=True, slots=True)
class Change:
    """A sensor line became active (``True``) or inactive, at ``at``
    (``time.monotonic()`` seconds, taken in gpiozero's callback)."""

    line: str
    active: bool
    at: float


Listener = Callable[[Change], None]


class InputLine:
    """One sensor. :attr:`active` is the sensor's own sense (beam broken,
    item present), whatever the wiring's electrical level."""

    def __init__(self, device: Any, name: str, loop: asyncio.AbstractEventLoop, *,
                 inverted: bool = False) -> None:
        self.device = device
        self.name = name
        self.loop = loop
        self.inverted = inverted
        self._listeners: list[Listener] = []
        self._closed = False
        self._last: bool = self._read()
        device.when_activated = self._on_edge
        device.when_deactivated = self._on_edge

    def _read(self) -> bool:
        return bool(self.device.is_active) != self.inverted

    @property
    def active(self) -> bool:
        """The line's state now (read from the pin)."""
        return self._read()

    def _on_edge(self) -> None:
        """gpiozero's thread: note the value and time, hop onto the loop."""
        if self._closed:
            return
        change = Change(self.name, self._read(), time.monotonic())
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody listens
            self.loop.call_soon_threadsafe(self._deliver, change)

    def _deliver(self, change: Change) -> None:
        if change.active == self._last:
            return  # a glitch shorter than the callback: both edges gave the same value
        self._last = change.active
        for listener in list(self._listeners):
            listener(change)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change)`` on the loop for every change; returns a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def changes(self) -> Changes:
        """Each change from now on (from this call, not from the first
        ``anext``), in order; ``close()`` it when done."""
        return Changes(self)

    async def wait_for(self, active: bool, timeout_s: float | None = None) -> Change | None:
        """Wait until the line is ``active`` (returns at once, with None, if
        it already is). ``TimeoutError`` after ``timeout_s``."""
        if self._last == active:
            return None
        reached: asyncio.Future[Change] = self.loop.create_future()

        def listener(change: Change) -> None:
            if change.active == active and not reached.done():
                reached.set_result(change)

        remove = self.add_listener(listener)
        try:
            async with asyncio.timeout(timeout_s):
                return await reached
        finally:
            remove()

    def close(self) -> None:
        # (gpiozero warns when a callback is set to None; closing the device
        # releases them)
        self._closed = True
        self._listeners.clear()


class Changes:
    """A subscription to a line's changes, as an async iterator."""

    def __init__(self, line: InputLine) -> None:
        self._queue: asyncio.Queue[Change] = asyncio.Queue()
        self._remove = line.add_listener(self._queue.put_nowait)

    def __aiter__(self) -> Changes:
        return self

    async def __anext__(self) -> Change:
        return await self._queue.get()

    def close(self) -> None:
        self._remove()
