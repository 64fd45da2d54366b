"""The reader's session on the kiosk, in plain Python: which screen shows,
what each touched button does, and how the circulation service's events
change the display. No Kivy here: the widgets subscribe to the views this
publishes (:meth:`KioskFlow.subscribe`) and send back action ids
(:meth:`KioskFlow.act`); tests do the same without a window.

Every borrow, return and renewal is a call to
:class:`edge.circulation.service.CirculationService`; the flow only asks
and shows. A call that takes longer than ``request_timeout_s`` stops being
waited for (the screen says so; the service still finishes it), so the
screen never hangs on the ILS or a tag write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from edge.circulation import (
    CardPresented,
    Credential,
    IdentifyResult,
    IlsChanged,
    ItemProgress,
    LockChanged,
    QueueChanged,
    ReaderChanged,
    ScannedCode,
    ServiceEvent,
    Stack,
    StackChanged,
    TransactionResult,
    TypedNumber,
)
from edge.circulation.service import CirculationService
from edge.i18n import LANGUAGES, N_
from kiosk.settings import KioskSettings
from kiosk.staffmode import StaffMode
from kiosk.state import EntryState, ErrorInfo, KioskProblem, LoggedError, Problem, State
from kiosk.views.build import build_view
from kiosk.views.model import KioskView, Screen

log = logging.getLogger(__name__)

T = TypeVar("T")

Cue = str  # "read", "success", "problem"

#: Screens where a card, barcode or typed number identifies someone.
IDENTIFYING = frozenset({Screen.WELCOME, Screen.IDENTIFY, Screen.LOCKED, Screen.STAFF_LOGIN})
#: Screens that never time out.
RESTING = frozenset({Screen.WELCOME, Screen.LOCKED})
MAX_ENTRY = 32


class KioskFlow(StaffMode):
    def __init__(self, service: CirculationService, settings: KioskSettings, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.settings = settings
        self.clock = clock
        self.default_language = settings.language
        self.volume = settings.volume
        self.state = self._fresh_state()
        self.view: KioskView = build_view(self.state)
        self._listeners: list[Callable[[KioskView], None]] = []
        self._cue_listeners: list[Callable[[Cue], None]] = []
        self._quit_listeners: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._inflight: asyncio.Task[Any] | None = None
        self._last_touch = clock()
        self._language_chosen = False
        self._pending: Credential | None = None
        self._session = 0
        self.errors: deque[LoggedError] = deque(maxlen=10)
        self.quit_requested = False
        self._init_staff()

    # ============================================================ observers

    def subscribe(self, listener: Callable[[KioskView], None]) -> None:
        """``listener(view)`` after every change of what the screen shows."""
        self._listeners.append(listener)

    def on_cue(self, listener: Callable[[Cue], None]) -> None:
        """``listener("read" | "success" | "problem")`` for sounds."""
        self._cue_listeners.append(listener)

    def on_quit(self, listener: Callable[[], None]) -> None:
        self._quit_listeners.append(listener)

    def _set(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        view = build_view(self.state)
        if view != self.view:
            self.view = view
            for listener in list(self._listeners):
                listener(view)

    def _cue(self, cue: Cue) -> None:
        for listener in list(self._cue_listeners):
            listener(cue)

    # ============================================================ life cycle

    async def start(self) -> None:
        """Follow the service's events and the idle clock (until :meth:`close`)."""
        self._spawn(self._follow_events())
        self._spawn(self._tick())

    async def close(self) -> None:
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk task failed", exc_info=task.exception())

    def _fresh_state(self, previous: State | None = None) -> State:
        """A new session's state; the device's state (lock, ILS, reader) carries over."""
        s = self.settings
        locked = previous.locked if previous else False
        return State(
            screen=Screen.LOCKED if locked else Screen.WELCOME,
            language=self.default_language, library=s.library_name,
            ask_item_count=s.ask_item_count, receipt_print=s.printer, receipt_email=s.email,
            volume=self.volume, high_contrast=s.high_contrast, large_text=s.large_text,
            stack=self.service.stack, locked=locked,
            lock_reason=previous.lock_reason if previous else None,
            offline=previous.offline if previous else None,
            reader_state=previous.reader_state if previous else self.service.status().reader,
            errors=previous.errors if previous else ())

    def end_session(self) -> None:
        """Forget the reader: welcome screen (or out of service), default language."""
        self._session += 1
        self._pending = None
        self._language_chosen = False
        self.state = self._fresh_state(self.state)
        self._set()
        self._last_touch = self.clock()

    # ================================================================ input

    def touched(self) -> None:
        """Any touch or key: the reader is still there."""
        self._last_touch = self.clock()
        if self.state.idle_left_s is not None:
            self._set(idle_left_s=None)

    async def act(self, action: str) -> None:
        """Do what the button ``action`` (an :class:`Action` id) asks."""
        self.touched()
        name, _, arg = action.partition(":")
        if name == "staff" and arg:
            await self.staff_act(arg)
            return
        handler = self._handlers().get(name)
        if handler is None:
            log.warning("unknown action %r", action)
            return
        await handler(arg)

    def _handlers(self) -> dict[str, Callable[[str], Awaitable[None]]]:
        return {
            "lang": self._language, "start": self._start, "cancel": self._cancel,
            "key": self._key, "backspace": self._backspace, "submit": self._submit,
            "home": self._home, "borrow": self._borrow, "return": self._return,
            "checkout": self._checkout, "checkin": self._checkin, "renew": self._renew,
            "toggle": self._toggle, "renew_selected": self._renew_selected,
            "renew_all": self._renew_all, "account": self._account, "finish": self._finish,
            "receipt": self._receipt, "done": self._done, "ok": self._ok,
            "continue": self._continue, "contrast": self._contrast,
            "textsize": self._textsize, "count": self._count, "staff": self._staff_login,
        }

    def key(self, char: str) -> None:
        """A character typed on a keyboard while a field is open."""
        entry = self.state.entry
        if entry is None or len(entry.value) >= MAX_ENTRY or len(char) != 1:
            return
        if entry.kind != "card" and not char.isdigit():
            return
        if entry.kind == "card" and not char.isalnum():
            return
        self._set(entry=replace(entry, value=entry.value + char.upper()))

    async def present(self, credential: Credential) -> None:
        """A card on the reader, a code to the camera, a scanner's text."""
        screen = self.state.screen
        if screen not in IDENTIFYING or self._inflight is not None:
            return
        self.touched()
        found = await self._request(N_("Checking your card…"),
                                    self.service.identify(credential))
        if found is None:
            return
        if self.is_staff(found):
            self.enter_staff(found.patron)
            return
        if screen is Screen.STAFF_LOGIN:
            self._fail(KioskProblem.STAFF_PIN_WRONG, back=Screen.STAFF_LOGIN)
            return
        if screen is Screen.LOCKED or self.state.locked:
            return
        self._identified(found, credential)

    # ============================================================ requests

    async def _request(self, busy: str, call: Awaitable[T]) -> T | None:
        """Await a service call with ``busy`` shown, for at most
        ``request_timeout_s``; None when it timed out or failed (the error
        screen then says so)."""
        if self._inflight is not None:
            if asyncio.iscoroutine(call):
                call.close()
            self._set(notice=N_("Please wait: the previous request is still running."))
            return None
        task = asyncio.ensure_future(call)
        self._inflight = task
        task.add_done_callback(self._request_done)
        session = self._session
        self._set(busy=busy, notice=None)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.settings.request_timeout_s)
        except TimeoutError:
            task.add_done_callback(lambda done: self._late(done, session))
            self._fail(KioskProblem.TIMEOUT, back=Screen.HOME if self.state.patron
                       else Screen.WELCOME)
            return None
        except Exception as exc:  # noqa: BLE001 - the screen's supervisor: log, show K02
            log.exception("kiosk request failed")
            self._fail(KioskProblem.FAILED, detail=type(exc).__name__)
            return None
        finally:
            self._set(busy=None)

    def _request_done(self, task: asyncio.Task[Any]) -> None:
        if self._inflight is task:
            self._inflight = None

    def _late(self, task: asyncio.Task[Any], session: int) -> None:
        """A request the screen stopped waiting for has finished."""
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        if isinstance(result, TransactionResult) and session == self._session:
            self._set(results=self.state.results + (result,))

    def _fail(self, problem: Problem, detail: str | None = None,
              back: Screen = Screen.WELCOME) -> None:
        self.log_error(problem.code, detail or "", problem)
        self._cue("problem")
        self._set(screen=Screen.ERROR, error=ErrorInfo(problem, detail, back), busy=None)

    def log_error(self, code: str, text: str, problem: Problem | None = None) -> None:
        self.errors.appendleft(LoggedError(self._now(), code, text, problem))
        self._set(errors=tuple(self.errors))

    def _now(self) -> datetime:
        return self.service.clock().replace(tzinfo=None, microsecond=0)

    # ============================================================ identify

    def _identified(self, found: IdentifyResult, credential: Credential) -> None:
        if found.status == "pin_required":
            self._pending = credential
            self._set(screen=Screen.IDENTIFY, entry=EntryState("pin"))
            return
        if found.status != "ok" or found.patron is None:
            reason = found.reason
            if reason is None:
                self._fail(KioskProblem.FAILED, found.detail)
                return
            pin = self.state.entry is not None and self.state.entry.kind == "pin"
            self._fail(reason, found.detail, Screen.IDENTIFY if pin or
                       self.state.screen is Screen.IDENTIFY else Screen.WELCOME)
            if pin:
                self.state = replace(self.state, entry=EntryState("pin"))
            return
        patron = found.patron
        language = self.state.language
        if not self._language_chosen and patron.language in LANGUAGES:
            language = patron.language
        self._pending = None
        self._cue("success")
        self._set(patron=patron, language=language, screen=Screen.HOME, entry=None)

    async def _start(self, _arg: str) -> None:
        self._set(screen=Screen.IDENTIFY, entry=EntryState("card"))

    async def _key(self, arg: str) -> None:
        self.key(arg)

    async def _backspace(self, _arg: str) -> None:
        entry = self.state.entry
        if entry is not None and entry.value:
            self._set(entry=replace(entry, value=entry.value[:-1]))

    async def _submit(self, _arg: str) -> None:
        entry = self.state.entry
        view_entry = self.view.screen.entry
        if entry is None or view_entry is None or not view_entry.can_submit:
            return
        if entry.kind == "staff_pin":
            await self.check_staff_pin(entry.value)
            return
        if entry.kind == "pin" and self._pending is not None:
            credential = self._pending
            found = await self._request(N_("Checking your PIN…"),
                                        self.service.identify(credential, pin=entry.value))
        else:
            credential = TypedNumber(entry.value)
            found = await self._request(N_("Checking your card…"),
                                        self.service.identify(credential))
        if found is None:
            return
        if self.is_staff(found):
            self.enter_staff(found.patron)
            return
        self._identified(found, credential)

    async def scanned(self, text: str, symbology: str = "keyboard") -> None:
        await self.present(ScannedCode(text, symbology))

    # ============================================================ menu

    async def _language(self, arg: str) -> None:
        if arg in LANGUAGES:
            self._language_chosen = True
            self._set(language=arg)

    async def _cancel(self, _arg: str) -> None:
        if self.state.screen is Screen.STAFF_LOGIN:
            self._set(screen=Screen.LOCKED if self.state.locked else Screen.WELCOME,
                      entry=None)
            return
        self.end_session()

    async def _home(self, _arg: str) -> None:
        if self.state.patron is None:
            self.end_session()
            return
        self._set(screen=Screen.HOME, phase="ready", result=None, progress=(), notice=None)

    async def _ok(self, _arg: str) -> None:
        error = self.state.error
        back = error.back if error else Screen.WELCOME
        if back is Screen.WELCOME or (back is Screen.HOME and self.state.patron is None):
            self.end_session()
            return
        self._set(screen=back, error=None)

    async def _continue(self, _arg: str) -> None:
        self.touched()

    async def _contrast(self, _arg: str) -> None:
        self._set(high_contrast=not self.state.high_contrast)

    async def _textsize(self, _arg: str) -> None:
        self._set(large_text=not self.state.large_text)

    async def _count(self, arg: str) -> None:
        n = self.state.stated_count + (1 if arg == "+" else -1)
        self._set(stated_count=max(0, min(99, n)))

    # ============================================================ items

    async def _borrow(self, _arg: str) -> None:
        if self.state.patron is None or self.state.patron.blocked:
            return
        self._pad_screen(Screen.BORROW)

    async def _return(self, _arg: str) -> None:
        self._pad_screen(Screen.RETURN)

    def _pad_screen(self, screen: Screen) -> None:
        self._set(screen=screen, phase="ready", result=None, progress=(), stated_count=0,
                  stack=self.service.stack, entry=None, notice=None)

    async def _checkout(self, _arg: str) -> None:
        patron = self.state.patron
        if self.state.screen is not Screen.BORROW or self.state.phase != "ready" or \
                patron is None:
            return
        stated = self.state.stated_count if self.settings.ask_item_count else None
        await self._transaction(N_("Borrowing… please leave the books on the pad."),
                                self.service.checkout(patron, stated_count=stated))

    async def _checkin(self, _arg: str) -> None:
        if self.state.screen is not Screen.RETURN or self.state.phase != "ready":
            return
        stated = self.state.stated_count if self.settings.ask_item_count else None
        await self._transaction(N_("Returning… please leave the books on the pad."),
                                self.service.checkin(stated_count=stated))

    async def _transaction(self, busy: str,
                           call: Coroutine[Any, Any, TransactionResult]) -> None:
        screen = self.state.screen
        self._set(phase="working", progress=())
        result = await self._request(busy, call)
        if result is None:
            if self.state.screen is screen:
                self._set(phase="ready")
            else:
                self.state = replace(self.state, phase="ready")
            return
        for item in result.items:
            if item.status == "alert":
                self.log_error(item.reason.code if item.reason else "T01",
                               f"{result.operation} {item.pii}: {item.reason}")
        ok = bool(result.items) and not result.refused and result.reason is None
        self._cue("success" if ok else "problem")
        self._set(screen=screen, phase="result", result=result,
                  results=self.state.results + (result,))

    async def _renew(self, _arg: str) -> None:
        patron = self.state.patron
        if patron is None:
            return
        self._set(screen=Screen.RENEW, phase="ready", result=None, progress=(),
                  selected=frozenset(), summary=None, summary_problem=None)
        await self._load_summary()

    async def _account(self, _arg: str) -> None:
        if self.state.patron is None:
            return
        self._set(screen=Screen.ACCOUNT, summary=None, summary_problem=None)
        await self._load_summary()

    async def _load_summary(self) -> None:
        patron = self.state.patron
        assert patron is not None
        found = await self._request(N_("Looking up your loans…"), self.service.summary(patron))
        if found is not None:
            self._set(summary=found.summary, summary_problem=found.reason)

    async def _toggle(self, pii: str) -> None:
        if self.state.screen is Screen.RENEW and self.state.phase == "ready":
            self._set(selected=self.state.selected ^ {pii})

    async def _renew_selected(self, _arg: str) -> None:
        patron = self.state.patron
        if patron is None or not self.state.selected or self.state.phase != "ready":
            return
        await self._transaction(N_("Renewing…"),
                                self.service.renew(patron, sorted(self.state.selected)))

    async def _renew_all(self, _arg: str) -> None:
        patron = self.state.patron
        if patron is None or self.state.phase != "ready":
            return
        await self._transaction(N_("Renewing…"), self.service.renew_all(patron))

    # ============================================================ the end

    async def _finish(self, _arg: str) -> None:
        done = any(result.done for result in self.state.results)
        email = self.state.receipt_email and self.state.patron is not None and \
            bool(self.state.patron.email)
        if done and (self.state.receipt_print or email):
            self._set(screen=Screen.RECEIPT, notice=None)
        else:
            self._set(screen=Screen.DONE)

    async def _receipt(self, how: str) -> None:
        if how == "none":
            self._set(screen=Screen.DONE, receipt_taken=None, notice=None)
            return
        receipt = self.service.receipt(self.state.patron, self.state.results,
                                       self.state.language)
        if how == "print":
            sent = await self._request(N_("Printing…"), self.service.print_receipt(receipt))
            failed = N_("The printer is not working. Please choose another way.")
        else:
            sent = await self._request(N_("Sending…"), self.service.email_receipt(receipt))
            failed = N_("The e-mail could not be sent. Please choose another way.")
        if sent:
            self._cue("success")
            self._set(screen=Screen.DONE, receipt_taken=how, notice=None)
        elif self.state.screen is Screen.RECEIPT:
            self._cue("problem")
            self._set(notice=failed)

    async def _done(self, _arg: str) -> None:
        self.end_session()

    # ============================================================ events

    async def _follow_events(self) -> None:
        events = self.service.events()
        try:
            async for event in events:
                self.handle_event(event)
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    def handle_event(self, event: ServiceEvent) -> None:
        if isinstance(event, StackChanged):
            self._stack_changed(event.stack)
        elif isinstance(event, ItemProgress):
            if self.state.phase == "working":
                progress = dict(self.state.progress)
                progress[event.pii] = event.step
                self._set(progress=tuple(progress.items()))
        elif isinstance(event, (IlsChanged, QueueChanged)):
            if isinstance(event, IlsChanged) and not event.online:
                self.log_error("O01", "the library system cannot be reached")
            self._set(offline=event.status)
            self.staff_refresh()
        elif isinstance(event, ReaderChanged):
            if event.error:
                self.log_error("T03", f"reader {event.state}: {event.error}")
            self._set(reader_state=event.state)
            self.staff_refresh()
        elif isinstance(event, LockChanged):
            self._spawn(self._lock_changed(event))
        elif isinstance(event, CardPresented):
            self._spawn(self.present(event.credential))

    def _stack_changed(self, stack: Stack) -> None:
        before = self.state.stack
        screen = self.state.screen
        watching = screen in (Screen.BORROW, Screen.RETURN, Screen.STAFF_READER) and \
            self.state.phase == "ready"
        if watching:
            old = {tag.uid for tag in before.tags if tag.read}
            if any(tag.read and tag.uid not in old for tag in stack.tags):
                self._cue("read")
            if len(stack.problems) > len(before.problems):
                self._cue("problem")
            if stack.tags != before.tags:
                self.touched()
        self._set(stack=stack)

    async def _lock_changed(self, event: LockChanged) -> None:
        if event.locked and not self.state.staff:
            self._session += 1
            self.state = replace(self.state, locked=True, lock_reason=event.reason)
            self.end_session()
        elif not event.locked and self.state.screen is Screen.LOCKED:
            self.state = replace(self.state, locked=False, lock_reason=None)
            self.end_session()
        else:
            self._set(locked=event.locked, lock_reason=event.reason)
        await self.service.acknowledge_lock(event.version)

    # ============================================================ idle

    async def _tick(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(0.25)
            ticks += 1
            self.check_idle()
            if ticks % 8 == 0:
                self.staff_refresh()

    def check_idle(self) -> None:
        """End the session after ``idle_timeout_s`` without a touch; warn
        ``idle_warning_s`` before (the goodbye screen ends without warning)."""
        state = self.state
        if state.screen in RESTING or self._inflight is not None:
            if state.idle_left_s is not None:
                self._set(idle_left_s=None)
            return
        idle = self.clock() - self._last_touch
        if state.screen is Screen.DONE:
            if idle >= self.settings.done_timeout_s:
                self.end_session()
            return
        timeout = self.settings.idle_timeout_s
        if idle >= timeout:
            log.info("session ended after %.0f s without a touch", idle)
            self.end_session()
            return
        left = timeout - idle
        if left <= self.settings.idle_warning_s:
            seconds = max(1, int(left + 0.999))
            if seconds != state.idle_left_s:
                self._set(idle_left_s=seconds)

    def request_quit(self) -> None:
        self.quit_requested = True
        for listener in list(self._quit_listeners):
            listener()
