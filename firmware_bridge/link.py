"""The Pi's end of the link to a microcontroller board: the pure codec
(:mod:`.frames`, :mod:`.session`, :mod:`.messages`) over pyserial.

pyserial blocks, so a reader thread does nothing but read and hand the bytes
to the loop (``call_soon_threadsafe``); writes go through one worker thread.
Everything else (the session's state, timers, acknowledgements, messages)
lives on the asyncio loop.

Opening: the port opens, a RESET is acknowledged, :class:`Hello` is answered
with :class:`Info` (kept in :attr:`McuLink.info`). Then the link pings the
board when it has been quiet for ``ping_interval_s``, so a hung board is
noticed before the next book needs it. When the port goes away (USB cable
pulled), a frame is never acknowledged, or a ping goes unanswered, the state
turns ``disconnected``, pending sends fail with a :class:`LinkError`, and a
background task reopens the port with back-off. A board that reboots by
itself (it sends RESET) is greeted again and reported to subscribers as
:class:`BoardRestarted`.

URLs are pyserial's: ``/dev/ttyACM0``, ``/dev/serial/by-id/...``,
``socket://host:port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import serial

from .errors import BridgeTimeoutError, LinkError, MessageError, NoAckError
from .messages import Hello, Info, Message, Ping, Pong, decode_message, encode_message
from .session import Acknowledged, Dropped, Failed, PeerReset, Received, Session, SessionEvent

log = logging.getLogger(__name__)


class LinkState(enum.StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class BoardRestarted:
    """The board rebooted by itself (it sent RESET): anything it was doing,
    a sort in progress, is gone."""


LinkEvent = Message | BoardRestarted


@dataclass(frozen=True)
class LinkOptions:
    baud: int = 115200
    ack_timeout_s: float = 0.1
    attempts: int = 5
    #: How long an answer (Info after Hello, Pong after Ping) may take.
    reply_timeout_s: float = 2.0
    #: Ping the board after this long without traffic (0: never).
    ping_interval_s: float = 5.0
    reconnect_max_s: float = 5.0


class Subscription:
    """Messages from the board (and :class:`BoardRestarted`), from the
    moment of subscribing; iterate it, ``close()`` it when done."""

    def __init__(self, link: McuLink) -> None:
        self._link = link
        self._queue: asyncio.Queue[LinkEvent] = asyncio.Queue()
        link._subscribers.append(self._queue)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> LinkEvent:
        return await self._queue.get()

    async def get(self, timeout_s: float | None = None) -> LinkEvent:
        async with asyncio.timeout(timeout_s):
            return await self._queue.get()

    def close(self) -> None:
        with contextlib.suppress(ValueError):
            self._link._subscribers.remove(self._queue)


class McuLink:
    def __init__(self, url: str, options: LinkOptions | None = None) -> None:
        self.url = url
        self.options = options or LinkOptions()
        self.info: Info | None = None
        self.last_error: LinkError | None = None
        self._state = LinkState.CLOSED
        self._listeners: list[Callable[[LinkState], None]] = []
        self._subscribers: list[asyncio.Queue[LinkEvent]] = []
        self._session = self._new_session()
        self._serial: Any = None
        self._reader: threading.Thread | None = None
        self._stop_reading = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._tickets: dict[int, asyncio.Future[None]] = {}
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task[None] | None = None
        self._reconnect_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._last_traffic = 0.0
        self._tokens = itertools.count(1)
        self._generation = 0

    def _new_session(self) -> Session:
        return Session(ack_timeout_s=self.options.ack_timeout_s, attempts=self.options.attempts)

    # -------------------------------------------------------------- state

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def stats(self) -> Any:
        return self._session.stats

    def add_state_listener(self, listener: Callable[[LinkState], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _set_state(self, state: LinkState) -> None:
        if state is self._state:
            return
        log.info("board link state", extra={"fields": {"url": self.url, "state": state.value}})
        self._state = state
        for listener in list(self._listeners):
            listener(state)

    async def wait_state(self, state: LinkState, timeout_s: float) -> None:
        if self._state is state:
            return
        reached = asyncio.Event()
        remove = self.add_state_listener(lambda s: reached.set() if s is state else None)
        try:
            async with asyncio.timeout(timeout_s):
                await reached.wait()
        finally:
            remove()

    def subscribe(self) -> Subscription:
        return Subscription(self)

    # ----------------------------------------------------------- open/close

    async def open(self) -> None:
        """Open the port and greet the board; :class:`LinkError` if either fails."""
        self._set_state(LinkState.CONNECTING)
        if self._pump_task is None:
            self._pump_task = asyncio.create_task(self._pump(), name=f"mcu {self.url}")
        try:
            await self._connect()
        except LinkError as exc:
            self.last_error = exc
            await self._shutdown()
            self._set_state(LinkState.DISCONNECTED)
            raise
        self._set_state(LinkState.CONNECTED)

    async def close(self) -> None:
        await self._shutdown()
        self._set_state(LinkState.CLOSED)

    async def _shutdown(self) -> None:
        tasks = [self._reconnect_task, self._pump_task, *self._background]
        for task in tasks:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._reconnect_task = self._pump_task = None
        await self._disconnect()
        self._fail_all(LinkError(f"{self.url}: closed"))
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def __aenter__(self) -> McuLink:
        await self.open()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="mcu-write")
        try:
            self._serial = await loop.run_in_executor(self._executor, self._open_port)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"{self.url}: cannot open: {exc}") from exc
        self._generation += 1
        self._session = self._new_session()
        self._stop_reading = threading.Event()
        self._reader = threading.Thread(
            target=self._read_loop, args=(self._serial, self._stop_reading, loop,
                                          self._generation),
            name=f"mcu-read {self.url}", daemon=True)
        self._reader.start()
        ticket, _ = self._session.reset(loop.time())
        try:
            await self._wait_ticket(ticket)
            await self._greet()
        except NoAckError as exc:
            raise LinkError(f"{self.url}: the board does not answer ({exc})") from exc

    def _open_port(self) -> Any:
        return serial.serial_for_url(self.url, baudrate=self.options.baud, timeout=0.05,
                                     write_timeout=2.0,
                                     exclusive=True if "://" not in self.url else None)

    async def _greet(self) -> None:
        answer = await self.call(Hello(), lambda m: isinstance(m, Info), _connecting=True)
        assert isinstance(answer, Info)
        self.info = answer
        log.info("board", extra={"fields": {"url": self.url, "firmware": answer.firmware,
                                            "board": answer.board, "bins": answer.bins}})

    async def _disconnect(self) -> None:
        self._stop_reading.set()
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                await asyncio.get_running_loop().run_in_executor(self._executor, port.close)
        reader, self._reader = self._reader, None
        if reader is not None:
            await asyncio.to_thread(reader.join, 2.0)

    # ----------------------------------------------------------- threads

    def _read_loop(self, port: Any, stop: threading.Event, loop: asyncio.AbstractEventLoop,
                   generation: int) -> None:
        """Reader thread: bytes to the loop until stopped or the port fails."""
        while not stop.is_set():
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # pyserial raises TypeError/AttributeError when the port is
                # closed under a blocked read
                if not stop.is_set():
                    with contextlib.suppress(RuntimeError):
                        loop.call_soon_threadsafe(self._lost, generation,
                                                  LinkError(f"{self.url}: {exc}"))
                return
            if data:
                with contextlib.suppress(RuntimeError):  # the loop has closed
                    loop.call_soon_threadsafe(self._on_bytes, generation, data)

    async def _write(self, data: bytes) -> None:
        port = self._serial
        if port is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, port.write, data)
        except (serial.SerialException, OSError) as exc:
            self._lost(self._generation, LinkError(f"{self.url}: write failed: {exc}"))

    # ----------------------------------------------------------- the session

    def _on_bytes(self, generation: int, data: bytes) -> None:
        if generation != self._generation:
            return  # from a port already given up
        loop = asyncio.get_running_loop()
        self._last_traffic = loop.time()
        self._handle(self._session.feed(data, loop.time()))
        self._wake.set()

    def _handle(self, events: list[SessionEvent]) -> None:
        for event in events:
            if isinstance(event, Received):
                try:
                    message = decode_message(event.msg_type, event.payload)
                except MessageError as exc:
                    log.warning("board sent a malformed message",
                                extra={"fields": {"url": self.url, "error": str(exc)}})
                    continue
                self._publish(message)
            elif isinstance(event, Acknowledged):
                future = self._tickets.pop(event.ticket, None)
                if future is not None and not future.done():
                    future.set_result(None)
            elif isinstance(event, Failed):
                future = self._tickets.pop(event.ticket, None)
                error = NoAckError(f"{self.url}: no acknowledgement after {event.attempts} "
                                   f"attempts", event.attempts)
                if future is not None and not future.done():
                    future.set_exception(error)
                if self._state is LinkState.CONNECTED:
                    self._lost(self._generation, error)
            elif isinstance(event, PeerReset):
                if self._state is LinkState.CONNECTED:
                    log.warning("board restarted", extra={"fields": {"url": self.url}})
                    self._publish(BoardRestarted())
                    self._spawn(self._regreet())
            elif isinstance(event, Dropped):
                log.debug("frame dropped", extra={"fields": {"url": self.url,
                                                             "error": str(event.error)}})

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _publish(self, event: LinkEvent) -> None:
        for queue in list(self._subscribers):
            queue.put_nowait(event)

    async def _regreet(self) -> None:
        try:
            await self._greet()
        except LinkError as exc:
            self._lost(self._generation, exc)

    async def _pump(self) -> None:
        """Timers and writes: retransmissions, pings, the session's output."""
        loop = asyncio.get_running_loop()
        while True:
            deadline = self._session.next_deadline()
            if self._state is LinkState.CONNECTED and self.options.ping_interval_s > 0:
                ping_at = self._last_traffic + self.options.ping_interval_s
                deadline = ping_at if deadline is None else min(deadline, ping_at)
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            now = loop.time()
            self._handle(self._session.tick(now))
            if (self._state is LinkState.CONNECTED and self.options.ping_interval_s > 0
                    and now - self._last_traffic >= self.options.ping_interval_s
                    and not self._session.busy):
                self._last_traffic = now
                self._spawn(self._ping())
            out = self._session.take_output()
            if out:
                await self._write(out)

    async def _ping(self) -> None:
        token = next(self._tokens) & 0xFFFFFFFF
        try:
            await self.call(Ping(token), lambda m: isinstance(m, Pong) and m.token == token)
        except LinkError as exc:
            self._lost(self._generation, exc)

    def _lost(self, generation: int, error: LinkError) -> None:
        if generation != self._generation or self._state is not LinkState.CONNECTED:
            return
        log.warning("board link lost", extra={"fields": {"url": self.url, "error": str(error)}})
        self.last_error = error
        self._set_state(LinkState.DISCONNECTED)
        self._fail_all(error)
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = asyncio.create_task(self._reconnect(),
                                                       name=f"reconnect {self.url}")

    def _fail_all(self, error: LinkError) -> None:
        tickets, self._tickets = self._tickets, {}
        for future in tickets.values():
            if not future.done():
                future.set_exception(error)

    async def _reconnect(self) -> None:
        delay = 0.05
        while True:
            await self._disconnect()
            try:
                self._set_state(LinkState.CONNECTING)
                await self._connect()
            except LinkError as exc:
                self.last_error = exc
                self._set_state(LinkState.DISCONNECTED)
                log.debug("board reconnect failed", extra={"fields": {"url": self.url,
                                                                      "error": str(exc)}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.options.reconnect_max_s)
                continue
            self._set_state(LinkState.CONNECTED)
            return

    # ------------------------------------------------------------- sending

    def _require(self, connecting: bool) -> None:
        if self._state is LinkState.CONNECTED or connecting and self._serial is not None:
            return
        raise LinkError(f"{self.url}: the board is {self._state.value}"
                        + (f" ({self.last_error})" if self.last_error else ""))

    async def _wait_ticket(self, ticket: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tickets[ticket] = future
        self._wake.set()
        await future

    async def send(self, message: Message, *, _connecting: bool = False) -> None:
        """Send one message; returns when the board has acknowledged it.
        :class:`NoAckError` if it never does, :class:`LinkError` when the
        link is down."""
        self._require(_connecting)
        msg_type, payload = encode_message(message)
        loop = asyncio.get_running_loop()
        self._last_traffic = loop.time()
        ticket = self._session.send(msg_type, payload, loop.time())
        await self._wait_ticket(ticket)

    async def call(self, message: Message, answer: Callable[[LinkEvent], bool],
                   timeout_s: float | None = None, *, _connecting: bool = False) -> LinkEvent:
        """Send ``message`` and wait for the first message that ``answer``
        accepts (subscribed before sending, so a quick answer is not
        missed). :class:`BridgeTimeoutError` after ``timeout_s`` (default:
        the options' ``reply_timeout_s``)."""
        subscription = self.subscribe()
        try:
            await self.send(message, _connecting=_connecting)
            limit = self.options.reply_timeout_s if timeout_s is None else timeout_s
            try:
                async with asyncio.timeout(limit):
                    while True:
                        event = await subscription.get()
                        if answer(event):
                            return event
            except TimeoutError:
                raise BridgeTimeoutError(f"{self.url}: no answer to {type(message).__name__} "
                                         f"within {limit} s") from None
        finally:
            subscription.close()
