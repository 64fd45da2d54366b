"""The async reader interface for ISO 15693 item tags, and what every
reader shares: connection state with automatic reconnection, and the
write-then-verify logic with bounded retries.

A protocol driver implements the one-request primitives (``_inventory``,
``_read``, ``_write``, ...); callers use the public methods, which add
verification, retries, chunking and the tag-left-mid-write report. A write
is only ever reported as done when the tag has been read back holding it.

Connection: :meth:`Reader.open` connects (and raises if it cannot). If the
link is lost later, the state turns ``disconnected``, calls fail at once with
:class:`~drivers.rfid.errors.DisconnectedError`, and a background task
reconnects with back-off until the reader answers again.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

from .errors import (
    DisconnectedError,
    ReaderError,
    TagError,
    TagLeftError,
    TagLockedError,
    TagNotPresentError,
    TagRfError,
    TagWriteError,
    TransportError,
    UnsupportedError,
    VerifyError,
    uid_hex,
)
from .model import InventoryTag, ReaderInfo, ReaderState, SystemInfo

log = logging.getLogger(__name__)

T = TypeVar("T")
StateListener = Callable[[ReaderState], None]


class Reader(abc.ABC):
    """An ISO 15693 reader. UIDs are 8 bytes, most significant (E0) first."""

    #: Blocks per read or write command (protocols may lower it).
    max_blocks = 32
    #: Block size assumed when the tag cannot tell (no system information).
    default_block_size = 4

    def __init__(self, url: str, *, write_retries: int = 2, reconnect_max_s: float = 5.0) -> None:
        self.url = url
        self.write_retries = write_retries
        self.reconnect_max_s = reconnect_max_s
        self._state = ReaderState.CLOSED
        self._listeners: list[StateListener] = []
        self._reconnect_task: asyncio.Task[None] | None = None
        self._geometry: OrderedDict[bytes, tuple[int, int | None]] = OrderedDict()
        self.last_error: ReaderError | None = None

    # ----------------------------------------------------------- state

    @property
    def state(self) -> ReaderState:
        return self._state

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call ``listener(state)`` on every change; returns a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _set_state(self, state: ReaderState) -> None:
        if state is self._state:
            return
        log.info("reader state", extra={"fields": {"url": self.url, "state": state.value}})
        self._state = state
        for listener in list(self._listeners):
            listener(state)

    async def wait_state(self, state: ReaderState, timeout_s: float) -> None:
        """Wait until the reader is in ``state`` (TimeoutError otherwise)."""
        if self._state is state:
            return
        reached = asyncio.Event()

        def listener(new: ReaderState) -> None:
            if new is state:
                reached.set()

        remove = self.add_state_listener(listener)
        try:
            async with asyncio.timeout(timeout_s):
                await reached.wait()
        finally:
            remove()

    async def open(self) -> None:
        """Connect; raise a :class:`TransportError` if the reader cannot be reached."""
        self._set_state(ReaderState.CONNECTING)
        try:
            await self._connect()
        except ReaderError:
            self._set_state(ReaderState.DISCONNECTED)
            with contextlib.suppress(ReaderError):
                await self._disconnect()
            raise
        self._set_state(ReaderState.CONNECTED)

    async def close(self) -> None:
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._disconnect()
        self._set_state(ReaderState.CLOSED)

    async def __aenter__(self) -> Reader:
        if self._state is ReaderState.CLOSED:
            await self.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def _link_lost(self, error: ReaderError) -> None:
        """A protocol driver calls this when the link is gone (port closed,
        reader silent too long): show disconnected and reconnect."""
        self.last_error = error
        if self._state is not ReaderState.CONNECTED:
            return  # opening (the caller gets the error) or already reconnecting
        log.warning("reader link lost", extra={"fields": {"url": self.url, "error": str(error)}})
        self._set_state(ReaderState.DISCONNECTED)
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = asyncio.create_task(self._reconnect(),
                                                       name=f"reconnect {self.url}")

    async def _reconnect(self) -> None:
        delay = 0.05
        while True:
            with contextlib.suppress(ReaderError):
                await self._disconnect()
            try:
                await self._connect()
            except ReaderError as exc:
                self.last_error = exc
                log.debug("reconnect failed",
                          extra={"fields": {"url": self.url, "error": str(exc)}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_s)
                continue
            self._set_state(ReaderState.CONNECTED)
            return

    def _require_connected(self) -> None:
        if self._state is ReaderState.CONNECTED:
            return
        if self._state is ReaderState.CLOSED:
            raise DisconnectedError("the reader is closed")
        raise DisconnectedError(f"the reader is {self._state.value}"
                                + (f" ({self.last_error})" if self.last_error else ""))

    async def _guarded(self, call: Callable[[], Awaitable[T]]) -> T:
        self._require_connected()
        return await call()

    # ------------------------------------------------------ primitives

    @abc.abstractmethod
    async def _connect(self) -> None: ...

    @abc.abstractmethod
    async def _disconnect(self) -> None: ...

    @abc.abstractmethod
    async def _inventory(self, afi: int | None) -> list[InventoryTag]: ...

    @abc.abstractmethod
    async def _read(self, uid: bytes, first: int, count: int) -> list[bytes]: ...

    @abc.abstractmethod
    async def _write(self, uid: bytes, first: int, blocks: list[bytes], block_size: int) -> None:
        """One attempt. Raise TagWriteError (with the failing block) or
        TagNotPresentError; never retry here."""

    @abc.abstractmethod
    async def _system_info(self, uid: bytes) -> SystemInfo: ...

    async def _write_afi(self, uid: bytes, afi: int) -> None:
        raise UnsupportedError(f"{self.url}: this reader cannot write the AFI")

    async def _lock(self, uid: bytes, first: int, count: int) -> None:
        raise UnsupportedError(f"{self.url}: this reader cannot lock blocks")

    async def _eas(self, uid: bytes, armed: bool) -> None:
        raise UnsupportedError(f"{self.url}: this reader has no NXP EAS commands")

    async def _eas_alarm(self) -> bool:
        raise UnsupportedError(f"{self.url}: this reader has no NXP EAS commands")

    async def _info(self) -> ReaderInfo:
        return ReaderInfo(protocol=self.url.partition(":")[0])

    # ----------------------------------------------------------- public

    async def info(self) -> ReaderInfo:
        return await self._guarded(self._info)

    async def inventory(self, afi: int | None = None) -> list[InventoryTag]:
        """The tags in the field now (all of them, not only new ones); with
        ``afi``, only tags whose AFI matches (ISO 15693 AFI rules)."""
        return await self._guarded(lambda: self._inventory(afi))

    async def system_info(self, uid: bytes) -> SystemInfo:
        info = await self._guarded(lambda: self._system_info(uid))
        if info.block_size:
            self._remember(uid, info.block_size, info.block_count)
        return info

    def _remember(self, uid: bytes, block_size: int, block_count: int | None) -> None:
        self._geometry[uid] = (block_size, block_count)
        self._geometry.move_to_end(uid)
        while len(self._geometry) > 512:
            self._geometry.popitem(last=False)

    async def geometry(self, uid: bytes) -> tuple[int, int | None]:
        """(block size, block count) of the tag, asked once and remembered."""
        if uid not in self._geometry:
            try:
                await self.system_info(uid)
            except UnsupportedError:
                self._remember(uid, self.default_block_size, None)
        return self._geometry[uid]

    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        """``count`` blocks from ``first``, in tag byte order."""
        self._require_connected()
        out = []
        for start in range(first, first + count, self.max_blocks):
            n = min(self.max_blocks, first + count - start)
            out += await self._guarded(lambda s=start, k=n: self._read(uid, s, k))  # type: ignore[misc]
        return b"".join(out)

    async def read_memory(self, uid: bytes, blocks: int | None = None) -> bytes:
        """The tag's user memory (all of it, or the first ``blocks`` blocks).
        With ``blocks`` given the tag's size is not asked (one exchange less)."""
        if blocks is None:
            _size, count = await self.geometry(uid)
            if count is None:
                raise UnsupportedError(f"{self.url}: the tag's size is unknown; give blocks=")
            blocks = count
        return await self.read_blocks(uid, 0, blocks)

    async def write_blocks(self, uid: bytes, first: int, data: bytes, *, verify: bool = True,
                           retries: int | None = None) -> None:
        """Write ``data`` (a whole number of blocks) from block ``first``,
        read it back, and retry what differs, at most ``retries`` times
        (default: the reader's ``write_retries``).

        Raises :class:`TagLeftError` if the tag left during the operation,
        :class:`TagNotPresentError` if it was never there,
        :class:`TagLockedError` for a locked block (no retry),
        :class:`VerifyError` or :class:`TagWriteError` when retries ran out.
        Returning means the tag holds ``data``.
        """
        answered = uid not in self._geometry  # asking its size below proves it is there
        size, _ = await self.geometry(uid)
        if len(data) % size:
            raise ValueError(f"{len(data)} bytes are not a whole number of {size}-byte blocks")
        blocks = [data[i:i + size] for i in range(0, len(data), size)]
        attempts = 1 + (self.write_retries if retries is None else retries)
        verified, start = 0, 0
        error: TagError | None = None
        for attempt in range(attempts):
            try:
                for at in range(start, len(blocks), self.max_blocks):
                    chunk = blocks[at:at + self.max_blocks]
                    await self._guarded(lambda a=at, ch=chunk: self._write(  # type: ignore[misc]
                        uid, first + a, ch, size))
                answered = True
                if not verify:
                    return
                back = await self.read_blocks(uid, first, len(blocks))
                stored = [back[i:i + size] for i in range(0, len(back), size)]
                wrong = [i for i, (a, b) in enumerate(zip(blocks, stored, strict=True)) if a != b]
                if not wrong:
                    return
                verified, start = wrong[0], wrong[0]
                error = VerifyError(uid, f"block {first + wrong[0]} reads back different data",
                                    first + wrong[0])
            except TagLockedError:
                raise
            except TagWriteError as exc:
                answered = True
                if exc.block is not None and first <= exc.block < first + len(blocks):
                    start = exc.block - first
                error = exc
            except TagLeftError as exc:
                answered = True
                error = exc
            except (TagNotPresentError, TagRfError) as exc:
                error = exc
            log.info("tag write retry", extra={"fields": {
                "uid": uid_hex(uid), "attempt": attempt + 1, "error": str(error)}})
        assert error is not None
        if isinstance(error, TagNotPresentError):
            if answered:
                raise TagLeftError(uid, f"left the field during the write; {verified} of "
                                        f"{len(blocks)} blocks verified", verified) from error
            raise error
        raise error

    async def write_afi(self, uid: bytes, afi: int, *, verify: bool = True,
                        retries: int | None = None) -> None:
        """Write the AFI and read it back (system information)."""
        if not 0 <= afi <= 0xFF:
            raise ValueError(f"AFI {afi} is not a byte")
        attempts = 1 + (self.write_retries if retries is None else retries)
        error: TagError | None = None
        answered = False
        for _ in range(attempts):
            try:
                await self._guarded(lambda: self._write_afi(uid, afi))
                answered = True
                if not verify:
                    return
                info = await self.system_info(uid)
                if info.afi == afi:
                    return
                error = VerifyError(uid, f"AFI reads back {info.afi:02X}, {afi:02X} was written"
                                    if info.afi is not None else "the tag does not report its AFI")
            except TagLockedError:
                raise
            except (TagWriteError, TagLeftError) as exc:
                answered = True
                error = exc
            except (TagNotPresentError, TagRfError) as exc:
                error = exc
        assert error is not None
        if isinstance(error, TagNotPresentError) and answered:
            raise TagLeftError(uid, "left the field before the AFI was verified") from error
        raise error

    async def lock_blocks(self, uid: bytes, first: int, count: int) -> None:
        """Lock blocks permanently (cannot be undone)."""
        await self._guarded(lambda: self._lock(uid, first, count))

    async def set_eas(self, uid: bytes) -> None:
        """Arm the NXP EAS bit (gates alarm)."""
        await self._guarded(lambda: self._eas(uid, True))

    async def reset_eas(self, uid: bytes) -> None:
        await self._guarded(lambda: self._eas(uid, False))

    async def eas_alarm(self) -> bool:
        """Whether any tag with EAS armed is in the field."""
        return await self._guarded(self._eas_alarm)


def connection_error(error: BaseException, url: str) -> TransportError:
    """Wrap an OS-level failure as a transient transport error."""
    return TransportError(f"{url}: {error}")
