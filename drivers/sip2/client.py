"""The async SIP2 client (the SC side of 3M SIP2 2.00).

One request in flight per connection (:class:`Sip2Client`); a small pool for
callers that need more (:mod:`drivers.sip2.pool`). The client survives what
servers do in the field:

* an idle socket the server dropped: reconnect, log in again, resend once
  (the request never reached the ACS when no byte of an answer came back);
* 96 (request SC resend): resend the same bytes, at most ``retries`` times;
* a corrupt answer (bad checksum, garbage): ask 97 (request ACS resend), at
  most ``retries`` times;
* answers to an earlier request (wrong code or sequence number): skipped;
* no answer in time: :class:`Sip2TimeoutError`, and the connection is dropped
  so a late answer cannot be taken for the next one;
* the ACS's timeout period and retries from 98 are honoured.

Every call returns a typed result; a refusal is ``ok = False``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from . import requests
from .codec import decode, encode, encode_raw, split_trailer
from .errors import (
    Sip2ChecksumError,
    Sip2ConnectionError,
    Sip2Error,
    Sip2LoginError,
    Sip2ProtocolError,
    Sip2TimeoutError,
)
from .fields import SipDate
from .messages import SPECS, Message
from .results import (
    AcsStatus,
    CheckinResult,
    CheckoutResult,
    EndSessionResult,
    FeePaidResult,
    HoldResult,
    ItemInformationResult,
    ItemStatusUpdateResult,
    LoginResult,
    PatronInformationResult,
    PatronStatusResult,
    RenewAllResult,
    Sip2Result,
)
from .settings import Sip2Settings
from .transport import Connection, Trace, open_connection, tls_context

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Sip2Result)
Date = datetime | SipDate | None

#: Answers to skip (stale or unsolicited) before giving up on one request.
MAX_STALE_ANSWERS = 16
#: How long an answer with someone else's sequence number waits for ours.
STALE_GRACE_S = 0.3


class _DroppedBeforeAnswer(Exception):
    """The connection ended after our request and before any byte of an answer."""


class Sip2Client:
    """A connection to one ACS. Use ``async with Sip2Client(settings) as c``.

    ``clock`` gives the library's local time for transaction dates (default:
    this machine's). ``trace`` sees every frame sent and received.
    """

    def __init__(self, settings: Sip2Settings, *,
                 clock: Callable[[], datetime] = datetime.now,
                 trace: Trace | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._trace = trace
        self._ssl_context = ssl_context
        self._encoding = settings.resolved_encoding
        self._error_detection = settings.resolved_error_detection
        self._terminator = settings.resolved_terminator
        self.terminal = requests.Terminal(
            institution=settings.institution, terminal_password=settings.terminal_password,
            location=settings.location, language=settings.language,
            send_empty=settings.resolved_send_empty)
        self._connection: Connection | None = None
        self._lock = asyncio.Lock()
        self._sequence = -1
        self._last_used = 0.0
        self._keepalive: asyncio.Task[None] | None = None
        self._closing = False
        self._trust_sequence = True
        #: The last 98 received (None before the first SC status).
        self.acs_status: AcsStatus | None = None

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Sip2Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.closed

    async def connect(self) -> None:
        """Open the connection, log in (when a user is set) and ask SC status.

        Raises Sip2ConnectionError / Sip2TimeoutError (unreachable) or
        Sip2LoginError (credentials refused).
        """
        self._closing = False
        async with self._lock:
            await self._ensure_connected()
        if self.settings.keepalive_s and self._keepalive is None:
            self._keepalive = asyncio.create_task(self._keep_alive(), name="sip2-keepalive")

    async def close(self) -> None:
        self._closing = True
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _ensure_connected(self) -> None:
        if self.connected:
            return
        self._drop()
        s = self.settings
        context = self._ssl_context
        if s.tls and context is None:
            try:
                context = tls_context(verify=s.tls_verify, ca_file=s.ca_file,
                                      client_cert=s.client_cert, client_key=s.client_key)
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                error = Sip2ConnectionError(f"cannot set up TLS: {exc}")
                error.transient = False  # a certificate file problem: retrying will not help
                raise error from exc
        self._trust_sequence = True
        self._connection = await open_connection(
            s.host, s.port, timeout_s=s.connect_timeout_s or s.timeout_s,
            ssl_context=context if s.tls else None, server_name=s.server_name,
            max_message_bytes=s.max_message_bytes, trace=self._trace)
        try:
            if s.login_user is not None:
                answer = await self._exchange_once(
                    requests.login(s.login_user, s.login_password or "", s.location or None))
                if not answer.fixed.get("ok"):
                    raise Sip2LoginError(s.login_user)
            if s.sc_status_on_connect:
                self.acs_status = AcsStatus.from_message(
                    await self._exchange_once(requests.sc_status()))
        except _DroppedBeforeAnswer:
            self._drop()
            raise Sip2ConnectionError("the ILS closed the connection while logging in") from None
        except BaseException:
            self._drop()
            raise

    # ------------------------------------------------------------ exchange

    @property
    def timeout_s(self) -> float:
        """How long a request waits for its answer now."""
        s = self.settings
        acs = self.acs_status.timeout_s if self.acs_status and s.honour_acs_status else None
        return max(acs, s.min_timeout_s) if acs else s.timeout_s

    @property
    def retries(self) -> int:
        s = self.settings
        acs = self.acs_status.retries if self.acs_status and s.honour_acs_status else None
        return s.retries if acs is None else acs

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) % 10
        return self._sequence

    async def request(self, message: Message) -> Message:
        """Send ``message`` and return the ACS's answer to it (decoded)."""
        async with self._lock:
            return await self._request(message)

    async def _request(self, message: Message, frame: bytes | None = None) -> Message:
        for attempt in (1, 2):
            if not self.connected:
                await self._ensure_connected()
            try:
                return await self._exchange_once(message, frame)
            except _DroppedBeforeAnswer:
                self._drop()
                if attempt == 2:
                    raise Sip2ConnectionError(
                        "the ILS closed the connection twice before answering") from None
                log.info("the ILS dropped the connection; reconnecting to resend %s",
                         message.code)
        raise AssertionError("unreachable")

    async def _exchange_once(self, message: Message, frame: bytes | None = None) -> Message:
        connection = self._connection
        assert connection is not None
        spec = SPECS.get(message.code)
        expect = spec.response if spec else ""
        sequence = self._next_sequence()
        if frame is None:
            frame = encode(message, encoding=self._encoding,
                           error_detection=self._error_detection, sequence=sequence,
                           terminator=self._terminator)
        else:
            given = split_trailer(frame.rstrip(b"\r\n"))[1]
            sequence = sequence if given is None else given
        loop = asyncio.get_running_loop()
        deadline = wait_until = loop.time() + self.timeout_s
        retries, resends, corrupt, skipped = self.retries, 0, 0, 0
        #: An answer of the right kind whose AY is not ours: taken only if no
        #: better one comes within STALE_GRACE_S (some servers do not echo AY).
        candidate: Message | None = None
        try:
            connection.discard()
            connection.send(frame)
            while True:
                try:
                    item = await connection.receive(wait_until)
                except Sip2TimeoutError:
                    if candidate is None:
                        raise
                    log.warning("the ILS does not echo sequence numbers; ignoring them")
                    self._trust_sequence = False
                    self._last_used = loop.time()
                    return candidate
                except Sip2ConnectionError:
                    if connection.received_since_send == 0:
                        raise _DroppedBeforeAnswer from None
                    raise
                if isinstance(item, Sip2ProtocolError):
                    raise Sip2ProtocolError(item.reason, code=expect)
                try:
                    answer = decode(item, encoding=self._encoding, errors="replace")
                except Sip2ProtocolError as exc:
                    if not isinstance(exc, Sip2ChecksumError) and item[:2] != expect.encode():
                        skipped += 1  # line noise, not our answer
                        if skipped > MAX_STALE_ANSWERS:
                            raise
                        continue
                    if corrupt >= retries:
                        raise
                    corrupt += 1
                    log.warning("corrupt answer from the ILS (%s); asking it to resend", exc)
                    connection.send(encode(requests.request_acs_resend(),
                                           encoding=self._encoding, error_detection=True,
                                           terminator=self._terminator))
                    continue
                if answer.code == "96":
                    if resends >= retries:
                        raise Sip2ProtocolError(
                            f"the ILS asked {resends + 1} times to resend the message",
                            code=message.code)
                    resends += 1
                    connection.send(frame)
                    continue
                if expect and answer.code != expect:
                    skipped += 1
                    if skipped > MAX_STALE_ANSWERS:
                        raise Sip2ProtocolError("too many answers to other requests",
                                                code=expect)
                    log.debug("skipping answer %s while waiting for %s", answer.code, expect)
                    continue
                if (answer.sequence is not None and self._error_detection
                        and answer.sequence != sequence and self._trust_sequence):
                    log.debug("answer %s has sequence %s, not %s: waiting for ours",
                              answer.code, answer.sequence, sequence)
                    if candidate is None:
                        candidate = answer
                        wait_until = min(deadline, loop.time() + STALE_GRACE_S)
                    continue
                self._last_used = loop.time()
                return answer
        except _DroppedBeforeAnswer:
            raise
        except BaseException:
            # Timeout, cancellation, protocol trouble: the stream's state is
            # unknown, so a late answer must not be read as the next one.
            self._drop()
            raise

    # ------------------------------------------------------------ keep-alive

    async def _keep_alive(self) -> None:
        interval = self.settings.keepalive_s
        assert interval
        loop = asyncio.get_running_loop()
        while not self._closing:
            await asyncio.sleep(max(0.05, self._last_used + interval - loop.time()))
            if self._lock.locked() or loop.time() - self._last_used < interval:
                continue
            async with self._lock:
                if not self.connected:
                    self._last_used = loop.time()
                    continue
                try:
                    self.acs_status = AcsStatus.from_message(
                        await self._exchange_once(requests.sc_status()))
                except (Sip2Error, _DroppedBeforeAnswer) as exc:
                    log.info("keep-alive failed (%s); will reconnect on the next request", exc)
                    self._drop()
                    self._last_used = loop.time()

    # ------------------------------------------------------------ typed calls

    def _date(self, when: Date) -> SipDate:
        if when is None:
            return SipDate.local(self._clock())
        return when if isinstance(when, SipDate) else SipDate.local(when)

    async def _call(self, result: type[R], message: Message) -> R:
        return result.from_message(await self.request(message))

    async def login(self) -> LoginResult:
        """93 with the configured user; Sip2LoginError when refused."""
        s = self.settings
        if s.login_user is None:
            raise Sip2LoginError("", "no SIP2 login user is configured")
        result = await self._call(LoginResult, requests.login(
            s.login_user, s.login_password or "", s.location or None))
        if not result.ok:
            raise Sip2LoginError(s.login_user)
        return result

    async def sc_status(self, status_code: str = "0") -> AcsStatus:
        """99 → 98: is the ACS on line, what does it allow."""
        self.acs_status = await self._call(AcsStatus, requests.sc_status(status_code))
        return self.acs_status

    async def patron_status(self, patron: str, pin: str | None = None, *,
                            transaction_date: Date = None) -> PatronStatusResult:
        return await self._call(PatronStatusResult, requests.patron_status(
            self.terminal, self._date(transaction_date), patron, pin))

    async def patron_information(self, patron: str, pin: str | None = None, *,
                                 summary: str | None = None, start_item: int | None = None,
                                 end_item: int | None = None,
                                 transaction_date: Date = None) -> PatronInformationResult:
        return await self._call(PatronInformationResult, requests.patron_information(
            self.terminal, self._date(transaction_date), patron, pin=pin, summary=summary,
            start_item=start_item, end_item=end_item))

    async def checkout(self, patron: str, item: str, *, pin: str | None = None,
                       no_block: bool = False, transaction_date: Date = None,
                       nb_due_date: Date = None, renewal_policy: bool = False,
                       fee_acknowledged: bool = False,
                       item_properties: str | None = None) -> CheckoutResult:
        """11 → 12. Offline replay: ``no_block=True`` with the original
        ``transaction_date`` (and the due date given then, ``nb_due_date``)."""
        return await self._call(CheckoutResult, requests.checkout(
            self.terminal, self._date(transaction_date), patron, item, pin=pin,
            no_block=no_block,
            nb_due_date=None if nb_due_date is None else self._date(nb_due_date),
            renewal_policy=renewal_policy, fee_acknowledged=fee_acknowledged or None,
            item_properties=item_properties))

    async def checkin(self, item: str, *, no_block: bool = False, return_date: Date = None,
                      location: str | None = None, transaction_date: Date = None,
                      item_properties: str | None = None) -> CheckinResult:
        """09 → 10, with routing (alert, CV, CT, CY/DA, AQ)."""
        when = self._date(transaction_date if transaction_date is not None else return_date)
        return await self._call(CheckinResult, requests.checkin(
            self.terminal, when, item, no_block=no_block,
            return_date=None if return_date is None else self._date(return_date),
            location=location, item_properties=item_properties))

    async def renew(self, patron: str, item: str, *, pin: str | None = None,
                    no_block: bool = False, transaction_date: Date = None,
                    nb_due_date: Date = None, fee_acknowledged: bool = False) -> CheckoutResult:
        return await self._call(CheckoutResult, requests.renew(
            self.terminal, self._date(transaction_date), patron, item, pin=pin,
            no_block=no_block,
            nb_due_date=None if nb_due_date is None else self._date(nb_due_date),
            fee_acknowledged=fee_acknowledged or None))

    async def renew_all(self, patron: str, *, pin: str | None = None,
                        fee_acknowledged: bool = False) -> RenewAllResult:
        return await self._call(RenewAllResult, requests.renew_all(
            self.terminal, self._date(None), patron, pin=pin,
            fee_acknowledged=fee_acknowledged or None))

    async def item_information(self, item: str) -> ItemInformationResult:
        return await self._call(ItemInformationResult, requests.item_information(
            self.terminal, self._date(None), item))

    async def end_patron_session(self, patron: str, pin: str | None = None) -> EndSessionResult:
        return await self._call(EndSessionResult, requests.end_patron_session(
            self.terminal, self._date(None), patron, pin))

    async def fee_paid(self, patron: str, amount: str, *, fee_type: str = "01",
                       payment_type: str = "00", currency: str = "VND", pin: str | None = None,
                       fee_identifier: str | None = None,
                       transaction_id: str | None = None) -> FeePaidResult:
        return await self._call(FeePaidResult, requests.fee_paid(
            self.terminal, self._date(None), patron, amount, fee_type=fee_type,
            payment_type=payment_type, currency=currency, pin=pin,
            fee_identifier=fee_identifier, transaction_id=transaction_id))

    async def item_status_update(self, item: str, item_properties: str) -> ItemStatusUpdateResult:
        return await self._call(ItemStatusUpdateResult, requests.item_status_update(
            self.terminal, self._date(None), item, item_properties))

    async def patron_enable(self, patron: str, pin: str | None = None) -> PatronStatusResult:
        return await self._call(PatronStatusResult, requests.patron_enable(
            self.terminal, self._date(None), patron, pin))

    async def hold(self, patron: str, *, mode: str = "+", item: str | None = None,
                   title: str | None = None, pin: str | None = None,
                   pickup_location: str | None = None, expiration_date: Date = None,
                   hold_type: str | None = None) -> HoldResult:
        """15 → 16: ``mode`` + adds, - deletes, * changes a hold."""
        return await self._call(HoldResult, requests.hold(
            self.terminal, self._date(None), patron, mode=mode, item=item, title=title,
            pin=pin, pickup_location=pickup_location, hold_type=hold_type,
            expiration_date=None if expiration_date is None else self._date(expiration_date)))

    async def block_patron(self, patron: str, message: str, *,
                           card_retained: bool = False) -> PatronStatusResult:
        return await self._call(PatronStatusResult, requests.block_patron(
            self.terminal, self._date(None), patron, message, card_retained=card_retained))

    async def raw(self, message: str | Message) -> Message:
        """Send a message as given (text typed by staff, or a Message) and
        return the decoded answer. A trailer is added when error detection
        is on and the text has none."""
        if isinstance(message, Message):
            return await self.request(message)
        async with self._lock:
            await self._ensure_connected()
            frame = encode_raw(message, encoding=self._encoding,
                               error_detection=self._error_detection,
                               sequence=(self._sequence + 1) % 10, terminator=self._terminator)
            code = message[:2]
            probe = Message(code) if code in SPECS else Message("97")
            return await self._request(probe, frame)


def describe(result: Sip2Result) -> dict[str, Any]:
    """A result as plain data (for logs and ``--json``)."""
    return {"type": type(result).__name__, **result.named()}
