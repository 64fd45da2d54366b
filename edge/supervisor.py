"""Long-lived tasks of a device service, kept alive.

A service (gate, book drop) starts its loops here. A loop that fails with
an unexpected exception is logged with its traceback and started again
after a back-off (1 s, doubling to 60 s; reset after a minute of good
running), so one bug in, say, the visitor counter does not take the alarm
down with it. This is the one place where any exception is caught.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

TaskFactory = Callable[[], Coroutine[Any, Any, None]]


class Supervisor:
    def __init__(self, *, min_backoff_s: float = 1.0, max_backoff_s: float = 60.0) -> None:
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        #: Restarts per task name, for status and tests.
        self.restarts: dict[str, int] = {}

    def start(self, name: str, factory: TaskFactory) -> None:
        if name in self._tasks and not self._tasks[name].done():
            raise ValueError(f"task {name!r} is already running")
        self._tasks[name] = asyncio.create_task(self._keep(name, factory), name=name)

    async def _keep(self, name: str, factory: TaskFactory) -> None:
        loop = asyncio.get_running_loop()
        delay = self.min_backoff_s
        while True:
            started = loop.time()
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the supervisor: log, back off, restart
                log.exception("task %s failed; restarting in %.0f s", name, delay)
            self.restarts[name] = self.restarts.get(name, 0) + 1
            if loop.time() - started > 60:
                delay = self.min_backoff_s
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    async def stop(self, *names: str) -> None:
        """Cancel the named tasks (all of them when none is named) and wait."""
        chosen = names or tuple(self._tasks)
        tasks = [self._tasks.pop(name) for name in chosen if name in self._tasks]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
