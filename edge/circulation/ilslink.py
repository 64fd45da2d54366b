"""Circulation's link to the ILS: SIP2 connections (a small pool, so a
title lookup need not wait behind a checkout) and the one fact the rest of
circulation acts on, *online or not*.

The ILS is offline when it cannot be reached (connection refused or lost,
no answer in time, a broken answer, a refused login) or when its SC status
(98) says it is off line. While offline, calls fail at once with
:class:`IlsUnavailable` instead of waiting for timeouts; :meth:`IlsLink.probe`
(called periodically by the service) notices when it is back. When it went
away is kept in the store, so offline mode's time limit survives a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from drivers.sip2 import (
    Sip2Client,
    Sip2ConnectionError,
    Sip2LoginError,
    Sip2Pool,
    Sip2ProtocolError,
    Sip2Settings,
)
from edge.circulation.errors import IlsUnavailable
from edge.circulation.journal import Journal

log = logging.getLogger(__name__)
T = TypeVar("T")

OFFLINE_SINCE = "ils_offline_since"


class IlsLink:
    """``clock`` gives the library's local time (aware); SIP2 dates are
    made from it. ``on_change(online)`` is called on every change."""

    def __init__(self, settings: Sip2Settings, journal: Journal, *,
                 clock: Callable[[], datetime], pool_size: int = 2,
                 on_change: Callable[[bool], None] | None = None) -> None:
        self.settings = settings
        self.journal = journal
        self._clock = clock
        self.pool = Sip2Pool(settings, pool_size, clock=lambda: clock().replace(tzinfo=None))
        self.on_change = on_change
        self.online = True
        self.offline_since: datetime | None = None
        self.last_error: str | None = None
        self._probe_lock = asyncio.Lock()

    async def restore(self) -> None:
        """Take over an offline period recorded before a restart."""
        since = await asyncio.to_thread(self.journal.get_state, OFFLINE_SINCE)
        if since is not None:
            self.offline_since = datetime.fromisoformat(since)
            self.online = False

    async def close(self) -> None:
        await self.pool.close()

    # ---------------------------------------------------------------- calls

    async def call(self, request: Callable[[Sip2Client], Awaitable[T]], *,
                   force: bool = False) -> T:
        """Run ``request`` on a connected client. Raises IlsUnavailable when
        the ILS is offline (at once, unless ``force``: the probe, whose SC
        status request itself refreshes what the ILS says) or fails now."""
        if not self.online and not force:
            raise IlsUnavailable(self.last_error or "the ILS is offline")
        try:
            async with self.pool.acquire() as client:
                status = client.acs_status
                if not force and status is not None and status.online is False:
                    raise IlsUnavailable("the ILS says it is off line (SC status)")
                result = await request(client)
        except IlsUnavailable as exc:
            await self._went_offline(str(exc))
            raise
        except (Sip2ConnectionError, Sip2ProtocolError, Sip2LoginError) as exc:
            await self._went_offline(str(exc))
            raise IlsUnavailable(str(exc)) from exc
        if not self.online:
            await self._came_back()
        return result

    async def probe(self) -> bool:
        """Ask the ILS whether it is there (SC status); True when online."""
        async with self._probe_lock:
            try:
                status = await self.call(lambda c: c.sc_status(), force=True)
            except IlsUnavailable:
                return False
            if status.online is False:
                await self._went_offline("the ILS says it is off line (SC status)")
                return False
            return True

    # ---------------------------------------------------------------- state

    async def _went_offline(self, why: str) -> None:
        self.last_error = why
        if not self.online:
            return
        self.online = False
        self.offline_since = self.offline_since or self._clock()
        log.warning("ILS offline", extra={"fields": {"error": why}})
        await asyncio.to_thread(self.journal.set_state, OFFLINE_SINCE,
                                self.offline_since.isoformat())
        if self.on_change is not None:
            self.on_change(False)

    async def _came_back(self) -> None:
        self.online = True
        self.offline_since = None
        self.last_error = None
        log.warning("ILS online again")
        await asyncio.to_thread(self.journal.set_state, OFFLINE_SINCE, None)
        if self.on_change is not None:
            self.on_change(True)
