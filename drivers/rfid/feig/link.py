"""The FEIG serial link: pyserial, used only from the driver's own worker
thread (every method here blocks). Serial ports and ``socket://host:port``
(readers on a LAN) go through :func:`serial.serial_for_url` alike.

One exchange = flush stale input, write the request, read one reply frame
(its length comes from its first bytes). A reply that never comes raises
:class:`ReaderTimeoutError`; a broken frame raises a
:class:`~drivers.rfid.errors.FrameError`; a port that fails or closes
raises :class:`TransportError` (the link is lost).
"""

from __future__ import annotations

import os
import select
import time

import serial

from ..errors import LengthError, ReaderError, ReaderTimeoutError, TransportError
from . import frames

PARITIES = {"E": serial.PARITY_EVEN, "N": serial.PARITY_NONE, "O": serial.PARITY_ODD}


class SerialLink:
    def __init__(self, port: str, baud: int, parity: str = "E", timeout_s: float = 1.5) -> None:
        self.port = port
        self.baud = baud
        self.parity = parity
        self.timeout_s = timeout_s
        self._serial: serial.Serial | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None and self._serial.is_open

    def open(self) -> None:
        parity = self.parity
        if "://" not in self.port and os.path.realpath(self.port).startswith("/dev/pts/"):
            parity = "N"  # a pty (virtual serial cable) has no parity; Linux refuses to set it
        try:
            self._serial = serial.serial_for_url(
                self.port, baudrate=self.baud, parity=PARITIES[parity],
                bytesize=serial.EIGHTBITS, stopbits=serial.STOPBITS_ONE, timeout=self.timeout_s,
                write_timeout=self.timeout_s, exclusive=True if "://" not in self.port else None)
        except (serial.SerialException, OSError, ValueError) as exc:
            self._serial = None
            raise TransportError(f"{self.port}: cannot open: {exc}") from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # closing a port that is already gone

    def set_baud(self, baud: int) -> None:
        self.baud = baud
        port = self._require()
        try:
            port.baudrate = baud
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.port}: cannot set {baud} baud: {exc}") from exc

    def _require(self) -> serial.Serial:
        if self._serial is None:
            raise TransportError(f"{self.port}: not open")
        return self._serial

    def exchange(self, request: bytes, timeout_s: float | None = None) -> bytes:
        """Send ``request``; return the raw reply frame."""
        port = self._require()
        try:
            if port.in_waiting:
                port.reset_input_buffer()
            port.write(request)
            return self._read_frame(port, timeout_s or self.timeout_s)
        except ReaderError:
            raise
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"{self.port}: {exc}") from exc

    def _read_exact(self, port: serial.Serial, count: int, deadline: float) -> bytes:
        data = b""
        while len(data) < count:
            if time.monotonic() > deadline:
                break
            chunk = port.read(count - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def _read_frame(self, port: serial.Serial, timeout_s: float) -> bytes:
        deadline = time.monotonic() + timeout_s
        first = port.read(1)
        if not first:
            raise ReaderTimeoutError(f"{self.port}: no reply within {timeout_s:g} s")
        head = first
        if first[0] == frames.STX:
            head += self._read_exact(port, 2, deadline)
        size = frames.frame_length(head)
        if size is None:
            raise LengthError(len(head), "reply ends inside its length field")
        rest = self._read_exact(port, size - len(head), deadline)
        raw = head + rest
        if len(raw) < size:
            raise LengthError(len(raw), f"reply ends after {len(raw)} of {size} bytes")
        return raw

    def drain_silence(self, gap_s: float = 0.015, limit_s: float = 0.5) -> None:
        """Read and drop bytes until the line has been quiet for ``gap_s``
        (how a FEIG host resynchronises after a broken frame)."""
        port = self._require()
        deadline = time.monotonic() + limit_s
        try:
            fd = port.fileno()
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], gap_s)
                if not ready:
                    break
                # readable with nothing waiting means the other end hung up:
                # read() then raises, which is what we want
                port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.port}: {exc}") from exc
