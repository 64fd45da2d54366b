"""PC/SC through pcscd with pyscard: an async facade over its blocking API.

* :class:`PcscClient`: list readers, connect, transmit APDUs, on one worker
  thread with its own PC/SC context.
* :class:`PcscMonitor`: readers plugged / unplugged and cards presented /
  removed (``SCardGetStatusChange`` with the PnP notification, in its own
  thread and context); when pcscd goes away it says so and reconnects.
* :class:`PcscCardReader`: patron cards: each card presented is read with
  ``FF CA 00 00 00`` (PC/SC Part 3 Get Data: UID) and reported with its UID.

pcscd's socket is found the usual way (PCSCLITE_CSOCK_NAME, else the
system's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from drivers.rfid.model import ReaderState

from .errors import ApduError, CardError, CardRemovedError, CardTransportError, ReaderNotFoundError
from .model import (
    CardEvent,
    CardPresented,
    CardReaderStatus,
    CardRemoved,
    CardUnreadable,
    ReaderAdded,
    ReaderRemoved,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

PNP = "\\\\?PnP?\\Notification"
GET_UID = bytes.fromhex("FFCA000000")

# PC/SC return codes (winscard), as unsigned values.
S_SUCCESS = 0
E_CANCELLED = 0x80100002
E_INVALID_HANDLE = 0x80100003
E_UNKNOWN_READER = 0x80100009
E_TIMEOUT = 0x8010000A
E_NO_SMARTCARD = 0x8010000C
E_NOT_TRANSACTED = 0x80100016
E_READER_UNAVAILABLE = 0x80100017
E_NO_SERVICE = 0x8010001D
E_SERVICE_STOPPED = 0x8010001E
E_NO_READERS_AVAILABLE = 0x8010002E
W_UNRESPONSIVE_CARD = 0x80100066
W_UNPOWERED_CARD = 0x80100067
W_RESET_CARD = 0x80100068
W_REMOVED_CARD = 0x80100069

SERVICE_GONE = frozenset({E_NO_SERVICE, E_SERVICE_STOPPED, E_INVALID_HANDLE})
#: The card went away (or was swapped) under an open connection.
CARD_GONE = frozenset({E_NO_SMARTCARD, E_NOT_TRANSACTED, W_REMOVED_CARD, W_RESET_CARD,
                       W_UNPOWERED_CARD, W_UNRESPONSIVE_CARD})

#: PC/SC Part 3 ATR "standard" byte -> technology.
STANDARDS = {0x01: "ISO 14443-A", 0x02: "ISO 14443-A", 0x03: "ISO 14443-A",
             0x05: "ISO 14443-B", 0x06: "ISO 14443-B", 0x07: "ISO 14443-B",
             0x09: "ISO 15693", 0x0A: "ISO 15693", 0x0B: "ISO 15693", 0x0C: "ISO 15693",
             0x11: "FeliCa"}


def technology(atr: bytes) -> str:
    """What a PC/SC Part 3 ATR says about a contactless card ("" if it says nothing)."""
    if len(atr) >= 13 and atr[4:12] == bytes.fromhex("804F0CA000000306"):
        return STANDARDS.get(atr[12], "")
    return ""


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _scard() -> Any:
    try:
        from smartcard import scard
    except ImportError as exc:  # pragma: no cover - the pcsc extra is missing
        raise CardTransportError(f"pyscard is not installed ({exc}): install the pcsc extra"
                                 ) from None
    return scard


def _raise(hresult: int, what: str, reader: str = "") -> None:
    code = _code(hresult)
    if code == S_SUCCESS:
        return
    text = _scard().SCardGetErrorMessage(hresult)
    where = f"{reader}: " if reader else ""
    if code in SERVICE_GONE:
        raise CardTransportError(f"{where}{what}: pcscd not reachable ({text})")
    if code in CARD_GONE:
        raise CardRemovedError(f"{where}{what}: {text}")
    if code in (E_UNKNOWN_READER, E_READER_UNAVAILABLE):
        raise ReaderNotFoundError(f"{where}{what}: {text}")
    raise CardError(f"{where}{what}: {text} ({code:08X})")


@dataclass
class Card:
    """A connection to the card in one reader."""

    reader: str
    handle: int
    protocol: int
    atr: bytes


class _Worker:
    """One thread and one PC/SC context; every pyscard call goes through it."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self.context: int | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def establish(self) -> int:
        if self.context is None:
            hresult, context = _scard().SCardEstablishContext(_scard().SCARD_SCOPE_USER)
            _raise(hresult, "establish context")
            self.context = context
        return self.context

    def release(self) -> None:
        context, self.context = self.context, None
        if context is not None:
            _scard().SCardReleaseContext(context)

    def list_readers(self) -> list[str]:
        hresult, readers = _scard().SCardListReaders(self.establish(), [])
        if _code(hresult) == E_NO_READERS_AVAILABLE:
            return []
        if _code(hresult) in SERVICE_GONE:
            self.release()
        _raise(hresult, "list readers")
        return list(readers)

    async def close(self) -> None:
        with contextlib.suppress(CardError):
            await self.run(self.release)
        self._executor.shutdown(wait=True)


