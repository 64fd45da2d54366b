"""Card reader URLs: ``pcsc://READER NAME`` (empty name: every reader),
``nfc://usb``, ``nfc://tty:AMA0:pn532``, ``nfc://udp:127.0.0.1:54321``. Same
option parser as the item-tag readers; one small explicit registry."""

from __future__ import annotations

import importlib
from collections.abc import AsyncGenerator, Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from drivers.rfid.errors import ReaderConfigError
from drivers.rfid.url import ReaderUrl, parse_url

from .errors import CardConfigError
from .model import CardEvent

CARD_PROTOCOLS: Mapping[str, str] = MappingProxyType({
    "pcsc": "drivers.cards.url:_pcsc",
    "nfc": "drivers.cards.nfc:from_url",
})


class CardReader(Protocol):
    url: str

    def events(self) -> AsyncGenerator[CardEvent, None]: ...


def _pcsc(url: ReaderUrl) -> CardReader:
    from .pcsc import PcscCardReader

    url.check(("wait_ms",))
    return PcscCardReader(url.url, url.target, wait_ms=url.get("wait_ms", int, 500))


def open_card_reader(url: str, registry: Mapping[str, str] = CARD_PROTOCOLS) -> CardReader:
    """The card reader for ``url``; iterate its :meth:`events`."""
    try:
        parsed = parse_url(url)
        if parsed.scheme not in registry:
            known = ", ".join(sorted(registry))
            raise CardConfigError(f"unknown card reader scheme {parsed.scheme!r}; known: {known}")
        module_name, _, attr = registry[parsed.scheme].partition(":")
        factory: Callable[[ReaderUrl], CardReader] = getattr(
            importlib.import_module(module_name), attr)
        return factory(parsed)
    except ReaderConfigError as exc:
        raise CardConfigError(str(exc)) from None
