"""Reliable delivery over the framed link: sequence numbers, acknowledgements
and retransmission (stop-and-wait), as a state machine without I/O.

Each side numbers its DATA frames (0-255, wrapping) and sends the next one
only when the previous one is acknowledged (ACK with its number). A frame
not acknowledged within ``ack_timeout_s`` is sent again, at most
``attempts`` times in all; then it has failed. The receiver acknowledges
every DATA frame it decodes, delivers it only when its number differs from
the last one delivered (a repeat means the ACK was lost) and acknowledges
repeats again. A RESET frame says "I (re)started; my numbers start here":
the receiver forgets the last number, acknowledges it, and learns that the
peer rebooted. Each side sends RESET when it opens the link.

Sans I/O: the caller feeds received bytes (:meth:`Session.feed`), calls
:meth:`Session.tick` when :meth:`Session.next_deadline` passes, writes what
:meth:`Session.take_output` returns, and acts on the events returned. Times
are given by the caller, so the logic is tested without clocks.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from .errors import FrameError, LinkError
from .frames import Frame, FrameSplitter, Kind, decode_frame, encode_frame


@dataclass(frozen=True, slots=True)
class Received:
    """A DATA frame from the peer, delivered once."""

    msg_type: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The peer acknowledged what :meth:`Session.send` (or ``reset``) queued."""

    ticket: int


@dataclass(frozen=True, slots=True)
class Failed:
    """Sent ``attempts`` times, never acknowledged."""

    ticket: int
    attempts: int


@dataclass(frozen=True, slots=True)
class PeerReset:
    """The peer sent RESET: it has (re)started."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """Bytes that were not a valid frame (noise, a damaged frame)."""

    error: FrameError


SessionEvent = Received | Acknowledged | Failed | PeerReset | Dropped


@dataclass
class Stats:
    sent: int = 0
    resent: int = 0
    received: int = 0
    duplicates: int = 0
    dropped: int = 0
    failed: int = 0


@dataclass
class _InFlight:
    ticket: int
    frame: Frame
    encoded: bytes
    deadline: float
    attempts: int = 1


@dataclass
class Session:
    """One side of the link."""

    ack_timeout_s: float = 0.1
    attempts: int = 5
    max_queue: int = 256
    first_seq: int = 0
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.ack_timeout_s <= 0:
            raise ValueError("attempts must be >= 1 and ack_timeout_s > 0")
        self._out = bytearray()
        self._queue: deque[tuple[int, Frame]] = deque()
        self._in_flight: _InFlight | None = None
        self._next_seq = self.first_seq & 0xFF
        self._last_rx: int | None = None
        self._last_rx_reset = False
        self._tickets = itertools.count(1)
        self._splitter = FrameSplitter()

    # ---------------------------------------------------------------- sending

    @property
    def busy(self) -> bool:
        """Something is waiting for an acknowledgement or queued."""
        return self._in_flight is not None or bool(self._queue)

    def _seq(self) -> int:
        seq = self._next_seq
        self._next_seq = (seq + 1) & 0xFF
        return seq

    def reset(self, now: float) -> tuple[int, list[Failed]]:
        """Start over: every queued or unacknowledged frame is given up
        (returned as failed) and a RESET is sent. Returns its ticket."""
        failed = [Failed(ticket, 0) for ticket, _ in self._queue]
        if self._in_flight is not None:
            failed.insert(0, Failed(self._in_flight.ticket, self._in_flight.attempts))
        self._queue.clear()
        self._in_flight = None
        self._last_rx = None
        ticket = next(self._tickets)
        self._queue.append((ticket, Frame(Kind.RESET, self._seq())))
        self._pump(now)
        return ticket, failed

    def send(self, msg_type: int, payload: bytes, now: float) -> int:
        """Queue a message; returns its ticket (see :class:`Acknowledged`)."""
        if len(self._queue) >= self.max_queue:
            raise LinkError(f"{len(self._queue)} messages wait for the link; not queueing more")
        frame = Frame(Kind.DATA, 0, msg_type, payload)
        encode_frame(frame)  # refuse a bad message now, not when its turn comes
        ticket = next(self._tickets)
        self._queue.append((ticket, frame))
        self._pump(now)
        return ticket

    def _pump(self, now: float) -> None:
        if self._in_flight is not None or not self._queue:
            return
        ticket, frame = self._queue.popleft()
        if frame.kind is Kind.DATA:
            frame = Frame(Kind.DATA, self._seq(), frame.msg_type, frame.payload)
        encoded = encode_frame(frame)
        self._in_flight = _InFlight(ticket, frame, encoded, now + self.ack_timeout_s)
        self._out += encoded
        self.stats.sent += 1

    def take_output(self) -> bytes:
        """Bytes to write to the link now."""
        out = bytes(self._out)
        self._out.clear()
        return out

    def next_deadline(self) -> float | None:
        """When :meth:`tick` must be called next (None: nothing pending)."""
        return None if self._in_flight is None else self._in_flight.deadline

    def tick(self, now: float) -> list[SessionEvent]:
        """Retransmit or give up what has waited too long."""
        flight = self._in_flight
        if flight is None or now < flight.deadline:
            return []
        if flight.attempts >= self.attempts:
            self._in_flight = None
            self.stats.failed += 1
            self._pump(now)
            return [Failed(flight.ticket, flight.attempts)]
        self._resend(flight, now)
        return []

    def _resend(self, flight: _InFlight, now: float) -> None:
        flight.attempts += 1
        flight.deadline = now + self.ack_timeout_s
        self._out += flight.encoded
        self.stats.resent += 1

    # -------------------------------------------------------------- receiving

    def feed(self, data: bytes, now: float) -> list[SessionEvent]:
        """Bytes from the link; returns what they mean."""
        events: list[SessionEvent] = []
        for encoded in self._splitter.feed(data):
            try:
                frame = decode_frame(encoded)
            except FrameError as exc:
                self.stats.dropped += 1
                events.append(Dropped(exc))
                continue
            events += self._frame(frame, now)
        return events

    def _ack(self, seq: int) -> None:
        self._out += encode_frame(Frame(Kind.ACK, seq))

    def _frame(self, frame: Frame, now: float) -> list[SessionEvent]:
        if frame.kind is Kind.ACK:
            flight = self._in_flight
            if flight is None or frame.seq != flight.frame.seq:
                return []  # late ACK of a frame already given up or re-sent and acked
            self._in_flight = None
            self._pump(now)
            return [Acknowledged(flight.ticket)]
        self._ack(frame.seq)
        if frame.kind is Kind.RESET:
            repeat = self._last_rx_reset and self._last_rx == frame.seq
            self._last_rx, self._last_rx_reset = frame.seq, True
            if repeat:
                return []
            if self._in_flight is not None and self._in_flight.frame.kind is Kind.DATA:
                # the peer forgot what it had; our frame may have been lost
                self._resend(self._in_flight, now)
            return [PeerReset()]
        if frame.seq == self._last_rx:
            self.stats.duplicates += 1
            return []
        self._last_rx, self._last_rx_reset = frame.seq, False
        self.stats.received += 1
        return [Received(frame.msg_type, frame.payload)]
