"""Camera identification: generated images of what libraries print (Code
39, Codabar, Code 128, EAN-13 for ISBNs, QR for digital cards) decoded by
zxing-cpp, alone and inside camera-like frames, and read through OpenCV's
capture from an image sequence."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from barcode import get_barcode_class
from barcode.writer import ImageWriter
from PIL import Image

from drivers.cards.camera import CameraError, CameraScanner, CodeRead, decode_frame

GENERATED = [
    ("code39", "P0001", "P0001"),
    ("codabar", "A40001B", "40001"),  # start/stop characters are not the number
    ("code128", "P0004", "P0004"),
    ("ean13", "978604123456", "9786041234567"),  # an ISBN with its check digit
]


def barcode_image(kind: str, data: str) -> np.ndarray:
    options = {"add_checksum": False} if kind == "code39" else {}
    symbol = get_barcode_class(kind)(data, writer=ImageWriter(), **options)
    buffer = io.BytesIO()
    symbol.write(buffer, {"write_text": False})
    buffer.seek(0)
    rgb = np.asarray(Image.open(buffer).convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])  # BGR, as OpenCV captures


def qr_image(text: str) -> np.ndarray:
    import qrcode

    image = qrcode.make(text, box_size=6).convert("RGB")
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def camera_frame(symbol: np.ndarray, angle: float = 0.0, seed: int = 1) -> np.ndarray:
    """The symbol held up in a 1280x720 frame: scaled, tilted, on a grey
    background with sensor noise and a little blur."""
    rng = np.random.default_rng(seed)
    frame = np.full((720, 1280, 3), 96, np.uint8)
    scale = 600 / max(symbol.shape[:2])
    small = cv2.resize(symbol, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    y, x = (720 - h) // 2, (1280 - w) // 2
    frame[y:y + h, x:x + w] = small
    turn = cv2.getRotationMatrix2D((640, 360), angle, 1.0)
    frame = cv2.warpAffine(frame, turn, (1280, 720), borderValue=(96, 96, 96))
    noisy = frame.astype(np.int16) + rng.normal(0, 8, frame.shape).astype(np.int16)
    return cv2.GaussianBlur(np.clip(noisy, 0, 255).astype(np.uint8), (3, 3), 0)


@pytest.mark.parametrize(("kind", "data", "text"), GENERATED, ids=[g[0] for g in GENERATED])
def test_printed_symbologies_decode(kind: str, data: str, text: str) -> None:
    assert decode_frame(barcode_image(kind, data)) == [CodeRead(text, kind)]


@pytest.mark.parametrize(("kind", "data", "text"), GENERATED, ids=[g[0] for g in GENERATED])
def test_they_decode_in_a_tilted_noisy_camera_frame(kind: str, data: str, text: str) -> None:
    assert decode_frame(camera_frame(barcode_image(kind, data), angle=8)) == [
        CodeRead(text, kind)]


def test_a_qr_code_on_a_phone_decodes() -> None:
    frame = camera_frame(qr_image("smartlib:card:P0002"), angle=-12)
    assert decode_frame(frame) == [CodeRead("smartlib:card:P0002", "qr")]


def test_only_the_wanted_symbologies_are_read() -> None:
    frame = barcode_image("code128", "P0004")
    assert decode_frame(frame, ("qr", "code39")) == []
    with pytest.raises(ValueError, match="unknown symbology"):
        CameraScanner(0, symbologies=("pdf417",))


async def test_the_scanner_reads_frames_through_opencv_once_per_showing(
        tmp_path: Path) -> None:
    blank = np.full((720, 1280, 3), 96, np.uint8)
    card = camera_frame(barcode_image("code39", "P0001"))
    phone = camera_frame(qr_image("P0002"), angle=5)
    for number, frame in enumerate([blank, card, card, card, blank, phone, phone]):
        assert cv2.imwrite(str(tmp_path / f"{number:03d}.png"), frame)
    scanner = CameraScanner(str(tmp_path / "%03d.png"), interval_s=0, repeat_after_s=60)
    async with contextlib.aclosing(scanner.codes()) as codes:
        seen = [code async for code in codes]
    assert seen == [CodeRead("P0001", "code39"), CodeRead("P0002", "qr")]


async def test_a_camera_that_cannot_be_opened_is_an_error(tmp_path: Path) -> None:
    scanner = CameraScanner(str(tmp_path / "missing-%03d.png"), interval_s=0)
    with pytest.raises(CameraError, match="cannot be opened"):
        async with contextlib.aclosing(scanner.codes()) as codes:
            async for _code in codes:
                pass
