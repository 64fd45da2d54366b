"""Waiting for events in card reader streams (shared by the card and
simulator tests)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from drivers.cards.model import CardEvent


async def first_event(events: AsyncIterator[CardEvent], kind: type, timeout_s: float = 20,
                      seen: list[CardEvent] | None = None) -> CardEvent:
    """The next event of ``kind``; every event passed on the way is added
    to ``seen``. Fails, listing them, after ``timeout_s``."""
    got = [] if seen is None else seen
    try:
        async with asyncio.timeout(timeout_s):
            async for event in events:
                got.append(event)
                if isinstance(event, kind):
                    return event
    except TimeoutError:
        raise AssertionError(f"no {kind.__name__} within {timeout_s} s; got {got}") from None
    raise AssertionError(f"the stream ended before a {kind.__name__}; got {got}")
