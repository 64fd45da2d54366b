"""gpiozero's mock pins as a peer: a :class:`MockFactory` per test, and
helpers that drive input pins from another thread (as a real pin's
callbacks arrive from gpiozero's thread) and read what outputs did.

Pull into an area's conftest.py with ``from tests.peers.gpio import *``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["MockPins", "mock_pins"]


class MockPins:
    """The mock factory and its pins by BCM number."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory

    def pin(self, number: int) -> Any:
        return self.factory.pin(number)

    async def drive(self, number: int, high: bool) -> None:
        """Drive an input pin from a worker thread (gpiozero's callbacks then
        run there, as they do on a Pi)."""
        pin = self.pin(number)
        await asyncio.to_thread(pin.drive_high if high else pin.drive_low)

    def states(self, number: int) -> list[bool]:
        """Every state an output pin went through, in order (the first is
        its state when the history began)."""
        return [bool(s.state) for s in self.pin(number).states]

    def on_periods(self, number: int) -> list[float]:
        """How long the pin stayed high each time it was switched on (only
        periods that have ended)."""
        states = self.pin(number).states
        # each entry's timestamp is the time since the previous change
        return [after.timestamp for before, after in zip(states, states[1:], strict=False)
                if before.state and not after.state]

    def clear(self, number: int) -> None:
        self.pin(number).clear_states()


@pytest.fixture
def mock_pins() -> Iterator[MockPins]:
    from gpiozero.pins.mock import MockFactory

    factory = MockFactory()
    try:
        yield MockPins(factory)
    finally:
        factory.close()
