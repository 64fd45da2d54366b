"""The book drop's bins: which bin an item goes to, how full each is, and
the counts kept across restarts.

Counts live in a small JSON file written atomically (temporary file, fsync,
rename), so a power cut never leaves a half-written file; a bin's count
goes back to zero when staff empty it (its full sensor clears, or
``smartlib bookdrop empty BIN``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from edge.config.models import BinSection, BookdropSection, Route

log = logging.getLogger(__name__)


@dataclass
class BinState:
    spec: BinSection
    index: int
    count: int = 0
    #: The bin's full sensor says so (None: no sensor).
    sensor_full: bool | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def full(self) -> bool:
        by_count = self.spec.capacity is not None and self.count >= self.spec.capacity
        return by_count or bool(self.sensor_full)


class Bins:
    def __init__(self, section: BookdropSection, counts_file: Path) -> None:
        self.section = section
        self.counts_file = counts_file
        self.bins = [BinState(spec, i) for i, spec in enumerate(section.bins)]
        self._by_name = {b.name: b for b in self.bins}

    def __getitem__(self, name: str) -> BinState:
        return self._by_name[name]

    def load(self) -> None:
        try:
            data = json.loads(self.counts_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("bin counts unreadable; starting from zero",
                        extra={"fields": {"file": str(self.counts_file), "error": str(exc)}})
            return
        if isinstance(data, dict):
            for name, count in data.items():
                if name in self._by_name and isinstance(count, int) and count >= 0:
                    self._by_name[name].count = count

    def save(self) -> None:
        """Write the counts durably (call it on a worker thread)."""
        self.counts_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.counts_file.with_name(self.counts_file.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump({b.name: b.count for b in self.bins}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.counts_file)

    def target(self, route: Route) -> BinState | None:
        """The bin an item with this routing goes to: its own, else the
        overflow bin, else None (nowhere: the book drop must stop)."""
        own = self._by_name[self.section.bin_for(route).name]
        if not own.full:
            return own
        overflow = self.section.overflow_bin
        if overflow is not None and not self._by_name[overflow].full:
            return self._by_name[overflow]
        return None

    @property
    def accepting(self) -> bool:
        """Every routing has a bin with room, so the next item, whatever it
        is, can be sorted (otherwise the slot must close)."""
        routes: tuple[Route, ...] = ("shelf", "hold", "transit", "problem")
        return all(self.target(route) is not None for route in routes)

    @property
    def full(self) -> list[str]:
        return [b.name for b in self.bins if b.full]

    def emptied(self, name: str) -> None:
        self._by_name[name].count = 0
