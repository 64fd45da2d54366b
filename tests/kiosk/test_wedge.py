"""USB scanners that type: a fast burst ending with Enter is a code; slow
typing and stray keys are not."""

from __future__ import annotations

from kiosk.wedge import KeyWedge


def typed(wedge: KeyWedge, text: str, start: float, gap_s: float) -> float:
    now = start
    for char in text:
        wedge.feed(char, now)
        now += gap_s
    return now


def test_a_scanner_burst_is_a_code() -> None:
    wedge = KeyWedge()
    end = typed(wedge, "P0001", 10.0, 0.01)
    assert wedge.enter(end) == "P0001"
    assert wedge.enter(end + 0.01) is None  # taken once


def test_slow_typing_and_short_noise_are_dropped() -> None:
    wedge = KeyWedge(max_gap_s=0.3, min_length=3)
    end = typed(wedge, "P0001", 0.0, 0.5)  # a person hunting for keys
    assert wedge.enter(end) is None
    end = typed(wedge, "ab", 5.0, 0.01)
    assert wedge.enter(end) is None
    end = typed(wedge, "x", 6.0, 0.01)
    assert wedge.enter(end + 2.0) is None  # Enter long after the last key


def test_a_pause_starts_a_new_code() -> None:
    wedge = KeyWedge()
    typed(wedge, "JUNK", 0.0, 0.01)
    end = typed(wedge, "30000001", 1.0, 0.01)
    assert wedge.enter(end) == "30000001"
