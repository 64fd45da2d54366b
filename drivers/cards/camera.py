"""Library cards (and ISBNs) shown to a camera: frames captured with OpenCV,
decoded with zxing-cpp.

Libraries print card numbers as Code 39 (ISO/IEC 16388), Codabar (ANSI/AIM
BC3, the classic library-card symbology with start/stop characters A-D),
Code 128 (ISO/IEC 15417) or a QR code (ISO/IEC 18004) for digital cards on a
phone; books carry their ISBN as EAN-13 (ISO/IEC 15420). OpenCV's own
barcode module reads only EAN/UPC, hence zxing-cpp.

    scanner = CameraScanner(0)                  # /dev/video0, or a file / image sequence
    async with contextlib.aclosing(scanner.codes()) as codes:
        async for code in codes:                # CodeRead(text, symbology)
            ...

Capture runs on one worker thread (OpenCV's calls block); decoding too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import CardTransportError

log = logging.getLogger(__name__)

#: Our names for the symbologies read, and zxing-cpp's format names.
SYMBOLOGIES: dict[str, str] = {
    "code39": "Code39",
    "codabar": "Codabar",
    "code128": "Code128",
    "ean13": "EAN13",
    "qr": "QRCode",
}

CODABAR_GUARDS = frozenset("ABCD")


@dataclass(frozen=True, slots=True)
class CodeRead:
    """A code seen by the camera: its text (Codabar start/stop characters
    removed) and symbology (a key of :data:`SYMBOLOGIES`)."""

    text: str
    symbology: str


class CameraError(CardTransportError):
    """The camera cannot be opened or stopped giving frames."""


def _our_name(zxing_format: str) -> str:
    for ours, theirs in SYMBOLOGIES.items():
        if zxing_format.replace("-", "").replace(" ", "").lower() == theirs.lower():
            return ours
    return zxing_format.lower()


def _clean(text: str, symbology: str) -> str:
    if symbology == "codabar" and len(text) >= 2 and text[0] in CODABAR_GUARDS \
            and text[-1] in CODABAR_GUARDS:
        return text[1:-1]
    return text


def decode_frame(frame: Any, symbologies: Iterable[str] = SYMBOLOGIES) -> list[CodeRead]:
    """Every code of ``symbologies`` in ``frame`` (a BGR or greyscale numpy
    array, or a PIL image)."""
    import zxingcpp

    wanted = [SYMBOLOGIES[name] for name in symbologies]
    formats = zxingcpp.barcode_formats_from_str(",".join(wanted))
    found = []
    for barcode in zxingcpp.read_barcodes(frame, formats=formats):
        name = _our_name(str(barcode.format).rpartition(".")[2])
        found.append(CodeRead(_clean(barcode.text, name), name))
    return found


def open_capture(source: int | str) -> Any:
    """An OpenCV capture of a camera index, a video file or an image
    sequence (``frames/%03d.png``)."""
    import cv2

    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        raise CameraError(f"camera {source!r} cannot be opened")
    return capture


class CameraScanner:
    """Codes from a camera. The same code is reported again only after it
    has been out of sight for ``repeat_after_s``; ``interval_s`` paces the
    frames decoded. A camera that stops giving frames ends the stream with
    :class:`CameraError` (a file source simply ends)."""

    def __init__(self, source: int | str, *, interval_s: float = 0.1,
                 repeat_after_s: float = 3.0, symbologies: Iterable[str] = SYMBOLOGIES,
                 opener: Callable[[int | str], Any] = open_capture) -> None:
        self.source = source
        self.interval_s = interval_s
        self.repeat_after_s = repeat_after_s
        self.symbologies = tuple(symbologies)
        for name in self.symbologies:
            if name not in SYMBOLOGIES:
                raise ValueError(f"unknown symbology {name!r}; known: {', '.join(SYMBOLOGIES)}")
        self._opener = opener

    async def codes(self) -> AsyncGenerator[CodeRead, None]:
        loop = asyncio.get_running_loop()
        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="camera")
        capture: Any = None
        try:
            capture = await loop.run_in_executor(pool, self._opener, self.source)
            last_seen: dict[CodeRead, float] = {}
            while True:
                ok, codes = await loop.run_in_executor(pool, self._grab, capture)
                if not ok:
                    if isinstance(self.source, int):
                        raise CameraError(f"camera {self.source} stopped giving frames")
                    return
                now = loop.time()
                for code in codes:
                    seen = last_seen.get(code)
                    last_seen[code] = now
                    if seen is None or now - seen > self.repeat_after_s:
                        yield code
                await asyncio.sleep(self.interval_s)
        finally:
            if capture is not None:
                with contextlib.suppress(RuntimeError):
                    await loop.run_in_executor(pool, capture.release)
            pool.shutdown(wait=False)

    def _grab(self, capture: Any) -> tuple[bool, list[CodeRead]]:
        ok, frame = capture.read()
        if not ok or frame is None:
            return False, []
        return True, decode_frame(frame, self.symbologies)
