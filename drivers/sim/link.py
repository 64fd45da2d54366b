"""Byte-stream endpoints for reader emulators: the device end of a pty pair
(for serial readers; tests and the demo create the pair with socat) and a
TCP server (for readers on a LAN, ``feig+socket://``).

A request is cut from the stream by its length field; bytes of one frame
more than ``gap_s`` (12 ms, the FEIG limit) apart start over, as a real
reader resynchronises after silence. With a timing model on the pad the
answer waits for the air time the request would take.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import termios
import time
import tty
from collections.abc import Callable
from typing import Protocol

from drivers.rfid.errors import FrameError
from drivers.rfid.feig.frames import FrameSplitter

from .feig import FeigEmulator

log = logging.getLogger(__name__)

GAP_S = 0.012


class Emulator(Protocol):
    """What an endpoint needs from an emulator (FEIG's has these)."""

    pad: object

    def handle(self, raw: bytes) -> bytes | None: ...


class _Session:
    """Turns received bytes into requests and sends the emulator's replies."""

    def __init__(self, emulator: FeigEmulator, send: Callable[[bytes], object],
                 line_baud: Callable[[], int | None] | None = None) -> None:
        self.emulator = emulator
        self._send = send
        self._line_baud = line_baud
        self._splitter = FrameSplitter()
        self._last_byte = 0.0

    async def feed(self, data: bytes) -> None:
        now = time.monotonic()
        if self._splitter.pending and now - self._last_byte > GAP_S:
            self._splitter.reset()
        self._last_byte = now
        try:
            frames = self._splitter.feed(data)
        except FrameError:
            self._splitter.reset()
            return
        for raw in frames:
            await self._answer(raw)

    async def _answer(self, raw: bytes) -> None:
        emulator = self.emulator
        if self._line_baud is not None:
            baud = self._line_baud()
            if baud is not None and baud != emulator.baud:
                return  # at the wrong baud rate the reader sees only noise
        faults = emulator.faults
        if faults.silent:
            return  # a hung reader: nothing is processed
        reply = emulator.handle(raw)
        air = emulator.pad.take_air_time()
        if reply is None:
            return
        if faults.drop_replies > 0:
            faults.drop_replies -= 1
            return
        if faults.corrupt_replies > 0:
            faults.corrupt_replies -= 1
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        delay = air + faults.reply_delay_s
        if delay > 0:
            await asyncio.sleep(delay)
        if faults.byte_at_a_time:
            for i in range(len(reply)):
                await self._write(reply[i:i + 1])
                await asyncio.sleep(0.001)
        else:
            await self._write(reply)

    async def _write(self, data: bytes) -> None:
        result = self._send(data)
        if asyncio.iscoroutine(result):
            await result


def tty_baud(path: str) -> Callable[[], int | None]:
    """A probe of the baud rate the host set on its end of a pty pair
    (Linux keeps termios per tty, so any descriptor on it shows the host's
    setting; parity cannot be probed: ptys force 8N1)."""
    speeds = {getattr(termios, f"B{b}"): b for b in
              (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)}

    def probe() -> int | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            return speeds.get(termios.tcgetattr(fd)[5])
        finally:
            os.close(fd)

    return probe


class PtyEndpoint:
    """The emulator on the device end of a pty pair. :meth:`close` is the
    cable being pulled: the pty closes and socat ends the pair."""

    def __init__(self, emulator: FeigEmulator, path: str, host_path: str | None = None) -> None:
        self.emulator = emulator
        self.path = path
        self._fd = -1
        self._session = _Session(emulator, self._send,
                                 tty_baud(host_path) if host_path else None)
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> PtyEndpoint:
        self._fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self._fd)
        loop = asyncio.get_running_loop()
        loop.add_reader(self._fd, self._readable)
        self._task = asyncio.create_task(self._run(), name=f"feig-emulator {self.path}")
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
        self._queue.put_nowait(data)

    async def _run(self) -> None:
        while (data := await self._queue.get()):
            await self._session.feed(data)

    async def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self._fd >= 0:
            try:
                sent = os.write(self._fd, view)
            except BlockingIOError:
                await asyncio.sleep(0.001)
                continue
            view = view[sent:]

    async def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class TcpEndpoint:
    """The emulator as a reader on the LAN (one TCP server; each connection
    talks to the same reader). :meth:`drop_connections` pulls the cable."""

    def __init__(self, emulator: FeigEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpEndpoint:
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"feig+socket://{self.host}:{self.port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)

        async def send(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        session = _Session(self.emulator, send)
        try:
            while data := await reader.read(4096):
                await session.feed(data)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def drop_connections(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self.drop_connections()
            await self._server.wait_closed()
            self._server = None
