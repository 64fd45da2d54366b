"""ESC/POS printing through python-escpos.

Text mode uses python-escpos's code-page switching (ESC t n) over the
profile's code pages; for Vietnamese that means the TCVN-3 pages printers
carry (Epson TM series: page 30 lower case, page 31 upper case), switched
per character. Image mode prints the receipt as a raster bitmap (GS v 0)
rendered with a TrueType font, for printers without those pages.

Blocking (sockets, USB, files): call from async code with
``asyncio.to_thread``. python-escpos is imported on first use only; it
keeps its capability cache in ``ESCPOS_CAPABILITIES_PICKLE_DIR`` (set here,
if unset, to one directory per user instead of a new temporary one per
process).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from .errors import PrinterConfigError, PrinterError
from .raster import render_lines

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterOptions:
    url: str
    #: python-escpos profile (code pages, columns), e.g. TM-T20II.
    profile: str = "TM-T20II"
    mode: Literal["text", "image"] = "text"
    width_px: int = 576
    font: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    font_size_px: int = 24
    cut: bool = True
    timeout_s: float = 10.0


def _escpos() -> Any:
    """The python-escpos package, imported on first use."""
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _cache_dir())
    try:
        import escpos.printer
    except ImportError as exc:  # the printer extra is not installed
        raise PrinterConfigError("python-escpos is not installed (pip install "
                                 "'smartlib-edge[printer]')") from exc
    return escpos


def _cache_dir() -> str:
    path = Path(tempfile.gettempdir()) / f"smartlib-escpos-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


def _printer(options: PrinterOptions) -> Any:
    """An unopened python-escpos printer for ``options.url``."""
    escpos = _escpos()
    parts = urlsplit(options.url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    profile = options.profile
    try:
        if parts.scheme == "file":
            return escpos.printer.File(parts.path, profile=profile)
        if parts.scheme == "socket":
            return escpos.printer.Network(parts.hostname or "", parts.port or 9100,
                                          timeout=options.timeout_s, profile=profile)
        if parts.scheme == "serial":
            return escpos.printer.Serial(parts.path, baudrate=int(query.get("baud", 19200)),
                                         timeout=options.timeout_s, profile=profile)
        if parts.scheme == "usb":
            vendor, _, product = parts.netloc.partition(":")
            return escpos.printer.Usb(int(vendor, 16), int(product, 16),
                                      timeout=int(options.timeout_s * 1000), profile=profile)
    except (ValueError, KeyError) as exc:
        raise PrinterConfigError(f"{options.url}: {exc}") from exc
    raise PrinterConfigError(f"unknown printer scheme {parts.scheme!r}; use file, socket, "
                             f"serial or usb")


def _write(printer: Any, options: PrinterOptions, lines: Sequence[str]) -> None:
    printer.hw("INIT")
    if options.mode == "image":
        image = render_lines(lines, options.font, options.font_size_px, options.width_px)
        printer.image(image, impl="bitImageRaster")
    else:
        for line in lines:
            printer.textln(line)
    if options.cut:
        printer.cut()


def columns(options: PrinterOptions) -> int:
    """Characters per line in text mode (font A of the profile)."""
    escpos = _escpos()
    try:
        profile = escpos.capabilities.get_profile(options.profile)
        return int(profile.get_columns("a"))
    except (KeyError, escpos.capabilities.NotSupported) as exc:
        raise PrinterConfigError(f"printer profile {options.profile!r}: {exc}") from exc


def render_bytes(options: PrinterOptions, lines: Sequence[str]) -> bytes:
    """The bytes :func:`print_lines` would send (nothing is opened)."""
    escpos = _escpos()
    dummy = escpos.printer.Dummy(profile=options.profile)
    _write(dummy, options, lines)
    return bytes(dummy.output)


def print_lines(options: PrinterOptions, lines: Sequence[str]) -> None:
    """Print ``lines`` (and cut). Raises PrinterError when the printer
    cannot be reached or written to."""
    printer = _printer(options)
    escpos = _escpos()
    try:
        printer.open()
        _write(printer, options, lines)
    except (OSError, escpos.exceptions.Error) as exc:
        raise PrinterError(f"{options.url}: {exc}") from exc
    finally:
        try:
            printer.close()
        except (OSError, escpos.exceptions.Error, AttributeError) as exc:
            log.debug("closing the printer failed: %s", exc)
