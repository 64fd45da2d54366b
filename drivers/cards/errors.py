"""Errors raised by :mod:`drivers.cards` (root :class:`CardError`)."""

from __future__ import annotations


class CardError(Exception):
    """Root of every error raised by :mod:`drivers.cards`."""

    transient: bool = False


class CardConfigError(CardError, ValueError):
    """A card reader URL or option is malformed or names something unknown."""


class CardTransportError(CardError):
    """pcscd, the reader or the NFC device cannot be reached (may come back)."""

    transient = True


class ReaderNotFoundError(CardTransportError):
    """No reader of that name is connected."""


class CardRemovedError(CardError):
    """The card left the reader during the exchange."""

    transient = True


class ApduError(CardError):
    """The card or reader answered an APDU with an error status word."""

    def __init__(self, sw: int, command: str = "") -> None:
        self.sw = sw
        where = f"{command}: " if command else ""
        super().__init__(f"{where}status word {sw:04X}")
