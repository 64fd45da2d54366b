"""Patron identification hardware: PC/SC card readers (pyscard) and NFC
(nfcpy). Each yields card UIDs or NDEF texts as events; mapping them to a
patron is library policy and lives in :mod:`edge`.

    reader = open_card_reader("pcsc://ACS ACR1252")   # or "nfc://usb"
    async with contextlib.aclosing(reader.events()) as events:
        async for event in events:
            if isinstance(event, CardPresented):
                ...
"""

from .errors import (
    ApduError,
    CardConfigError,
    CardError,
    CardRemovedError,
    CardTransportError,
    ReaderNotFoundError,
)
from .model import (
    CardEvent,
    CardPresented,
    CardReaderStatus,
    CardRemoved,
    CardUnreadable,
    ReaderAdded,
    ReaderRemoved,
)
from .url import CARD_PROTOCOLS, CardReader, open_card_reader

__all__ = [
    "CARD_PROTOCOLS", "ApduError", "CardConfigError", "CardError", "CardEvent", "CardPresented",
    "CardReader", "CardReaderStatus", "CardRemoved", "CardRemovedError", "CardTransportError",
    "CardUnreadable", "ReaderAdded", "ReaderNotFoundError", "ReaderRemoved", "open_card_reader",
]
