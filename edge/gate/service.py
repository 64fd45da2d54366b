"""The security gate (``smartlib gate``): continuous inventory on the gate's
antennas, the alarm when a secured item passes, visitor counting, and the
gate's health for the agent.

Tasks, kept alive by a :class:`~edge.supervisor.Supervisor`:

* **reader**: opens the reader (retrying with back-off until it answers),
  then polls: the :class:`~edge.gate.detector.Detector` finds secured items
  once per pass; the light and buzzer go on at once, then the item's tag is
  read for its identifier and a ``gate_alarm`` event follows. A reader that
  goes away reconnects by itself; meanwhile the green light is off.
* **events**: writes events to the outbox on a worker thread, in order, so
  a slow SD card never delays the next inventory.
* **status**: reports ``reader``, ``gate`` and ``beams`` to the status board
  (the agent's health telemetry) and raises staff alerts: reader
  disconnected for ``reader_alert_after_s``, a beam broken for
  ``beam_alert_after_s``.
* **visitors**: sends a ``visitor_count`` event at the end of each period.

Privacy: events carry the item's identifier (tag UID, PII, owner ISIL) and
never anything about the person carrying it; the gate has no camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from drivers.gpio import PATTERNS, BeamPair, GpioBoard, Output, Passage
from drivers.rfid import Reader, ReaderError, ReaderState, TransportError, uid_hex
from drivers.tags import decode
from drivers.tags.security import SecurityPolicy
from edge.config.models import GateConfig
from edge.contract import events
from edge.contract.envelope import Event
from edge.eventqueue import EventQueue
from edge.gate.detector import Detection, Detector, DetectorOptions
from edge.gate.indicators import Indicators
from edge.gate.visitors import VisitorPeriods
from edge.i18n import _
from edge.store import Store, StoreError
from edge.supervisor import Supervisor

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    detection: Detection
    item: str | None
    owner: str | None
    deadline: float


def pin(value: int | str | Literal[False]) -> int | str | None:
    return None if value is False else value


class GateService:
    def __init__(self, device: GateConfig, store: Store, reader: Reader,
                 board: GpioBoard | None, *, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.device = device
        self.gate = device.gate
        self.store = store
        self.reader = reader
        self.board = board
        self._clock = clock
        self._wall = wall_clock
        self._zone = ZoneInfo(device.library.timezone)
        tags = device.tags
        self.policy = SecurityPolicy(tags.afi_secured, tags.afi_on_loan, tags.use_afi,
                                     tags.use_eas)
        self.detector = Detector(reader, self.policy, DetectorOptions(
            self.gate.rearm_after_s, self.gate.afi_filter, self.gate.alarm_unknown_afi),
            clock=clock, wall_clock=wall_clock)
        self.indicators = Indicators(None, None, None, duration_s=self.gate.alarm_duration_s,
                                     max_s=max(self.gate.alarm_max_s, self.gate.alarm_duration_s),
                                     pattern=PATTERNS[self.gate.buzzer_pattern])
        self.beams: BeamPair | None = None
        self.periods: VisitorPeriods | None = None
        self.supervisor = Supervisor()
        self.events = EventQueue(store)
        self._pending: list[_Pending] = []
        self._passages: deque[Passage] = deque(maxlen=32)
        self._stop: asyncio.Event | None = None
        self._wake_status = asyncio.Event()
        self._reader_down_since: float | None = None
        self._reader_alerted = False
        self._ever_connected = False
        self._beam_alerted = False
        #: What the gate has done since it started.
        self.alarms = 0
        self.last_alarm: tuple[str, str] | None = None

    # --------------------------------------------------------------- set-up

    def _wire_gpio(self, board: GpioBoard) -> None:
        gate, pins = self.gate, self.gate.pins
        high = not gate.outputs_active_low

        def output(value: int | str | Literal[False], name: str) -> Output | None:
            where = pin(value)
            return None if where is None else board.output(where, name, active_high=high)

        self.indicators.red = output(pins.red, "red light")
        self.indicators.green = output(pins.green, "green light")
        self.indicators.buzzer = output(pins.buzzer, "buzzer") if gate.buzzer else None
        if gate.count_visitors:
            outer, inner = pin(pins.beam_outer), pin(pins.beam_inner)
            assert outer is not None and inner is not None  # the configuration checks
            bounce = gate.beam_debounce_ms or None
            self.beams = BeamPair(
                board.input(outer, "outer beam", pull=gate.beam_pull,
                            active=gate.beam_broken_level, bounce_ms=bounce),
                board.input(inner, "inner beam", pull=gate.beam_pull,
                            active=gate.beam_broken_level, bounce_ms=bounce),
                self._passage)

    def now_iso(self, wall: float | None = None) -> str:
        return datetime.fromtimestamp(self._wall() if wall is None else wall,
                                      self._zone).isoformat(timespec="milliseconds")

    def emit(self, event: Event) -> None:
        self.events.emit(event)

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    # ------------------------------------------------------------------ run

    async def run(self) -> None:
        """Serve until :meth:`request_stop`."""
        self._stop = asyncio.Event()
        # compile the contract's schemas now, on a worker thread, rather than
        # at the first alarm (it holds the interpreter for half a second)
        await asyncio.to_thread(lambda: (self.store.outbox, self.store.status))
        if self.board is not None:
            self._wire_gpio(self.board)
        if self.gate.count_visitors:
            self.periods = VisitorPeriods(self.gate.visitor_period_s, self._zone, self._wall())
        self.detector.on_detect = lambda _detection: self.indicators.alarm()
        remove = self.reader.add_state_listener(self._reader_state)
        self._reader_state(self.reader.state)
        self.supervisor.start("events", self.events.run)
        self.supervisor.start("reader", self._reader_loop)
        self.supervisor.start("status", self._status_loop)
        if self.periods is not None:
            self.supervisor.start("visitors", self._visitor_loop)
        try:
            await self._stop.wait()
        finally:
            remove()
            await self._shutdown()

    async def _shutdown(self) -> None:
        await self.supervisor.stop("reader", "status", "visitors")
        for pending in list(self._pending):
            self._emit_alarm(pending, None)
        if self.periods is not None:
            for event in self.periods.flush(self._wall()):
                self.emit(event)
        await self.events.drain()
        await self.supervisor.stop()
        if self.beams is not None:
            self.beams.close()
        await self.indicators.close()
        with contextlib.suppress(StoreError, sqlite3.Error):
            await asyncio.to_thread(self.store.status.report, "reader", "unknown",
                                    "the gate service stopped")
        await self.reader.close()

    # --------------------------------------------------------------- reader

    def _reader_state(self, state: ReaderState) -> None:
        working = state is ReaderState.CONNECTED
        self.indicators.in_service(working)
        if working:
            self._ever_connected = True
            if self._reader_alerted:
                self.emit(events.staff_alert(
                    alert="gate_reader_reconnected", severity="info",
                    message=_("The gate's RFID reader is connected again.")))
            self._reader_down_since, self._reader_alerted = None, False
        elif self._reader_down_since is None:
            self._reader_down_since = self._clock()
        self._wake_status.set()

    async def _open_reader(self) -> None:
        """Open the reader, retrying until it answers. Once it has been
        connected, the reader reconnects by itself after losing the link."""
        delay = 0.5
        while True:
            try:
                await self.reader.open()
                return
            except ReaderError as exc:
                log.warning("cannot open the gate's reader; retrying in %.1f s", delay,
                            extra={"fields": {"url": self.reader.url, "error": str(exc)}})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _reader_loop(self) -> None:
        if self.reader.state is ReaderState.CLOSED or (
                self.reader.state is not ReaderState.CONNECTED and not self._ever_connected):
            await self._open_reader()
        poll_s = self.device.reader.poll_interval_s
        while True:
            if self.reader.state is not ReaderState.CONNECTED:
                with contextlib.suppress(TimeoutError):
                    await self.reader.wait_state(ReaderState.CONNECTED, 1.0)
                continue
            try:
                result = await self.detector.poll()
            except TransportError:
                continue  # the reader shows disconnected and reconnects by itself
            except ReaderError as exc:
                log.warning("gate inventory failed", extra={"fields": {"error": str(exc)}})
                await asyncio.sleep(max(poll_s, 0.2))
                continue
            if result.still_alarmed:
                self.indicators.still_there()
            for detection in result.new:
                await self._alarmed(detection)
            self._emit_due()
            await asyncio.sleep(poll_s)

    async def _alarmed(self, detection: Detection) -> None:
        self.alarms += 1
        item = owner = None
        if detection.uid is not None:
            item, owner = await self._identify(detection)
        what = item or (uid_hex(detection.uid) if detection.uid else "EAS")
        self.last_alarm = (self.now_iso(detection.wall), what)
        log.info("gate alarm", extra={"fields": {
            "uid": uid_hex(detection.uid) if detection.uid else None, "item": item,
            "antenna": detection.antenna, "security": detection.security}})
        pending = _Pending(detection, item, owner, detection.at + self.gate.direction_window_s)
        direction = self._direction_for(detection)
        if direction is not None or self.beams is None or self.gate.direction_window_s <= 0:
            self._emit_alarm(pending, direction)
        else:
            self._pending.append(pending)
        self._wake_status.set()

    async def _identify(self, detection: Detection) -> tuple[str | None, str | None]:
        """The item's identifier and owner library from its tag, if readable
        before it leaves the field."""
        assert detection.uid is not None
        try:
            memory = await self.reader.read_memory(detection.uid, self.gate.pii_blocks)
            tag = decode(memory, detection.dsfid, self.device.tags.model)
        except (ReaderError, ValueError) as exc:
            log.info("alarmed tag not read", extra={"fields": {
                "uid": uid_hex(detection.uid), "error": str(exc)}})
            return None, None
        return tag.pii or None, tag.owner_isil

    # ---------------------------------------------------- alarms and beams

    def _passage(self, passage: Passage) -> None:
        if self.periods is not None:
            self.periods.add(passage)
        self._passages.append(passage)
        for pending in list(self._pending):
            if self._matches(passage, pending.detection):
                self._emit_alarm(pending, passage.direction)

    def _matches(self, passage: Passage, detection: Detection) -> bool:
        window = self.gate.direction_window_s
        return passage.started - window <= detection.at <= passage.ended + window

    def _direction_for(self, detection: Detection) -> Literal["in", "out"] | None:
        for passage in reversed(self._passages):
            if self._matches(passage, detection):
                return passage.direction
        return None

    def _emit_due(self) -> None:
        now = self._clock()
        for pending in [p for p in self._pending if p.deadline <= now]:
            self._emit_alarm(pending, None)

    def _emit_alarm(self, pending: _Pending, direction: Literal["in", "out"] | None) -> None:
        if pending in self._pending:
            self._pending.remove(pending)
        d = pending.detection
        self.emit(events.gate_alarm(
            uid=uid_hex(d.uid) if d.uid else None, item=pending.item, owner=pending.owner,
            antenna=d.antenna, detected_at=self.now_iso(d.wall), security=d.security,
            afi=d.afi, direction=direction))

    # --------------------------------------------------------------- status

    async def _status_loop(self) -> None:
        gate = self.gate
        reported = float("-inf")
        while True:
            now = self._clock()
            self._emit_due()
            down = self._reader_down_since
            if down is not None and not self._reader_alerted and \
                    now - down >= gate.reader_alert_after_s:
                self._reader_alerted = True
                self.emit(events.staff_alert(
                    alert="gate_reader_disconnected", severity="critical",
                    message=_("The gate's RFID reader has been disconnected for {seconds} s: "
                              "secured items are not detected. Check its cable and power.")
                    .format(seconds=int(now - down))))
            blocked = self.beams.blocked_for(now) if self.beams is not None else 0.0
            if blocked >= gate.beam_alert_after_s and not self._beam_alerted:
                self._beam_alerted = True
                self.emit(events.staff_alert(
                    alert="gate_beam_blocked", severity="warning",
                    message=_("A visitor-counting beam of the gate has been broken for {seconds} "
                              "s: check that nothing blocks it and that it is aligned.")
                    .format(seconds=int(blocked))))
            elif blocked < gate.beam_alert_after_s:
                self._beam_alerted = False
            if self._wake_status.is_set() or now - reported >= gate.status_interval_s:
                self._wake_status.clear()
                reported = now
                await self._report(blocked)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._wake_status.wait()

    async def _report(self, blocked_s: float) -> None:
        reader = self.reader
        if reader.state is ReaderState.CONNECTED:
            state: tuple[Literal["ok", "down"], str] = ("ok", f"{reader.url}: connected")
        else:
            error = f" ({reader.last_error})" if reader.last_error else ""
            state = ("down", f"{reader.url}: {reader.state.value}{error}"[:500])
        last = (f"last alarm {self.last_alarm[0]}: {self.last_alarm[1]}"
                if self.last_alarm else "no alarm since start")
        gate_detail = f"{self.alarms} alarms since start; {last}"
        reports: list[tuple[str, Literal["ok", "degraded", "down"], str]] = [
            ("reader", *state), ("gate", "ok" if state[0] == "ok" else "down", gate_detail)]
        if self.beams is not None:
            counter = self.beams.counter
            beam_state: Literal["ok", "degraded"] = (
                "degraded" if blocked_s >= self.gate.beam_alert_after_s else "ok")
            reports.append(("beams", beam_state,
                            f"in {counter.entered}, out {counter.exited} since start"
                            + (f"; broken for {int(blocked_s)} s" if blocked_s else "")))

        def write() -> None:
            for component, status, detail in reports:
                self.store.status.report(component, status, detail)

        try:
            await asyncio.to_thread(write)
        except (StoreError, sqlite3.Error, OSError) as exc:
            log.warning("cannot report status", extra={"fields": {"error": str(exc)}})

    async def _visitor_loop(self) -> None:
        periods = self.periods
        assert periods is not None
        while True:
            # wake at the period's end, and every second in case the clock jumps
            await asyncio.sleep(min(1.0, periods.seconds_to_next(self._wall()) + 0.05))
            for event in periods.due(self._wall()):
                self.emit(event)