class PcscClient:
    """Readers, connections and APDUs (async; pyscard on a worker thread)."""

    def __init__(self) -> None:
        self._worker = _Worker("pcsc")

    async def readers(self) -> list[str]:
        return await self._worker.run(self._readers)

    def _readers(self) -> list[str]:
        try:
            return self._worker.list_readers()
        except CardTransportError:
            self._worker.release()
            raise

    async def find(self, name: str) -> str:
        """The reader called ``name``, or the one whose name starts with it."""
        readers = await self.readers()
        if name in readers:
            return name
        matches = [r for r in readers if r.startswith(name)]
        if len(matches) == 1:
            return matches[0]
        shown = ", ".join(readers) or "none"
        raise ReaderNotFoundError(f"no PC/SC reader {name!r} (connected: {shown})")

    async def connect(self, reader: str) -> Card:
        return await self._worker.run(self._connect, reader)

    def _connect(self, reader: str) -> Card:
        scard = _scard()
        context = self._worker.establish()
        hresult, handle, protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if _code(hresult) in SERVICE_GONE:
            self._worker.release()
        _raise(hresult, "connect", reader)
        hresult, _, _, _, atr = scard.SCardStatus(handle)
        _raise(hresult, "status", reader)
        return Card(reader, handle, protocol, bytes(atr))

    async def transmit(self, card: Card, apdu: bytes) -> tuple[bytes, int]:
        """(response data, status word)."""
        return await self._worker.run(self._transmit, card, apdu)

    def _transmit(self, card: Card, apdu: bytes) -> tuple[bytes, int]:
        hresult, response = _scard().SCardTransmit(card.handle, card.protocol, list(apdu))
        _raise(hresult, f"transmit {apdu[:4].hex().upper()}", card.reader)
        data = bytes(response)
        if len(data) < 2:
            raise CardError(f"{card.reader}: response of {len(data)} bytes has no status word")
        return data[:-2], data[-2] << 8 | data[-1]

    async def command(self, card: Card, apdu: bytes, what: str = "") -> bytes:
        """Transmit; raise :class:`ApduError` unless the status word is 9000."""
        data, sw = await self.transmit(card, apdu)
        if sw != 0x9000:
            raise ApduError(sw, what or apdu[:4].hex().upper())
        return data

    async def disconnect(self, card: Card) -> None:
        await self._worker.run(self._disconnect, card)

    def _disconnect(self, card: Card) -> None:
        _scard().SCardDisconnect(card.handle, _scard().SCARD_LEAVE_CARD)

    async def close(self) -> None:
        await self._worker.close()


@dataclass(frozen=True, slots=True)
class CardInserted:
    reader: str
    atr: bytes


@dataclass(frozen=True, slots=True)
class CardLeft:
    reader: str


MonitorEvent = CardInserted | CardLeft | ReaderAdded | ReaderRemoved | CardReaderStatus


