"""Direction of passage from two beam-break sensors, for counting visitors.

Two beams cross the passage one behind the other: ``outer`` on the street
side, ``inner`` on the library side, closer together than a person is deep
(docs/gate.md gives the geometry), so a person walking through breaks
outer, then both, then only inner, then neither.

The two beams are read like a quadrature encoder. Their state (outer,
inner) steps through the Gray sequence 00 -> 10 -> 11 -> 01 -> 00 when
someone walks in and the reverse when someone walks out; every single-beam
change is one step forward (+1) or back (-1). Each time both beams are
clear again the net steps over four give the crossing: +4 is one person in,
-4 one out, 0 someone who stepped in and turned back (or hesitated, or
waved a hand through one beam). Nothing is counted until both beams clear,
so a person standing in the gate counts once, when they have gone through.

The limit of any two-beam counter: two people so close that the second
breaks the outer beam while the first still breaks the inner one look like
one person who hesitated, and count as one. Mounting the beams at chest
height, closer together than a person is deep, keeps that rare (docs/gate.md).

:class:`PassageCounter` is the logic (pure: times are given to it);
:class:`BeamPair` feeds it from two :class:`~drivers.gpio.inputs.InputLine`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .inputs import Change, InputLine

Direction = Literal["in", "out"]

#: Position of each (outer, inner) state in the inward Gray sequence.
_PHASE = {(False, False): 0, (True, False): 1, (True, True): 2, (False, True): 3}


@dataclass(frozen=True, slots=True)
class Passage:
    """``count`` people went through in ``direction``; the passage began
    (first beam broken) at ``started`` and ended (both clear) at ``ended``."""

    direction: Direction
    count: int
    started: float
    ended: float


class PassageCounter:
    """The two-beam state machine. Feed it every beam change in order."""

    def __init__(self, outer: bool = False, inner: bool = False, at: float = 0.0) -> None:
        self.outer, self.inner = outer, inner
        self._net = 0
        self._started: float | None = at if outer or inner else None
        self.entered = 0
        self.exited = 0
        #: Changes that skipped a state (both beams changed between two
        #: reports): impossible with one edge per report, counted as noise.
        self.skipped = 0

    @property
    def idle(self) -> bool:
        return not (self.outer or self.inner)

    @property
    def busy_since(self) -> float | None:
        """When the current passage began (a beam broken), or None when idle."""
        return self._started

    def update(self, outer: bool, inner: bool, at: float) -> Passage | None:
        """The beams are now (``outer``, ``inner``) broken; returns the
        passage this completes, if any."""
        before = _PHASE[(self.outer, self.inner)]
        after = _PHASE[(outer, inner)]
        self.outer, self.inner = outer, inner
        step = (after - before) % 4
        if step == 1:
            self._net += 1
        elif step == 3:
            self._net -= 1
        elif step == 2:
            self.skipped += 1
        if self._started is None and (outer or inner):
            self._started = at
        if outer or inner:
            return None
        started = self._started if self._started is not None else at
        net, self._net, self._started = self._net, 0, None
        crossings = int(net / 4)
        if crossings > 0:
            self.entered += crossings
            return Passage("in", crossings, started, at)
        if crossings < 0:
            self.exited += -crossings
            return Passage("out", -crossings, started, at)
        return None

    def set_outer(self, broken: bool, at: float) -> Passage | None:
        return self.update(broken, self.inner, at)

    def set_inner(self, broken: bool, at: float) -> Passage | None:
        return self.update(self.outer, broken, at)


class BeamPair:
    """Two beam sensors feeding a :class:`PassageCounter`; ``on_passage``
    is called on the loop for each completed passage."""

    def __init__(self, outer: InputLine, inner: InputLine,
                 on_passage: Callable[[Passage], None]) -> None:
        self.outer_line, self.inner_line = outer, inner
        self.counter = PassageCounter(outer.active, inner.active, time.monotonic())
        self._on_passage = on_passage
        self._removers = [outer.add_listener(self._outer), inner.add_listener(self._inner)]

    def _outer(self, change: Change) -> None:
        self._emit(self.counter.set_outer(change.active, change.at))

    def _inner(self, change: Change) -> None:
        self._emit(self.counter.set_inner(change.active, change.at))

    def _emit(self, passage: Passage | None) -> None:
        if passage is not None:
            self._on_passage(passage)

    def blocked_for(self, now: float) -> float:
        """How long a passage has been under way (0 when idle): a beam broken
        for minutes means a blocked or misaligned sensor."""
        since = self.counter.busy_since
        return 0.0 if since is None else max(0.0, now - since)

    def close(self) -> None:
        for remove in self._removers:
            remove()
