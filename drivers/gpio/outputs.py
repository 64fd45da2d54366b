"""Switched outputs (lights, buzzers, diverter solenoids, conveyor relays)
with timed signals played on the asyncio loop.

:meth:`Output.signal` turns an output on (steady, or playing a
:class:`Pattern` such as a buzzer's beeps) for at least ``duration_s`` from
now. A second call while the first still plays extends it rather than
starting over, so an alarm that is triggered again sounds as one long alarm
and never stutters. Switching a pin is a quick call into gpiozero (a
register or ioctl write), done on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Pattern:
    """Steps of (on seconds, off seconds), repeated until the signal ends.
    ``STEADY`` (no steps) is on all the time."""

    steps: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        for on_s, off_s in self.steps:
            if not (on_s > 0 and off_s >= 0 and math.isfinite(on_s + off_s)):
                raise ValueError(f"pattern step ({on_s}, {off_s}): on must be > 0 s and "
                                 "off >= 0 s")

    @property
    def steady(self) -> bool:
        return not self.steps


STEADY = Pattern()
#: Named patterns a configuration may choose.
PATTERNS: dict[str, Pattern] = {
    "steady": STEADY,
    "pulse": Pattern(((0.25, 0.25),)),
    "fast": Pattern(((0.1, 0.1),)),
    "chirp": Pattern(((0.08, 0.92),)),
    "double": Pattern(((0.12, 0.12), (0.12, 0.64))),
}


class Output:
    """One output pin (through a gpiozero ``DigitalOutputDevice``)."""

    def __init__(self, device: Any, name: str) -> None:
        self.device = device
        self.name = name
        self._task: asyncio.Task[None] | None = None
        self._deadline = 0.0
        self._pattern = STEADY

    @property
    def is_on(self) -> bool:
        return bool(self.device.value)

    @property
    def signalling(self) -> bool:
        """A timed signal is playing."""
        return self._task is not None and not self._task.done()

    def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def on(self) -> None:
        """On until :meth:`off` (a timed signal playing is stopped)."""
        self._stop()
        self.device.on()

    def off(self) -> None:
        self._stop()
        self.device.off()

    def signal(self, duration_s: float, pattern: Pattern = STEADY) -> None:
        """On (or playing ``pattern``) for at least ``duration_s`` from now,
        then off. While a signal plays, a new one extends it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration_s
        if self.signalling and pattern == self._pattern:
            self._deadline = max(self._deadline, deadline)
            return
        self._stop()
        self._deadline, self._pattern = deadline, pattern
        self._task = loop.create_task(self._play(), name=f"signal {self.name}")

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self._pattern.steady:
                self.device.on()
                # the deadline moves when the signal is extended meanwhile
                while (left := self._deadline - loop.time()) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(left)
                return
            while True:
                for on_s, off_s in self._pattern.steps:
                    if self._deadline - loop.time() <= 0:
                        return
                    self.device.on()
                    await asyncio.sleep(min(on_s, max(0.0, self._deadline - loop.time())))
                    self.device.off()
                    if off_s and self._deadline - loop.time() > 0:
                        await asyncio.sleep(min(off_s, self._deadline - loop.time()))
        finally:
            self.device.off()

    async def wait_idle(self) -> None:
        """Until the signal playing (if any) has ended."""
        task = self._task
        if task is not None:
            await asyncio.wait({task})

    async def pulse(self, duration_s: float) -> None:
        """On for ``duration_s``, then off; returns when it is off (a
        diverter flap held while the item slides past)."""
        self.signal(duration_s)
        await self.wait_idle()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.device.off()
