"""An emulated microcontroller board: the firmware side of the same codec
(:mod:`.frames`, :mod:`.session`, :mod:`.messages`), acting as a book drop's
sorter board, on the device end of a pty pair (tests, the demo) so the Pi
side under test is :class:`~firmware_bridge.link.McuLink` over pyserial,
exactly as on a device.

The board has a chute with a slot sensor (input 0), ``bins`` bins each with
a full sensor (inputs 1..bins), outputs (lights, buzzer, conveyor) and a
sorter that carries the item in the chute to a bin in ``sort_time_s``.

Faults a test switches on: a hung board (``silent``), bytes corrupted on
the way in or out (seeded, so a run repeats), the next sorts jamming, a
reboot (the board forgets everything and sends RESET).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import tty
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import MessageError
from .messages import (
    Fault,
    Hello,
    Info,
    InputChanged,
    Inputs,
    Message,
    Ping,
    Pong,
    QueryInputs,
    SetOutput,
    Sort,
    SortDone,
    SortStatus,
    decode_message,
    encode_message,
)
from .session import Received, Session

log = logging.getLogger(__name__)

SLOT = 0


@dataclass
class BoardFaults:
    #: A hung board: reads nothing, answers nothing.
    silent: bool = False
    #: Probability that a chunk of bytes received / sent has one byte flipped.
    corrupt_rx: float = 0.0
    corrupt_tx: float = 0.0
    #: The next n sorts jam.
    jam: int = 0


@dataclass
class SortRecord:
    cookie: int
    bin: int
    status: SortStatus


@dataclass
class BookdropBoard:
    """The emulated firmware. ``write`` is set by the port it runs on."""

    bins: int = 3
    #: Items a bin holds before its full sensor trips (None: never).
    bin_capacity: int | None = None
    sort_time_s: float = 0.02
    outputs: int = 4
    firmware: str = "smartlib-sim 1.0"
    board: str = "emulated RP2040 book-drop sorter"
    seed: int = 2040
    #: Refuse a Sort when the slot sensor saw no item (a real chute does).
    require_item: bool = False
    faults: BoardFaults = field(default_factory=BoardFaults)

    def __post_init__(self) -> None:
        self.session = Session(ack_timeout_s=0.1, attempts=5)
        self.inputs = [False] * (1 + self.bins)
        self.output_state = [False] * self.outputs
        self.counts = [0] * self.bins
        self.sorted: list[SortRecord] = []
        #: Every message received from the Pi, in order.
        self.received: list[Message] = []
        self.write: Callable[[bytes], None] | None = None
        #: Called when an item reaches a bin (the demo takes the book off the pad).
        self.on_sorted: Callable[[SortRecord], None] | None = None
        self._rng = random.Random(self.seed)
        self._started = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self.boots = 0

    # ------------------------------------------------------------ life cycle

    def start(self, write: Callable[[bytes], None]) -> None:
        """Power on: send RESET, then serve."""
        self.write = write
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        self._task = loop.create_task(self._pump(), name="board emulator")
        self.reboot()

    def reboot(self) -> None:
        """The firmware restarts: state lost, RESET sent (numbers restart at 0)."""
        loop = asyncio.get_running_loop()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.boots += 1
        self.session = Session(ack_timeout_s=0.1, attempts=5)
        self.session.reset(loop.time())
        self.output_state = [False] * self.outputs
        self._wake.set()

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def ticks_ms(self) -> int:
        return int((asyncio.get_running_loop().time() - self._started) * 1000) & 0xFFFFFFFF

    # ---------------------------------------------------------------- bytes

    def _corrupt(self, data: bytes, rate: float) -> bytes:
        if rate <= 0 or not data or self._rng.random() >= rate:
            return data
        i = self._rng.randrange(len(data))
        return data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:]

    def receive(self, data: bytes) -> None:
        """Bytes from the Pi."""
        if self.faults.silent:
            return
        data = self._corrupt(data, self.faults.corrupt_rx)
        now = asyncio.get_running_loop().time()
        for event in self.session.feed(data, now):
            if isinstance(event, Received):
                try:
                    message = decode_message(event.msg_type, event.payload)
                except MessageError as exc:
                    self._send(Fault(0xFE, str(exc)[:100]))
                    continue
                self.received.append(message)
                self._handle(message)
        self._wake.set()

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            deadline = self.session.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            self.session.tick(loop.time())
            out = self.session.take_output()
            if out and not self.faults.silent and self.write is not None:
                self.write(self._corrupt(out, self.faults.corrupt_tx))

    def _send(self, message: Message) -> None:
        msg_type, payload = encode_message(message)
        self.session.send(msg_type, payload, asyncio.get_running_loop().time())
        self._wake.set()

    def _later(self, delay_s: float, action: Callable[[], None]) -> None:
        self._timers.append(asyncio.get_running_loop().call_later(delay_s, action))

    # ------------------------------------------------------------- firmware

    def _handle(self, message: Message) -> None:
        if isinstance(message, Hello):
            self._send(Info(1, len(self.inputs), self.outputs, self.bins, self.firmware,
                            self.board))
        elif isinstance(message, Ping):
            self._send(Pong(message.token))
        elif isinstance(message, QueryInputs):
            self._send(Inputs(sum(1 << i for i, on in enumerate(self.inputs) if on)))
        elif isinstance(message, SetOutput):
            self._set_output(message)
        elif isinstance(message, Sort):
            self._sort(message)

    def _set_output(self, message: SetOutput) -> None:
        if message.channel >= self.outputs:
            self._send(Fault(0x01, f"no output {message.channel}"))
            return
        self.output_state[message.channel] = message.on
        if message.on and message.duration_ms:
            def off(channel: int = message.channel) -> None:
                self.output_state[channel] = False
            self._later(message.duration_ms / 1000, off)

    def _sort(self, message: Sort) -> None:
        def done(status: SortStatus) -> None:
            record = SortRecord(message.cookie, message.bin, status)
            self.sorted.append(record)
            if status is SortStatus.OK and self.on_sorted is not None:
                self.on_sorted(record)
            self._send(SortDone(message.cookie, message.bin, status))

        if message.bin >= self.bins:
            done(SortStatus.NO_SUCH_BIN)
        elif self.inputs[1 + message.bin]:
            done(SortStatus.BIN_FULL)
        elif self.require_item and not self.inputs[SLOT]:
            done(SortStatus.NO_ITEM)
        elif self.faults.jam > 0:
            self.faults.jam -= 1
            self._later(self.sort_time_s, lambda: done(SortStatus.JAM))
        else:
            def arrive() -> None:
                self.counts[message.bin] += 1
                self.set_input(SLOT, False)
                done(SortStatus.OK)
                if self.bin_capacity is not None and self.counts[message.bin] >= \
                        self.bin_capacity:
                    self.set_input(1 + message.bin, True)
            self._later(self.sort_time_s, arrive)

    # ------------------------------------------------- the world around it

    def set_input(self, channel: int, active: bool) -> None:
        if self.inputs[channel] == active:
            return
        self.inputs[channel] = active
        self._send(InputChanged(channel, active, self.ticks_ms()))

    def insert_item(self) -> None:
        """A book falls into the chute: the slot sensor sees it."""
        self.set_input(SLOT, True)

    def empty_bin(self, index: int) -> None:
        """Staff empty a bin: its full sensor clears."""
        self.counts[index] = 0
        self.set_input(1 + index, False)

    def fault(self, code: int, text: str) -> None:
        self._send(Fault(code, text))


class PtyBoard:
    """A :class:`BookdropBoard` on the device end of a pty pair. :meth:`close`
    is the USB cable being pulled."""

    def __init__(self, board: BookdropBoard, path: str) -> None:
        self.board = board
        self.path = path
        self._fd = -1

    async def start(self) -> PtyBoard:
        self._fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self._fd)
        asyncio.get_running_loop().add_reader(self._fd, self._readable)
        self.board.start(self._write)
        return self

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._fd)
            return
        self.board.receive(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self._fd >= 0:
            try:
                view = view[os.write(self._fd, view):]
            except BlockingIOError:
                # the pty buffer is full (nobody reading): a UART would drop it too
                log.debug("pty full; %d bytes dropped", len(view))
                return
            except OSError:
                return

    async def close(self) -> None:
        await self.board.stop()
        if self._fd >= 0:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1
