"""Visitor counts by period, for ``visitor_count`` events.

Periods are ``period_s`` long and start at local midnight (300 s: 00:00,
00:05, ...), so counts from different gates and days line up. The first
period after start-up begins when counting began, and the last one when the
gate stops is sent cut short, so no passage is lost and none is counted
twice. A period with no visitors is still sent: zero is a count, while a
missing period means the gate was not counting. When the clock jumps (a Pi
has no battery clock and sets the time from the network after booting), the
period under way is closed and counting goes on from the new time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from drivers.gpio import Passage
from edge.contract import events
from edge.contract.envelope import Event


@dataclass
class _Period:
    start: datetime
    end: datetime
    entered: int = 0
    exited: int = 0


class VisitorPeriods:
    def __init__(self, period_s: int, zone: ZoneInfo, start_wall: float) -> None:
        self.period_s = period_s
        self.zone = zone
        self._current = self._period_at(start_wall, from_wall=True)
        self.entered = 0
        self.exited = 0

    def _period_at(self, wall: float, from_wall: bool = False) -> _Period:
        at = datetime.fromtimestamp(wall, self.zone)
        midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
        # count in wall-clock seconds since midnight (a DST day is not 86400 s,
        # but Vietnam has none and periods realign at the next midnight anyway)
        since = (at - midnight).total_seconds()
        start = midnight + timedelta(seconds=since - since % self.period_s)
        end = start + timedelta(seconds=self.period_s)
        if end.date() != start.date():
            end = midnight + timedelta(days=1)
        return _Period(at if from_wall else start, end)

    def add(self, passage: Passage) -> None:
        """A passage, counted in the current period."""
        if passage.direction == "in":
            self._current.entered += passage.count
            self.entered += passage.count
        else:
            self._current.exited += passage.count
            self.exited += passage.count

    def _event(self, period: _Period, end: datetime) -> Event:
        return events.visitor_count(
            period_start=period.start.isoformat(timespec="seconds"),
            period_end=end.isoformat(timespec="seconds"),
            entered=period.entered, exited=period.exited)

    def due(self, wall: float) -> list[Event]:
        """Events for the periods that ended by ``wall``; the next begins."""
        out = []
        now = datetime.fromtimestamp(wall, self.zone)
        current = self._current
        if now < current.start or now >= current.end + timedelta(seconds=2 * self.period_s):
            # the clock jumped (a Pi without a battery clock setting its time
            # from the network): close the period where the counting really
            # was and start again from now, rather than invent empty periods
            end = current.start if now < current.start else current.end
            out.append(self._event(current, end))
            self._current = self._period_at(wall, from_wall=True)
            return out
        while now >= self._current.end:
            out.append(self._event(self._current, self._current.end))
            self._current = self._period_at(self._current.end.timestamp())
        return out

    def seconds_to_next(self, wall: float) -> float:
        return max(0.0, self._current.end.timestamp() - wall)

    def flush(self, wall: float) -> list[Event]:
        """On stopping: the ended periods and the current one, cut at ``wall``."""
        out = self.due(wall)
        now = datetime.fromtimestamp(wall, self.zone)
        if now > self._current.start:
            out.append(self._event(self._current, now))
            self._current = _Period(now, self._current.end)
        return out
