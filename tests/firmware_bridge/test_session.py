"""Reliable delivery without I/O: two sessions wired back to back through a
lossy, corrupting wire; every message arrives once, in order."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from firmware_bridge.errors import LinkError
from firmware_bridge.frames import Frame, Kind, encode_frame
from firmware_bridge.session import (
    Acknowledged,
    Dropped,
    Failed,
    PeerReset,
    Received,
    Session,
    SessionEvent,
)


@dataclass
class Wire:
    """Two sessions and a clock; bytes cross with loss and corruption."""

    a: Session
    b: Session
    loss: float = 0.0
    corrupt: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    now: float = 0.0
    events: dict[str, list[SessionEvent]] = field(default_factory=lambda: {"a": [], "b": []})
    bytes_lost: int = 0

    def _carry(self, data: bytes) -> bytes:
        if not data:
            return data
        out = bytearray()
        for chunk in data.split(b"\x00"):  # per frame
            if self.rng.random() < self.loss:
                self.bytes_lost += len(chunk)
                out += b"\x00"
                continue
            if chunk and self.rng.random() < self.corrupt:
                chunk = bytearray(chunk)
                chunk[self.rng.randrange(len(chunk))] ^= 0x40
            out += bytes(chunk) + b"\x00"
        return bytes(out[:-1]) if not data.endswith(b"\x00") else bytes(out[:-1])

    def run(self, seconds: float, step: float = 0.01) -> None:
        end = self.now + seconds
        while self.now < end:
            for name, here, there in (("a", self.a, self.b), ("b", self.b, self.a)):
                self.events[name] += here.tick(self.now)
                out = here.take_output()
                if out:
                    self.events["b" if name == "a" else "a"] += there.feed(
                        self._carry(out), self.now)
            self.now += step

    def received(self, name: str) -> list[bytes]:
        return [e.payload for e in self.events[name] if isinstance(e, Received)]


def test_messages_arrive_once_and_in_order_over_a_bad_wire() -> None:
    wire = Wire(Session(attempts=12), Session(attempts=12), loss=0.2, corrupt=0.1)
    wire.a.reset(0.0)
    wire.b.reset(0.0)
    tickets = [wire.a.send(0x10, i.to_bytes(2, "big"), 0.0) for i in range(200)]
    back = [wire.b.send(0x83, i.to_bytes(2, "big"), 0.0) for i in range(50)]
    wire.run(120)
    assert wire.received("b") == [i.to_bytes(2, "big") for i in range(200)]
    assert wire.received("a") == [i.to_bytes(2, "big") for i in range(50)]
    acked = [e.ticket for e in wire.events["a"] if isinstance(e, Acknowledged)]
    assert set(tickets) <= set(acked) and not any(
        isinstance(e, Failed) for e in wire.events["a"] + wire.events["b"])
    assert set(back) <= {e.ticket for e in wire.events["b"] if isinstance(e, Acknowledged)}
    # the wire really was bad: frames were re-sent, repeats and damage dropped
    assert wire.a.stats.resent > 20 and wire.b.stats.duplicates > 0
    assert any(isinstance(e, Dropped) for e in wire.events["a"] + wire.events["b"])


def test_a_frame_nobody_acknowledges_fails_after_its_attempts() -> None:
    session = Session(ack_timeout_s=0.1, attempts=3)
    ticket = session.send(0x02, b"\x00\x00\x00\x01", 0.0)
    sent = [session.take_output()]
    events: list[SessionEvent] = []
    for t in (0.05, 0.15, 0.25, 0.35):
        events += session.tick(t)
        sent.append(session.take_output())
    assert events == [Failed(ticket, 3)]
    assert sum(1 for s in sent if s) == 3 and len(set(s for s in sent if s)) == 1
    assert session.next_deadline() is None


def test_a_repeated_frame_is_acknowledged_again_but_delivered_once() -> None:
    session = Session()
    frame = encode_frame(Frame(Kind.DATA, 9, 0x83, b"\x00\x01"))
    assert session.feed(frame, 0.0) == [Received(0x83, b"\x00\x01")]
    ack = session.take_output()
    assert session.feed(frame, 0.1) == []  # our ACK was lost; the peer sent it again
    assert session.take_output() == ack == encode_frame(Frame(Kind.ACK, 9))
    assert session.stats.duplicates == 1


def test_a_peer_reset_is_reported_once_and_its_numbers_start_afresh() -> None:
    session = Session()
    session.feed(encode_frame(Frame(Kind.DATA, 0, 0x83, b"x")), 0.0)
    reset = encode_frame(Frame(Kind.RESET, 0))
    assert session.feed(reset, 1.0) == [PeerReset()]
    assert session.feed(reset, 1.1) == []  # repeated RESET (ACK lost): not a second reboot
    # after the reset, number 1 (then 0 again later) is new, not a repeat
    assert session.feed(encode_frame(Frame(Kind.DATA, 1, 0x83, b"y")), 1.2) == [
        Received(0x83, b"y")]


def test_a_reset_gives_up_what_was_queued() -> None:
    session = Session()
    first = session.send(0x10, b"\x00\x01\x00\x00", 0.0)
    second = session.send(0x10, b"\x01\x01\x00\x00", 0.0)
    ticket, failed = session.reset(0.5)
    assert [f.ticket for f in failed] == [first, second]
    wire = session.take_output()
    assert wire.endswith(encode_frame(Frame(Kind.RESET, 1)))  # 0 went out with the first
    assert session.feed(encode_frame(Frame(Kind.ACK, 1)), 0.6) == [Acknowledged(ticket)]


def test_the_queue_is_bounded() -> None:
    session = Session(max_queue=2)
    for _ in range(3):  # one in flight, two queued
        session.send(0x02, b"\x00\x00\x00\x00", 0.0)
    with pytest.raises(LinkError, match="not queueing more"):
        session.send(0x02, b"\x00\x00\x00\x00", 0.0)
