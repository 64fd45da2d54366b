"""Visitor counting from two beams: walking in, walking out, turning back,
two people close together, and the same through real mock pins."""

from __future__ import annotations

import asyncio

import pytest

from drivers.gpio import BeamPair, GpioBoard, Passage, PassageCounter
from tests.peers.gpio import MockPins

# (outer, inner) broken, step by step
IN = [(1, 0), (1, 1), (0, 1), (0, 0)]
OUT = [(0, 1), (1, 1), (1, 0), (0, 0)]


def feed(counter: PassageCounter, steps: list[tuple[int, int]]) -> list[Passage]:
    out = []
    for i, (outer, inner) in enumerate(steps):
        passage = counter.update(bool(outer), bool(inner), float(i))
        if passage is not None:
            out.append(passage)
    return out


def test_walking_in_and_out_count_once_each() -> None:
    counter = PassageCounter()
    assert [(p.direction, p.count) for p in feed(counter, IN + OUT + IN)] == [
        ("in", 1), ("out", 1), ("in", 1)]
    assert (counter.entered, counter.exited) == (2, 1)


def test_stepping_into_the_gate_and_turning_back_counts_nothing() -> None:
    counter = PassageCounter()
    # outer broken, then both, then back out the way they came
    assert feed(counter, [(1, 0), (1, 1), (1, 0), (0, 0)]) == []
    assert feed(counter, [(0, 1), (0, 0)]) == []  # a hand through the inner beam
    assert (counter.entered, counter.exited) == (0, 0)


def test_hesitating_in_the_middle_still_counts_one() -> None:
    counter = PassageCounter()
    steps = [(1, 0), (1, 1), (1, 0), (1, 1), (0, 1), (1, 1), (0, 1), (0, 0)]
    assert [(p.direction, p.count) for p in feed(counter, steps)] == [("in", 1)]


def test_two_people_overlapping_in_the_gate_count_as_one() -> None:
    # the limit of two beams (documented): the second person breaks the
    # outer beam while the first still breaks the inner one
    counter = PassageCounter()
    steps = [(1, 0), (1, 1), (0, 1), (1, 1), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert [(p.direction, p.count) for p in feed(counter, steps)] == [("in", 1)]
    # with a gap between them, both count
    counter = PassageCounter()
    assert [(p.direction, p.count) for p in feed(counter, IN + IN)] == [("in", 1), ("in", 1)]


def test_a_report_that_skips_a_state_is_noise_not_a_visitor() -> None:
    counter = PassageCounter()
    assert feed(counter, [(1, 1), (0, 0)]) == []
    assert counter.skipped == 2


def test_a_person_standing_in_the_gate_counts_when_they_leave_it() -> None:
    counter = PassageCounter()
    assert feed(counter, [(1, 0), (1, 1)]) == []
    assert counter.busy_since == 0.0
    passages = feed(counter, [(1, 1), (0, 1), (0, 0)])
    assert [(p.direction, p.count) for p in passages] == [("in", 1)]
    assert counter.busy_since is None


async def test_beams_on_mock_pins_count_a_visitor_walking_in(mock_pins: MockPins) -> None:
    passages: list[Passage] = []
    async with GpioBoard(mock_pins.factory) as board:
        # beam receivers with open-collector outputs: pulled up, high when broken
        outer = board.input(23, "outer", pull="up", active="high")
        inner = board.input(24, "inner", pull="up", active="high")
        for pin in (23, 24):
            await mock_pins.drive(pin, False)  # beams aligned
        await asyncio.sleep(0.01)
        done = asyncio.Event()
        pair = BeamPair(outer, inner, lambda p: (passages.append(p), done.set()))
        for pin, level in ((23, True), (24, True), (23, False), (24, False)):
            await mock_pins.drive(pin, level)
        await asyncio.wait_for(done.wait(), 5)
        assert pair.blocked_for(10**9) == 0.0
        pair.close()
    assert [(p.direction, p.count) for p in passages] == [("in", 1)]
    assert passages[0].ended >= passages[0].started


@pytest.mark.parametrize("steps", [IN, OUT])
def test_passage_times_span_the_first_break_to_the_last_clear(
        steps: list[tuple[int, int]]) -> None:
    (passage,) = feed(PassageCounter(), steps)
    assert (passage.started, passage.ended) == (0.0, 3.0)
