"""An MQTT v5 connection driven by the process's asyncio loop.

paho-mqtt 2.x does the protocol; its socket is watched with
``loop.add_reader`` / ``add_writer`` (paho's external-loop callbacks), so no
network thread runs. Only the blocking part of connecting (TCP connect and
TLS handshake) runs in a worker thread.

One :class:`MqttConnection` is one network connection: when it is lost,
build a new one (the caller owns reconnection, backoff and what to resend;
paho never re-sends old in-flight messages on its own this way).
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from edge.mqtt.errors import ConnectFailedError, ConnectionLostError

log = logging.getLogger(__name__)

#: Packets read per wake-up of the socket, at most.
READ_BURST = 1000


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    client_id: str
    username: str | None = None
    password: str | None = None
    tls: ssl.SSLContext | None = None
    keepalive_s: int = 30
    connect_timeout_s: float = 10.0
    #: False keeps the session (subscriptions, queued messages) across connections.
    clean_start: bool = True
    #: How long the broker keeps the session after a disconnect (MQTT v5).
    session_expiry_s: int = 0
    #: How many QoS 1 messages the broker may send us before our PUBACKs.
    receive_maximum: int | None = None
    will: Will | None = None


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    mid: int
    response_topic: str | None = None
    correlation_data: bytes | None = None
    user_properties: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class _CoalescingClient(paho.Client):
    """paho's client writing into a buffer that :class:`MqttConnection`
    flushes once per turn of the loop: a burst of publishes or
    acknowledgements becomes one TLS record and one system call instead of
    one per packet (paho writes packet by packet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbuf = bytearray()

    def _sock_send(self, buf: bytes | bytearray) -> int:
        if self._sock is None:
            raise ConnectionError("self._sock is None")
        self.outbuf += buf
        return len(buf)


def _message(msg: paho.MQTTMessage) -> Message:
    props = getattr(msg, "properties", None)
    response = getattr(props, "ResponseTopic", None) if props is not None else None
    correlation = getattr(props, "CorrelationData", None) if props is not None else None
    user = getattr(props, "UserProperty", None) if props is not None else None
    return Message(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain), msg.mid,
                   response, bytes(correlation) if correlation is not None else None,
                   tuple(user or ()))


def _properties(packet_type: int) -> Properties:
    return Properties(packet_type)  # type: ignore[no-untyped-call]


def _code(reason: ReasonCode | int) -> int:
    return reason.value if isinstance(reason, ReasonCode) else int(reason)


