"""A small pool of SIP2 connections for callers that need more than one
request in flight (SIP2 itself allows one per connection)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from .client import Sip2Client
from .settings import Sip2Settings
from .transport import Trace


class Sip2Pool:
    """Up to ``size`` connections to one ACS, opened on demand.

    ``async with pool.acquire() as client: await client.checkout(...)``.
    A connection whose request failed is kept: the client reconnects by
    itself on its next request.
    """

    def __init__(self, settings: Sip2Settings, size: int = 2, *,
                 clock: Callable[[], datetime] = datetime.now,
                 trace: Trace | None = None) -> None:
        if size < 1:
            raise ValueError("a pool holds at least one connection")
        self.settings = settings
        self.size = size
        self._clock = clock
        self._trace = trace
        self._idle: asyncio.LifoQueue[Sip2Client] = asyncio.LifoQueue()
        self._clients: list[Sip2Client] = []
        self._slots = asyncio.Semaphore(size)

    async def __aenter__(self) -> Sip2Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Sip2Client]:
        """A connected client for the caller's exclusive use."""
        async with self._slots:
            try:
                client = self._idle.get_nowait()
            except asyncio.QueueEmpty:
                client = Sip2Client(self.settings, clock=self._clock, trace=self._trace)
                self._clients.append(client)
            try:
                if not client.connected:
                    await client.connect()
                yield client
            finally:
                self._idle.put_nowait(client)

    async def close(self) -> None:
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()
