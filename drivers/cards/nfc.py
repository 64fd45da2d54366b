"""NFC patron identification with nfcpy (``nfc://usb``, ``nfc://tty:AMA0:pn532``,
``nfc://udp:127.0.0.1:54321``): a card or phone held to the reader is
reported with its UID and, when it carries one, the first NDEF Text and URI
record. nfcpy serves patron cards only: it has no ISO 15693.

nfcpy blocks, so its loop runs on a worker thread inside this driver; events
hop to the asyncio loop with ``call_soon_threadsafe``. A reader that cannot
be opened (unplugged) is reported "disconnected" and opened again with
back-off.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from drivers.rfid.model import ReaderState
from drivers.rfid.url import ReaderUrl

from .errors import CardConfigError
from .model import CardEvent, CardPresented, CardReaderStatus, CardRemoved

log = logging.getLogger(__name__)

TECHNOLOGIES = {"Type2Tag": "NFC Forum Type 2", "Type4Tag": "NFC Forum Type 4",
                "Type3Tag": "NFC Forum Type 3 (FeliCa)", "Type1Tag": "NFC Forum Type 1"}


def ndef_fields(tag: Any) -> tuple[str | None, str | None]:
    """(first Text record's text, first URI record's URI) of an nfcpy tag."""
    text = uri = None
    ndef = getattr(tag, "ndef", None)
    if ndef is None:
        return None, None
    for record in ndef.records:
        if text is None and getattr(record, "type", "") == "urn:nfc:wkt:T":
            text = record.text
        elif uri is None and getattr(record, "type", "") == "urn:nfc:wkt:U":
            uri = record.iri
    return text, uri


class NfcCardReader:
    """Patron cards on an nfcpy reader; iterate :meth:`events`."""

    def __init__(self, url: str, path: str, interval_s: float = 0.2,
                 reconnect_max_s: float = 5.0, targets: tuple[str, ...] = ("106A",)) -> None:
        self.url = url
        self.path = path
        self.targets = targets
        self.interval_s = interval_s
        self.reconnect_max_s = reconnect_max_s

    async def events(self) -> AsyncGenerator[CardEvent, None]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[CardEvent] = asyncio.Queue()
        stop = threading.Event()

        def post(event: CardEvent) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        executor = ThreadPoolExecutor(1, thread_name_prefix="nfc")
        worker: asyncio.Future[None] = loop.run_in_executor(executor, self._run, post, stop)
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                waiting: set[asyncio.Future[Any]] = {getter, worker}
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                worker.result()  # the worker ended: raise what it raised
                return
        finally:
            stop.set()
            await asyncio.wait({worker})
            if not worker.cancelled() and worker.exception() is not None:
                log.error("nfc reader thread failed", exc_info=worker.exception())
            executor.shutdown(wait=False)

    # ------------------------------------------------- worker thread (blocks)

    def _run(self, post: Callable[[CardEvent], None], stop: threading.Event) -> None:
        import nfc

        delay, state = 0.05, ReaderState.CONNECTING
        while not stop.is_set():
            try:
                clf = nfc.ContactlessFrontend(self.path)
            except (OSError, ValueError) as exc:
                if state is not ReaderState.DISCONNECTED:
                    state = ReaderState.DISCONNECTED
                    post(CardReaderStatus(state, f"{self.path}: {exc}"))
                stop.wait(delay)
                delay = min(delay * 2, self.reconnect_max_s)
                continue
            delay, state = 0.05, ReaderState.CONNECTED
            post(CardReaderStatus(state))
            try:
                self._serve(clf, post, stop)
            except OSError as exc:  # the device went away
                state = ReaderState.DISCONNECTED
                post(CardReaderStatus(state, f"{self.path}: {exc}"))
            finally:
                clf.close()

    def _serve(self, clf: Any, post: Callable[[CardEvent], None], stop: threading.Event) -> None:
        seen: dict[str, bytes] = {}

        def connected(tag: Any) -> bool:
            uid = bytes(tag.identifier)
            seen["uid"] = uid
            text, uri = ndef_fields(tag)
            kind = next((TECHNOLOGIES[c.__name__] for c in type(tag).__mro__
                         if c.__name__ in TECHNOLOGIES), "NFC")
            post(CardPresented(self.path, uid, b"", f"{kind}: {tag.product}", text, uri))
            return True  # hold the card until it is taken away

        while not stop.is_set():
            seen.clear()
            clf.connect(rdwr={"targets": list(self.targets), "on-connect": connected,
                              "interval": self.interval_s, "iterations": 1,
                              "beep-on-connect": False},
                        terminate=stop.is_set)
            if "uid" in seen:
                post(CardRemoved(self.path, seen["uid"]))


def from_url(url: ReaderUrl) -> NfcCardReader:
    """``targets``: bit rates and types to poll, comma separated (106A: ISO
    14443-A cards and phones; 106B; 212F: FeliCa)."""
    url.check(("interval_s", "reconnect_max_s", "targets"))
    if not url.target:
        raise CardConfigError("nfc: no device; e.g. nfc://usb or nfc://tty:AMA0:pn532")
    targets = tuple(url.options.get("targets", "106A").split(","))
    if not set(targets) <= {"106A", "106B", "212F", "424F"}:
        raise CardConfigError(f"nfc: targets {','.join(targets)}; use 106A, 106B, 212F, 424F")
    return NfcCardReader(url.url, url.target, url.get("interval_s", float, 0.2),
                         url.get("reconnect_max_s", float, 5.0), targets)
