"""Staff mode of the kiosk flow: who may open it (the secret ``staff_pin``,
or a staff card: a patron id in ``staff_patron_ids`` or an ILS patron class
in ``staff_patron_classes``), the device status it shows, the reader test,
replaying the offline queue, the default language and volume, and leaving
the kiosk program (only from here).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from edge.circulation import IdentifyResult, Patron
from edge.i18n import LANGUAGES, N_
from kiosk.state import Component, EntryState, KioskProblem, Problem, State
from kiosk.views.model import Screen

if TYPE_CHECKING:
    from edge.circulation.service import CirculationService
    from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

STAFF_SCREENS = frozenset({Screen.STAFF, Screen.STAFF_READER})


class StaffMode:
    if TYPE_CHECKING:
        service: CirculationService
        settings: KioskSettings
        state: State
        clock: Callable[[], float]
        default_language: str
        volume: float

        def _set(self, **changes: Any) -> None: ...
        def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
        def _cue(self, cue: str) -> None: ...
        def _fail(self, problem: Problem, detail: str | None = None,
                  back: Screen = Screen.WELCOME) -> None: ...
        async def _request(self, busy: str, call: Awaitable[T]) -> T | None: ...
        def end_session(self) -> None: ...
        def request_quit(self) -> None: ...
        def _identified(self, found: IdentifyResult, credential: Any) -> None: ...

    def _init_staff(self) -> None:
        self._staff_failures = 0
        self._staff_locked_until = 0.0
        self._refreshing = False

    def is_staff(self, found: IdentifyResult) -> bool:
        """Whether an identified card is a staff card."""
        ids = self.settings.staff_patron_ids
        if found.patron_id is not None and found.patron_id in ids:
            return True
        patron = found.patron
        if found.status != "ok" or patron is None:
            return False
        return patron.id in ids or (patron.patron_class or "").lower() in \
            self.settings.staff_patron_classes

    def enter_staff(self, patron: Patron | None) -> None:
        log.info("staff mode opened")
        self._staff_failures = 0
        self._set(staff=True, screen=Screen.STAFF, patron=None, entry=None, error=None,
                  flush_report=None, phase="ready", language=self.default_language,
                  results=(), result=None)
        self._cue("success")
        self.staff_refresh()

    async def _staff_login(self, _arg: str) -> None:
        if self.state.screen in (Screen.WELCOME, Screen.LOCKED):
            self._set(screen=Screen.STAFF_LOGIN, entry=EntryState("staff_pin"))

    async def check_staff_pin(self, pin: str) -> None:
        expected = self.settings.staff_pin
        now = self.clock()
        if now < self._staff_locked_until:
            self._fail(KioskProblem.STAFF_LOCKED_OUT, back=Screen.STAFF_LOGIN)
            self.state = _clear_entry(self.state)
            return
        if expected is not None and hmac.compare_digest(pin.encode(), expected.encode()):
            self.enter_staff(None)
            return
        self._staff_failures += 1
        if self._staff_failures >= self.settings.staff_pin_attempts:
            self._staff_failures = 0
            self._staff_locked_until = now + self.settings.staff_lockout_s
        self._fail(KioskProblem.STAFF_PIN_WRONG, back=Screen.STAFF_LOGIN)
        self.state = _clear_entry(self.state)

    async def staff_act(self, arg: str) -> None:
        """``staff:ARG`` actions; only in staff mode."""
        if not self.state.staff or self.state.screen not in STAFF_SCREENS:
            return
        command, _, value = arg.partition(":")
        if command == "reader":
            self._set(screen=Screen.STAFF_READER, stack=self.service.stack)
        elif command == "back":
            self._set(screen=Screen.STAFF)
        elif command == "flush":
            self._set(phase="working")
            report = await self._request(N_("Sending the offline queue…"), self.service.flush())
            self._set(phase="ready", flush_report=report,
                      screen=Screen.STAFF if self.state.staff else self.state.screen)
            self.staff_refresh()
        elif command == "lang" and value in LANGUAGES:
            self.default_language = value
            self._set(language=value)
        elif command == "volume":
            step = 0.1 if value == "+" else -0.1
            self.volume = round(min(1.0, max(0.0, self.volume + step)), 2)
            self._set(volume=self.volume)
            self._cue("read")
        elif command == "close":
            log.info("staff mode closed")
            self.end_session()
        elif command == "quit":
            log.info("the kiosk program is closed by staff")
            self.request_quit()

    def staff_refresh(self) -> None:
        """Read the device status again (staff mode only)."""
        if self.state.staff and self.state.screen is Screen.STAFF and not self._refreshing:
            self._refreshing = True
            self._spawn(self._refresh_components())

    async def _refresh_components(self) -> None:
        try:
            status = self.service.status()
            board = await asyncio.to_thread(self.service.store.status.snapshot)
        finally:
            self._refreshing = False
        offline = status.offline
        if offline.ils_online:
            ils = Component("ils", "online")
        else:
            ils = Component("ils", "degraded" if offline.accepting else "down")
        broker = board.get("broker")
        waiting = offline.queued or offline.conflicts or offline.unfinished
        components = (
            Component("reader", status.reader, _reader_detail(board)),
            ils,
            Component("broker", broker.status, broker.detail) if broker is not None
            else Component("broker", "unknown"),
            Component("queue", "waiting" if waiting else "empty"),
        )
        self._set(components=components, offline=offline, reader_state=status.reader)


def _reader_detail(board: dict[str, Any]) -> str | None:
    reader = board.get("reader")
    return reader.detail if reader is not None and reader.status != "ok" else None


def _clear_entry(state: State) -> State:
    from dataclasses import replace

    return replace(state, entry=EntryState("staff_pin"))
