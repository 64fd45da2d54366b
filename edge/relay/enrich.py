"""Naming alarmed items: a gate that could not read a title in time sends
the item's identifier; the relay asks the library system for the title.

The lookup is injected (``title_for(item_id) -> title or None``, async), so
the relay does not depend on how the ILS is reached; :func:`sip2_titles`
makes one from the SIP2 client (Item Information, 17/18). Lookups are
cached and bounded by a timeout: a slow ILS delays an alarm's title, never
the storing of events.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from drivers.sip2 import Sip2Error, Sip2Pool
from edge.errors import EdgeError

log = logging.getLogger(__name__)

TitleLookup = Callable[[str], Awaitable[str | None]]


class TitleLookupError(EdgeError):
    """The library system could not be asked (unreachable, login refused...)."""


def sip2_titles(pool: Sip2Pool) -> TitleLookup:
    """Titles from SIP2 Item Information (17 -> 18, field AJ)."""

    async def title_for(item: str) -> str | None:
        try:
            async with pool.acquire() as client:
                result = await client.item_information(item)
        except Sip2Error as exc:
            raise TitleLookupError(f"SIP2: {exc}") from exc
        return result.title_identifier or None if result.ok else None

    return title_for


class CachedTitles:
    def __init__(self, lookup: TitleLookup, timeout_s: float, max_entries: int = 10_000,
                 closer: Callable[[], Awaitable[None]] | None = None) -> None:
        self._lookup = lookup
        self._timeout_s = timeout_s
        self._max = max_entries
        self._closer = closer
        self._cache: OrderedDict[str, str] = OrderedDict()
        self.lookups = 0
        self.failures = 0

    async def title(self, item: str) -> str | None:
        cached = self._cache.get(item)
        if cached is not None:
            self._cache.move_to_end(item)
            return cached
        self.lookups += 1
        try:
            async with asyncio.timeout(self._timeout_s):
                found = await self._lookup(item)
        except TimeoutError:
            self.failures += 1
            log.warning("title lookup timed out", extra={"fields": {"item": item}})
            return None
        except (TitleLookupError, OSError, ValueError) as exc:
            self.failures += 1
            log.warning("title lookup failed: %s", exc, extra={"fields": {"item": item}})
            return None
        if found:
            self._cache[item] = found
            if len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return found or None

    async def aclose(self) -> None:
        if self._closer is not None:
            await self._closer()
