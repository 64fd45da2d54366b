"""Events of patron card readers (PC/SC and NFC)."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.rfid.model import ReaderState


@dataclass(frozen=True, slots=True)
class CardPresented:
    """A card (or phone) was presented. ``uid`` as the card sends it in
    anticollision, most significant byte first; ``text`` / ``uri`` from
    the first NDEF Text / URI record when the card carries one."""

    reader: str
    uid: bytes | None
    atr: bytes = b""
    technology: str = ""
    text: str | None = None
    uri: str | None = None

    @property
    def uid_hex(self) -> str | None:
        return self.uid.hex().upper() if self.uid is not None else None


@dataclass(frozen=True, slots=True)
class CardRemoved:
    reader: str
    uid: bytes | None = None


@dataclass(frozen=True, slots=True)
class CardUnreadable:
    """A card is there but its identity could not be read."""

    reader: str
    atr: bytes
    error: str


@dataclass(frozen=True, slots=True)
class ReaderAdded:
    reader: str


@dataclass(frozen=True, slots=True)
class ReaderRemoved:
    reader: str


@dataclass(frozen=True, slots=True)
class CardReaderStatus:
    """The reader service (pcscd, the NFC device) came or went."""

    state: ReaderState
    error: str | None = None


CardEvent = (CardPresented | CardRemoved | CardUnreadable | ReaderAdded | ReaderRemoved
             | CardReaderStatus)
