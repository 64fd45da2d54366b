"""What people at the gate see and hear: the red light and the buzzer when a
secured item passes, the green light while the gate is in service.

The green light is on while the reader works and no alarm is sounding, so
staff see at a glance that a dark gate is not guarding; the red light and
buzzer sound for ``alarm_duration_s``, extended while an alarmed item stays
in the field, up to ``alarm_max_s`` (a secured book left lying by the gate
must not sound for ever).
"""

from __future__ import annotations

import asyncio
import contextlib

from drivers.gpio import STEADY, Output, Pattern


class Indicators:
    def __init__(self, red: Output | None, green: Output | None, buzzer: Output | None, *,
                 duration_s: float, max_s: float, pattern: Pattern = STEADY) -> None:
        self.red, self.green, self.buzzer = red, green, buzzer
        self.duration_s = duration_s
        self.max_s = max_s
        self.pattern = pattern
        self._in_service = False
        self._started: float | None = None
        self._restore: asyncio.Task[None] | None = None

    @property
    def alarming(self) -> bool:
        return self.red is not None and self.red.signalling or (
            self.buzzer is not None and self.buzzer.signalling)

    def in_service(self, working: bool) -> None:
        self._in_service = working
        self._green()

    def _green(self) -> None:
        if self.green is None:
            return
        if self._in_service and not self.alarming:
            self.green.on()
        else:
            self.green.off()

    def alarm(self) -> None:
        """A secured item: red light and buzzer for ``duration_s`` (a new
        alarm while one sounds extends it)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not self.alarming:
            self._started = now
        elif self._started is not None and now - self._started >= self.max_s:
            return  # sounding too long already: let it end
        duration = self.duration_s
        if self._started is not None:
            duration = min(duration, self._started + self.max_s - now)
        if self.red is not None:
            self.red.signal(duration)
        if self.buzzer is not None:
            self.buzzer.signal(duration, self.pattern)
        self._green()
        if self._restore is None or self._restore.done():
            self._restore = loop.create_task(self._after_alarm(), name="gate alarm end")

    def still_there(self) -> None:
        """An alarmed item is still in the field: keep sounding (within max_s)."""
        if self.alarming:
            self.alarm()

    async def _after_alarm(self) -> None:
        while self.alarming:  # an alarm restarted meanwhile keeps green off
            for output in (self.red, self.buzzer):
                if output is not None:
                    await output.wait_idle()
        self._started = None
        self._green()

    async def close(self) -> None:
        if self._restore is not None:
            self._restore.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._restore
        for output in (self.red, self.green, self.buzzer):
            if output is not None:
                output.off()
