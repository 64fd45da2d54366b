"""USB barcode scanners and card readers that "type" like a keyboard: their
characters arrive quickly and end with Enter. While no field is open on
the screen, the kiosk feeds key presses here and takes a finished code on
Enter. Keys typed slowly (a person, not a scanner) are dropped."""

from __future__ import annotations


class KeyWedge:
    """``max_gap_s``: the longest pause between two characters of one code;
    ``min_length``: shorter codes are noise."""

    def __init__(self, max_gap_s: float = 0.3, min_length: int = 3,
                 max_length: int = 64) -> None:
        self.max_gap_s = max_gap_s
        self.min_length = min_length
        self.max_length = max_length
        self._buffer: list[str] = []
        self._last: float | None = None

    def feed(self, text: str, now: float) -> None:
        if self._last is not None and now - self._last > self.max_gap_s:
            self._buffer.clear()
        self._last = now
        for char in text:
            if char.isprintable() and len(self._buffer) < self.max_length:
                self._buffer.append(char)

    def enter(self, now: float) -> str | None:
        """Enter was pressed: the code typed, or None."""
        stale = self._last is None or now - self._last > self.max_gap_s
        code = "".join(self._buffer).strip()
        self._buffer.clear()
        self._last = None
        if stale or len(code) < self.min_length:
            return None
        return code