class MqttConnection:
    """A connected MQTT v5 client. Build it with :meth:`open`.

    ``on_message`` is called on the loop for every message received (with
    ``manual_ack``, QoS 1 messages are acknowledged only by :meth:`ack`, e.g.
    after they are stored). ``publish`` returns a future that resolves with
    the broker's PUBACK reason code (0 = accepted, >= 0x80 = refused).
    """

    def __init__(self, settings: Settings, on_message: Callable[[Message], None] | None,
                 manual_ack: bool, max_inflight: int) -> None:
        self.settings = settings
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._on_message = on_message
        self._client = _CoalescingClient(CallbackAPIVersion.VERSION2,
                                         client_id=settings.client_id, protocol=paho.MQTTv5,
                                         manual_ack=manual_ack)
        self._client.max_inflight_messages_set(max_inflight)
        self._client.max_queued_messages_set(0)
        if settings.username is not None:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls is not None:
            self._client.tls_set_context(settings.tls)
        if settings.will is not None:
            w = settings.will
            self._client.will_set(w.topic, w.payload, qos=w.qos, retain=w.retain)
        self._client.on_connect = self._handle_connect
        self._client.on_disconnect = self._handle_disconnect
        self._client.on_publish = self._handle_publish
        self._client.on_subscribe = self._handle_subscribe
        self._client.on_message = self._handle_message
        self._client.on_socket_open = self._socket_open
        self._client.on_socket_close = self._socket_close
        self._client.on_socket_register_write = self._register_write
        self._client.on_socket_unregister_write = self._unregister_write
        self._connack: asyncio.Future[tuple[int, Properties | None]] = self._loop.create_future()
        self.closed: asyncio.Future[str] = self._loop.create_future()
        #: Message id -> what to call with the PUBACK's reason code (or the error).
        self._publishes: dict[int, Callable[[int | BaseException], None]] = {}
        self._subscribes: dict[int, asyncio.Future[list[int]]] = {}
        self._sock: socket.socket | None = None
        self._misc: asyncio.TimerHandle | None = None
        #: What the broker allows in flight towards it (CONNACK Receive Maximum).
        self.server_receive_maximum = 65535
        #: The broker kept our session (subscriptions, queued messages).
        self.session_present = False
        self._reading_paused = False

    # -------------------------------------------------------------- opening

    @classmethod
    async def open(cls, settings: Settings, *, on_message: Callable[[Message], None] | None = None,
                   manual_ack: bool = False, max_inflight: int = 100) -> MqttConnection:
        conn = cls(settings, on_message, manual_ack, max_inflight)
        await conn._connect()
        return conn

    async def _connect(self) -> None:
        s = self.settings
        props = _properties(PacketTypes.CONNECT)
        if s.session_expiry_s:
            props.SessionExpiryInterval = s.session_expiry_s
        if s.receive_maximum:
            props.ReceiveMaximum = s.receive_maximum
        self._client.connect_timeout = s.connect_timeout_s
        try:
            async with asyncio.timeout(s.connect_timeout_s):
                await asyncio.to_thread(self._client.connect, s.host, s.port, s.keepalive_s,
                                        "", 0, s.clean_start, props)
                code, connack_props = await self._connack
        except (OSError, ssl.SSLError, TimeoutError) as exc:
            self._teardown()
            what = "timed out" if isinstance(exc, TimeoutError) else str(exc)
            raise ConnectFailedError(f"{s.host}:{s.port}: {what}") from exc
        except ConnectFailedError:
            self._teardown()
            raise
        if connack_props is not None:
            self.server_receive_maximum = getattr(connack_props, "ReceiveMaximum", 65535)
        log.debug("connected", extra={"fields": {"host": s.host, "port": s.port,
                                                 "client_id": s.client_id, "code": code}})

    # ------------------------------------------------------ socket plumbing

    def _socket_open(self, _client: paho.Client, _userdata: Any, sock: Any) -> None:
        # Called from the worker thread inside connect().
        self._loop.call_soon_threadsafe(self._watch, sock)

    def _watch(self, sock: socket.socket) -> None:
        if self.closed.done():  # gave up waiting while the thread was connecting
            sock.close()
            return
        self._sock = sock
        try:  # writes are coalesced here already; Nagle would only delay them
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            log.debug("TCP_NODELAY not set", exc_info=True)
        self._loop.add_reader(sock, self._readable)
        if self._client.want_write():
            self._loop.add_writer(sock, self._writable)
        self._misc = self._loop.call_later(1.0, self._tick)

    def _socket_close(self, _client: paho.Client, _userdata: Any, sock: Any) -> None:
        if self._loop.is_closed():  # paho's __del__, after the loop is gone
            return
        if threading.get_ident() == self._loop_thread and self._sock is sock:
            self._flush(final=True)  # e.g. the DISCONNECT paho just wrote
        if threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self._unwatch, sock)
        else:
            self._unwatch(sock)

    def _unwatch(self, sock: Any) -> None:
        try:
            self._loop.remove_reader(sock)
            self._loop.remove_writer(sock)
        except (ValueError, OSError):  # already closed
            return

    def _register_write(self, _client: paho.Client, _userdata: Any, sock: Any) -> None:
        if self._loop.is_closed():
            return
        if threading.get_ident() != self._loop_thread:  # inside connect()'s worker thread
            self._loop.call_soon_threadsafe(self._late_writer, sock)
        elif sock is not None and self._sock is sock:
            self._loop.add_writer(self._sock, self._writable)

    def _late_writer(self, sock: socket.socket) -> None:
        if self._sock is sock and not self.closed.done():
            self._loop.add_writer(sock, self._writable)

    def _unregister_write(self, _client: paho.Client, _userdata: Any, sock: Any) -> None:
        if threading.get_ident() != self._loop_thread:
            return  # never registered from there (see _register_write)
        if sock is not None and self._sock is sock:
            self._loop.remove_writer(self._sock)

    def _readable(self) -> None:
        # paho reads as many packets per call as it has messages in flight,
        # so a subscriber would get one packet per wake-up of the loop. Read
        # on while something is there: decrypted bytes TLS holds (which the
        # socket no longer signals) or bytes in the kernel's buffer.
        sock = self._sock
        for _ in range(READ_BURST):
            self._client.loop_read()
            if sock is None or self._sock is not sock or self._reading_paused:
                return
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                continue
            ready, _, _ = select.select([sock], [], [], 0)
            if not ready:
                return

    def _writable(self) -> None:
        self._client.loop_write()
        self._flush()

    def _flush(self, final: bool = False) -> None:
        """Send what paho wrote into the buffer; keep watching for
        writability while some of it is left."""
        buf = self._client.outbuf
        sock = self._sock
        if not buf or sock is None:
            return
        try:
            sent = sock.send(buf)
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
            sent = 0
        except OSError as exc:
            buf.clear()
            if not final:
                log.debug("write failed: %s", exc)
                self._teardown()
            return
        del buf[:sent]
        if final:
            return
        if buf:
            self._loop.add_writer(sock, self._writable)
        elif not self._client.want_write():
            self._loop.remove_writer(sock)

    def _tick(self) -> None:
        if self.closed.done():
            return
        self._client.loop_misc()
        self._misc = self._loop.call_later(1.0, self._tick)

    # ---------------------------------------------------------- callbacks

    def _handle_connect(self, _c: paho.Client, _u: Any, flags: Any, reason: ReasonCode,
                        props: Properties | None) -> None:
        if self._connack.done():
            return
        self.session_present = bool(getattr(flags, "session_present", False))
        code = _code(reason)
        if code >= 0x80:
            self._connack.set_exception(ConnectFailedError(
                f"{self.settings.host}:{self.settings.port}: broker refused: {reason}", code))
        else:
            self._connack.set_result((code, props))

    def _handle_disconnect(self, _c: paho.Client, _u: Any, _flags: Any, reason: ReasonCode,
                           _props: Properties | None) -> None:
        self._fail_all(f"disconnected: {reason}")

    def _fail_all(self, why: str) -> None:
        if not self._connack.done():
            self._connack.set_exception(ConnectFailedError(
                f"{self.settings.host}:{self.settings.port}: {why}"))
            # Nobody may be waiting any more (connecting gave up first):
            # not an error to report when the future is collected.
            self._connack.exception()
        lost = ConnectionLostError(why)
        for callback in self._publishes.values():
            callback(lost)
        for sub in self._subscribes.values():
            if not sub.done():
                sub.set_exception(ConnectionLostError(why))
        self._publishes.clear()
        self._subscribes.clear()
        if not self.closed.done():
            self.closed.set_result(why)
        if self._misc is not None:
            self._misc.cancel()
        if self._sock is not None:
            self._unwatch(self._sock)
            self._sock = None

    def _handle_publish(self, _c: paho.Client, _u: Any, mid: int, reason: ReasonCode,
                        _props: Properties | None) -> None:
        callback = self._publishes.pop(mid, None)
        if callback is not None:
            callback(_code(reason))

    def _handle_subscribe(self, _c: paho.Client, _u: Any, mid: int,
                          reasons: list[ReasonCode], _props: Properties | None) -> None:
        future = self._subscribes.pop(mid, None)
        if future is not None and not future.done():
            future.set_result([_code(r) for r in reasons])

    def _handle_message(self, _c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        if self._on_message is not None:
            self._on_message(_message(msg))

    # -------------------------------------------------------------- actions

    @property
    def connected(self) -> bool:
        return not self.closed.done() and self._client.is_connected()

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False,
                response_topic: str | None = None,
                correlation_data: bytes | None = None) -> asyncio.Future[int]:
        """Send a message; the future resolves with the PUBACK's reason code
        (QoS 1) or 0 once it is written (QoS 0), or fails with
        :class:`ConnectionLostError`."""
        future: asyncio.Future[int] = self._loop.create_future()

        def done(outcome: int | BaseException) -> None:
            if future.done():
                return
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

        self.publish_then(topic, payload, done, qos=qos, retain=retain,
                          response_topic=response_topic, correlation_data=correlation_data)
        return future

    def publish_then(self, topic: str, payload: bytes,
                     done: Callable[[int | BaseException], None], *, qos: int = 1,
                     retain: bool = False, response_topic: str | None = None,
                     correlation_data: bytes | None = None) -> None:
        """Like :meth:`publish`, calling ``done`` (on the loop, from the
        network callback) instead of resolving a future: no future and no
        extra loop turn per message, for the agent's drain."""
        if self.closed.done():
            done(ConnectionLostError(self.closed.result()))
            return
        props = None
        if response_topic is not None or correlation_data is not None:
            props = _properties(PacketTypes.PUBLISH)
            if response_topic is not None:
                props.ResponseTopic = response_topic
            if correlation_data is not None:
                props.CorrelationData = correlation_data
        info = self._client.publish(topic, payload, qos=qos, retain=retain, properties=props)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            done(ConnectionLostError(f"publish failed: {paho.error_string(info.rc)}"))
        elif qos == 0:
            done(0)
        else:
            self._publishes[info.mid] = done

    async def subscribe(self, *filters: str, qos: int = 1, no_local: bool = False) -> list[int]:
        """Subscribe; returns the SUBACK's reason codes (>= 0x80: refused)."""
        options = SubscribeOptions(qos=qos, noLocal=no_local)
        code, mid = self._client.subscribe([(f, options) for f in filters])
        if code != paho.MQTT_ERR_SUCCESS or mid is None:
            raise ConnectionLostError(f"subscribe failed: {paho.error_string(code)}")
        future: asyncio.Future[list[int]] = self._loop.create_future()
        self._subscribes[mid] = future
        return await future

    def pause_reading(self) -> None:
        """Stop reading from the socket (back-pressure: TCP and the broker hold
        what comes meanwhile)."""
        if self._sock is not None and not self._reading_paused:
            self._reading_paused = True
            self._loop.remove_reader(self._sock)

    def resume_reading(self) -> None:
        if self._sock is not None and self._reading_paused and not self.closed.done():
            self._reading_paused = False
            self._loop.add_reader(self._sock, self._readable)

    def ack(self, mid: int, qos: int = 1) -> None:
        """Acknowledge a received QoS 1 message (``manual_ack`` connections)."""
        if not self.closed.done():
            self._client.ack(mid, qos)

    async def close(self, timeout_s: float = 2.0) -> None:
        """Disconnect cleanly (DISCONNECT: the broker does not send the will)."""
        if self.closed.done():
            self._teardown()
            return
        self._client.disconnect()
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(self.closed)
        except TimeoutError:
            log.debug("no clean disconnect within %.1f s", timeout_s)
        self._teardown()

    def abort(self) -> None:
        """Drop the connection without DISCONNECT (the broker sends the will)."""
        self._teardown()

    def _teardown(self) -> None:
        sock = self._sock
        self._fail_all("closed")
        if sock is not None:
            try:
                sock.close()
            except OSError:
                log.debug("closing the socket failed", exc_info=True)
        # This connection is over: paho must not call back into it (its
        # __del__ closes sockets, possibly after the loop has closed).
        self._client.on_socket_open = None
        self._client.on_socket_close = None
        self._client.on_socket_register_write = None
        self._client.on_socket_unregister_write = None
