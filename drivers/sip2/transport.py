"""One TCP or TLS connection to a SIP2 ACS, split into messages.

A thin asyncio protocol around :class:`drivers.sip2.codec.Framer`: it writes
frames, queues the messages that arrive and says why the connection ended.
Requests, retries and sequence numbers belong to :mod:`drivers.sip2.client`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
from collections.abc import Callable
from pathlib import Path

from .codec import MAX_MESSAGE_BYTES, Framer
from .errors import Sip2ConnectionError, Sip2ProtocolError, Sip2TimeoutError

log = logging.getLogger(__name__)

#: ``trace("send" | "recv", frame)``: sees every frame (smartlib sip2 --trace).
Trace = Callable[[str, bytes], None]


def tls_context(*, verify: bool = True, ca_file: Path | str | None = None,
                client_cert: Path | str | None = None,
                client_key: Path | str | None = None) -> ssl.SSLContext:
    """A client TLS context: verification on unless ``verify`` is False,
    the system's CAs or ``ca_file``, and a client certificate if given."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    return context


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(Sip2TimeoutError("no answer from the ILS in time"))


class Connection(asyncio.Protocol):
    """The byte stream of one connection, as messages."""

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES,
                 trace: Trace | None = None) -> None:
        self._framer = Framer(max_message_bytes)
        self._frames: collections.deque[bytes | Sip2ProtocolError] = collections.deque()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._lost: Sip2ConnectionError | None = None
        self._trace = trace
        #: Bytes received since the last :meth:`send` (0: no answer started).
        self.received_since_send = 0

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self.received_since_send += len(data)
        frames = self._framer.feed(data)
        if self._framer.oversized:
            self._framer.oversized = 0
            self._frames.append(Sip2ProtocolError(
                f"message longer than {self._framer.max_bytes} bytes dropped"))
        if frames:
            if self._trace is not None:
                for frame in frames:
                    self._trace("recv", frame)
            self._frames.extend(frames)
        if self._frames:
            self._wake()

    def eof_received(self) -> bool | None:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f": {exc}" if exc else ""
        self._lost = Sip2ConnectionError(f"the ILS closed the connection{reason}")
        self._transport = None
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- use
    @property
    def closed(self) -> bool:
        return self._lost is not None or self._transport is None or \
            self._transport.is_closing()

    @property
    def peer(self) -> tuple[str, int] | None:
        if self._transport is None:
            return None
        peer = self._transport.get_extra_info("peername")
        return (str(peer[0]), int(peer[1])) if peer else None

    def send(self, frame: bytes) -> None:
        if self._transport is None or self._lost is not None:
            raise self._lost or Sip2ConnectionError("not connected")
        if self._trace is not None:
            self._trace("send", frame)
        self.received_since_send = 0
        self._transport.write(frame)

    def discard(self) -> None:
        """Forget frames received and not yet read (before a new request)."""
        self._frames.clear()

    async def receive(self, deadline: float) -> bytes | Sip2ProtocolError:
        """The next frame (or an oversize error); waits until ``deadline``
        (loop time). Raises Sip2TimeoutError or Sip2ConnectionError."""
        while not self._frames:
            if self._lost is not None:
                raise self._lost
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            # A plain timer: cheaper than asyncio.timeout_at on every request.
            timer = loop.call_at(deadline, _expire, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        return self._frames.popleft()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._lost is None:
            self._lost = Sip2ConnectionError("connection closed")


async def open_connection(host: str, port: int, *, timeout_s: float,
                          ssl_context: ssl.SSLContext | None = None,
                          server_name: str | None = None,
                          max_message_bytes: int = MAX_MESSAGE_BYTES,
                          trace: Trace | None = None) -> Connection:
    """Connect to ``host:port`` (TLS when ``ssl_context`` is given, with SNI
    ``server_name`` or ``host``)."""
    loop = asyncio.get_running_loop()
    connection = Connection(max_message_bytes, trace)
    try:
        async with asyncio.timeout(timeout_s):
            await loop.create_connection(
                lambda: connection, host, port, ssl=ssl_context,
                server_hostname=(server_name or host) if ssl_context else None)
    except TimeoutError:
        raise Sip2TimeoutError(f"could not connect to {host}:{port} in {timeout_s:g} s") from None
    except ssl.SSLError as exc:
        raise Sip2ConnectionError(f"TLS with {host}:{port} failed: {exc.reason or exc}") from exc
    except OSError as exc:
        raise Sip2ConnectionError(f"could not connect to {host}:{port}: "
                                  f"{exc.strerror or exc}") from exc
    log.debug("connected to %s:%s%s", host, port, " (TLS)" if ssl_context else "")
    return connection
