"""Errors of the receipt printer driver."""

from __future__ import annotations


class PrinterError(Exception):
    """Root of the printer driver's errors: the printer cannot be opened or
    written to (``transient``: it may work again later, e.g. paper out)."""

    transient = True


class PrinterConfigError(PrinterError, ValueError):
    """A printer URL or option that cannot work (unknown scheme or profile,
    a font file that does not load)."""

    transient = False
