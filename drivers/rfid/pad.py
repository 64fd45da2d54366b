"""The pad view of a reader: a stream of tag-arrived, tag-left and tag-data
events, which kiosks, book drops and gates consume.

The pad polls the reader's inventory. A tag *arrives* once it has been seen
in ``arrive_after`` polls in a row and *leaves* once it has been missing
from ``leave_after`` polls in a row, so a book lifted for a moment or a tag
at the edge of the field does not flicker. After a tag arrives, its memory is
read (``data_blocks`` blocks, or all of it) and a :class:`TagData` event
follows; a tag whose memory cannot be read after ``read_attempts`` tries
gives :class:`TagReadFailed`. Multi-antenna readers report the antenna; a
tag seen on another antenna gives :class:`TagMoved`. When the reader goes
away the pad says so (:class:`ReaderStatus`) and keeps its list until the
reader is back and the polls tell.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from .errors import ReaderError, TagError, TransportError, uid_hex
from .model import InventoryTag, ReaderState
from .reader import Reader

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TagArrived:
    uid: bytes
    dsfid: int
    antenna: int


@dataclass(frozen=True, slots=True)
class TagLeft:
    uid: bytes
    antenna: int


@dataclass(frozen=True, slots=True)
class TagMoved:
    uid: bytes
    antenna: int
    previous: int


@dataclass(frozen=True, slots=True)
class TagData:
    """The tag's memory (tag byte order), read after it arrived."""

    uid: bytes
    antenna: int
    memory: bytes
    dsfid: int


@dataclass(frozen=True, slots=True)
class TagReadFailed:
    uid: bytes
    antenna: int
    error: str


@dataclass(frozen=True, slots=True)
class ReaderStatus:
    state: ReaderState
    error: str | None = None


PadEvent = TagArrived | TagLeft | TagMoved | TagData | TagReadFailed | ReaderStatus


@dataclass(slots=True)
class _Seen:
    tag: InventoryTag
    hits: int = 0
    misses: int = 0
    present: bool = False
    read_tries: int = 0
    data_done: bool = False


@dataclass
class PadOptions:
    poll_interval_s: float = 0.2
    arrive_after: int = 1
    leave_after: int = 2
    read_data: bool = True
    #: Blocks to read for TagData; None reads the whole memory.
    data_blocks: int | None = None
    read_attempts: int = 3
    #: Inventory only tags with this AFI (ISO 15693 AFI rules).
    afi: int | None = None


class Pad:
    """Events of tags on one reader. Iterate :meth:`events` in one task."""

    def __init__(self, reader: Reader, options: PadOptions | None = None) -> None:
        self.reader = reader
        self.options = options or PadOptions()
        self._seen: dict[bytes, _Seen] = {}
        self._state: ReaderState | None = None

    @property
    def present(self) -> list[InventoryTag]:
        """Tags on the pad now (after debouncing)."""
        return [s.tag for s in self._seen.values() if s.present]

    async def events(self) -> AsyncGenerator[PadEvent, None]:
        """Poll forever, yielding events as they happen."""
        while True:
            for event in await self.poll():
                yield event
            await asyncio.sleep(self.options.poll_interval_s)

    async def poll(self) -> list[PadEvent]:
        """One inventory and the events it causes."""
        events: list[PadEvent] = []
        state = self.reader.state
        if state is not self._state:
            self._state = state
            error = self.reader.last_error
            events.append(ReaderStatus(state, str(error) if error and
                                       state is not ReaderState.CONNECTED else None))
        if state is not ReaderState.CONNECTED:
            return events
        try:
            tags = await self.reader.inventory(self.options.afi)
        except TransportError as exc:
            log.info("pad inventory failed", extra={"fields": {"error": str(exc)}})
            if self.reader.state is not self._state:
                self._state = self.reader.state
                events.append(ReaderStatus(self._state, str(exc)))
            return events
        events += self._update(tags)
        for seen in list(self._seen.values()):
            if seen.present and not seen.data_done and self.options.read_data:
                try:
                    event = await self._read(seen)
                except TransportError as exc:  # the reader went away; next poll says so
                    log.info("pad read failed", extra={"fields": {"error": str(exc)}})
                    break
                if event is not None:
                    events.append(event)
        return events

    def _update(self, tags: list[InventoryTag]) -> list[PadEvent]:
        events: list[PadEvent] = []
        found = {t.uid: t for t in tags}
        for uid, tag in found.items():
            seen = self._seen.get(uid)
            if seen is None:
                seen = self._seen[uid] = _Seen(tag)
            if seen.present and tag.antenna != seen.tag.antenna:
                events.append(TagMoved(uid, tag.antenna, seen.tag.antenna))
            seen.tag, seen.hits, seen.misses = tag, seen.hits + 1, 0
            if not seen.present and seen.hits >= self.options.arrive_after:
                seen.present = True
                events.append(TagArrived(uid, tag.dsfid, tag.antenna))
        for uid, seen in list(self._seen.items()):
            if uid in found:
                continue
            seen.hits = 0
            seen.misses += 1
            if seen.present and seen.misses >= self.options.leave_after:
                events.append(TagLeft(uid, seen.tag.antenna))
                del self._seen[uid]
            elif not seen.present:
                del self._seen[uid]
        return events

    async def _read(self, seen: _Seen) -> PadEvent | None:
        uid = seen.tag.uid
        seen.read_tries += 1
        try:
            memory = await self.reader.read_memory(uid, self.options.data_blocks)
        except TagError as exc:
            if seen.read_tries < self.options.read_attempts:
                return None  # try again at the next poll
            seen.data_done = True
            return TagReadFailed(uid, seen.tag.antenna, str(exc))
        except TransportError:
            seen.read_tries -= 1  # not the tag's fault
            raise
        except ReaderError as exc:
            seen.data_done = True
            log.warning("tag read failed", extra={"fields": {"uid": uid_hex(uid),
                                                             "error": str(exc)}})
            return TagReadFailed(uid, seen.tag.antenna, str(exc))
        seen.data_done = True
        return TagData(uid, seen.tag.antenna, memory, seen.tag.dsfid)