class PcscMonitor:
    """Reader and card changes, as events (own thread and PC/SC context)."""

    def __init__(self, wait_ms: int = 500, reconnect_max_s: float = 5.0) -> None:
        self.wait_ms = wait_ms
        self.reconnect_max_s = reconnect_max_s
        self._worker = _Worker("pcsc-monitor")
        self._states: dict[str, int] = {}
        self._present: dict[str, bool] = {}
        self.state = ReaderState.CONNECTING

    async def events(self) -> AsyncGenerator[MonitorEvent, None]:
        delay = 0.05
        try:
            while True:
                try:
                    changes = await self._worker.run(self._step)
                except CardTransportError as exc:
                    for event in self._lost(str(exc)):
                        yield event
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.reconnect_max_s)
                    continue
                delay = 0.05
                if self.state is not ReaderState.CONNECTED:
                    self.state = ReaderState.CONNECTED
                    yield CardReaderStatus(ReaderState.CONNECTED)
                for event in changes:
                    yield event
        finally:
            await self._worker.run(self._cancel)

    def _cancel(self) -> None:
        self._worker.release()

    def _lost(self, error: str) -> list[MonitorEvent]:
        self._worker.release()
        if self.state is ReaderState.DISCONNECTED:
            return []
        log.warning("pcscd lost", extra={"fields": {"error": error}})
        self.state = ReaderState.DISCONNECTED
        events: list[MonitorEvent] = [CardLeft(r) for r, here in self._present.items() if here]
        self._present = {r: False for r in self._present}
        self._states = {r: 0 for r in self._states}
        events.append(CardReaderStatus(ReaderState.DISCONNECTED, error))
        return events

    def _step(self) -> list[MonitorEvent]:
        """Blocking: one wait for changes (at most ``wait_ms``)."""
        scard = _scard()
        readers = self._worker.list_readers()
        events: list[MonitorEvent] = []
        for gone in [r for r in self._states if r not in readers]:
            if self._present.pop(gone, False):
                events.append(CardLeft(gone))
            del self._states[gone]
            events.append(ReaderRemoved(gone))
        for new in readers:
            if new not in self._states:
                self._states[new] = scard.SCARD_STATE_UNAWARE
                self._present[new] = False
                events.append(ReaderAdded(new))
        query = [(PNP, 0)] + [(r, self._states[r]) for r in readers]
        hresult, result = scard.SCardGetStatusChange(self._worker.establish(), self.wait_ms, query)
        code = _code(hresult)
        if code in (E_TIMEOUT, E_CANCELLED, E_UNKNOWN_READER):
            return events
        if code in SERVICE_GONE:
            _raise(hresult, "wait for changes")
        _raise(hresult, "wait for changes")
        for reader, state, atr in result:
            if reader == PNP or reader not in self._states:
                continue
            present = bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
            if present and not self._present.get(reader):
                events.append(CardInserted(reader, bytes(atr)))
            elif not present and self._present.get(reader):
                events.append(CardLeft(reader))
            self._present[reader] = present
            self._states[reader] = state & ~scard.SCARD_STATE_CHANGED
        return events

    async def close(self) -> None:
        await self._worker.close()


class PcscCardReader:
    """Patron cards on PC/SC readers. ``reader`` is a reader name (or its
    beginning); empty watches every reader."""

    def __init__(self, url: str, reader: str = "", uid_apdu: bytes = GET_UID,
                 wait_ms: int = 500) -> None:
        self.url = url
        self.reader = reader
        self.uid_apdu = uid_apdu
        self.wait_ms = wait_ms
        self._uids: dict[str, bytes | None] = {}

    def _mine(self, reader: str) -> bool:
        return not self.reader or reader == self.reader or reader.startswith(self.reader)

    async def events(self) -> AsyncGenerator[CardEvent, None]:
        monitor, client = PcscMonitor(self.wait_ms), PcscClient()
        try:
            async for event in monitor.events():
                if isinstance(event, CardReaderStatus):
                    yield event
                elif not self._mine(event.reader):
                    continue
                elif isinstance(event, CardInserted):
                    yield await self._identify(client, event)
                elif isinstance(event, CardLeft):
                    yield CardRemoved(event.reader, self._uids.pop(event.reader, None))
                else:
                    yield event
        finally:
            await monitor.close()
            await client.close()

    async def _identify(self, client: PcscClient, event: CardInserted) -> CardEvent:
        try:
            card = await client.connect(event.reader)
            try:
                uid = await client.command(card, self.uid_apdu, "get UID")
            finally:
                with contextlib.suppress(CardError):
                    await client.disconnect(card)
        except CardError as exc:
            return CardUnreadable(event.reader, event.atr, str(exc))
        self._uids[event.reader] = uid
        return CardPresented(event.reader, uid, event.atr, technology(event.atr))
