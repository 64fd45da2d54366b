"""Keeps :class:`~edge.circulation.model.Stack` in step with the pad: polls
the reader through :class:`drivers.rfid.Pad`, reads and decodes each tag that
arrives (publishing the stack after each one),
asks for titles it does not know (in the background, through
``title_source``), and tells ``on_change`` about every new stack.

Transactions write to the same reader, so the watcher polls only while no
transaction holds :meth:`PadWatcher.exclusive`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from drivers.rfid import (
    Pad,
    PadOptions,
    Reader,
    ReaderStatus,
    TagArrived,
    TagLeft,
    uid_hex,
)
from drivers.rfid.errors import ReaderError, TagError, TransportError
from edge.circulation.model import Stack, StackTag
from edge.circulation.stack import build_stack, read_tag, unreadable

log = logging.getLogger(__name__)

TitleSource = Callable[[str], Awaitable[str | None]]


@dataclass(slots=True)
class _Unread:
    uid: bytes
    antenna: int
    dsfid: int
    tries: int = 0


class PadWatcher:
    def __init__(self, reader: Reader, options: PadOptions, *, tag_model: str = "auto",
                 title_source: TitleSource | None = None,
                 on_change: Callable[[Stack], None] | None = None,
                 on_reader: Callable[[str, str | None], None] | None = None) -> None:
        self.reader = reader
        # The pad reports arrivals and departures; tags are read here, one at
        # a time, so each row appears as soon as its tag is read.
        self.pad = Pad(reader, dataclasses.replace(options, read_data=False))
        self.options = options
        self.tag_model = tag_model
        self.title_source = title_source
        self.on_change = on_change
        self.on_reader = on_reader
        self._tags: dict[str, StackTag] = {}
        self._unread: dict[str, _Unread] = {}
        self._titles: dict[str, str] = {}
        self._asked: set[str] = set()
        self._lookups: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self.stack = Stack()

    # ------------------------------------------------------------- running

    async def run(self) -> None:
        """Poll until cancelled."""
        try:
            while True:
                async with self._lock:
                    await self.poll_once()
                await asyncio.sleep(self.options.poll_interval_s)
        finally:
            for task in list(self._lookups):
                task.cancel()

    async def poll_once(self) -> None:
        try:
            events = await self.pad.poll()
        except ReaderError as exc:  # a tag error outside the pad's own handling
            log.info("pad poll failed", extra={"fields": {"error": str(exc)}})
            return
        changed = False
        for event in events:
            if isinstance(event, TagArrived):
                uid = uid_hex(event.uid)
                if uid not in self._tags:
                    self._tags[uid] = StackTag(uid, event.antenna)
                    self._unread[uid] = _Unread(event.uid, event.antenna, event.dsfid)
                    changed = True
            elif isinstance(event, TagLeft):
                uid = uid_hex(event.uid)
                self._unread.pop(uid, None)
                changed = self._tags.pop(uid, None) is not None or changed
            elif isinstance(event, ReaderStatus) and self.on_reader is not None:
                self.on_reader(event.state.value, event.error)
        if changed:
            self._publish()
        await self._read_new()

    async def _read_new(self) -> None:
        """Read the tags that arrived, one by one: each is shown (and its
        title asked for) as soon as it is read, while the next is read."""
        for uid, unread in list(self._unread.items()):
            try:
                memory = await self.reader.read_memory(unread.uid, self.options.data_blocks)
            except TransportError as exc:  # the reader went away; the next poll says so
                log.info("tag read failed", extra={"fields": {"error": str(exc)}})
                return
            except TagError as exc:
                unread.tries += 1
                if unread.tries < self.options.read_attempts:
                    continue  # again at the next poll
                tag = unreadable(unread.uid, str(exc), unread.antenna)
            except ReaderError as exc:
                tag = unreadable(unread.uid, str(exc), unread.antenna)
            else:
                tag = read_tag(unread.uid, memory, unread.dsfid, unread.antenna,
                               self.tag_model)
            del self._unread[uid]
            self._tags[uid] = tag
            if tag.pii is not None:
                self._want_title(tag.pii)
            self._publish()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the reader for a transaction: no polls meanwhile."""
        async with self._lock:
            yield

    # ------------------------------------------------------------- titles

    def _want_title(self, pii: str) -> None:
        if pii in self._titles or pii in self._asked or self.title_source is None:
            return
        self._asked.add(pii)
        task = asyncio.create_task(self._lookup(pii), name=f"title {pii}")
        self._lookups.add(task)
        task.add_done_callback(self._lookups.discard)

    async def _lookup(self, pii: str) -> None:
        assert self.title_source is not None
        title = await self.title_source(pii)
        if title:
            self.known_title(pii, title)
        else:  # ask again when the item comes back (the ILS may be back too)
            self._asked.discard(pii)

    def known_title(self, pii: str, title: str) -> None:
        if self._titles.get(pii) == title:
            return
        self._titles[pii] = title
        if any(tag.pii == pii for tag in self._tags.values()):
            self._publish()

    def _publish(self) -> None:
        self.stack = build_stack(self._tags.values(), self._titles)
        if self.on_change is not None:
            self.on_change(self.stack)
