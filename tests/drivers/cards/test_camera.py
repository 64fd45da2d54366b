"""Camera identification: generated images of what libraries print (Code
39, Codabar, Code 128, EAN-13 for ISBNs, QR for digital cards) decoded by
zxing-cpp, alone and inside camera-like frames, and read through OpenCV's
capture from an image sequence."""

from __future__ import annotations

import contextlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.cards.camera import CameraError, CameraScanner, CodeRead, decode_frame
from tests.drivers.cards.printed import barcode_image, camera_frame, qr_image

GENERATED = [
    ("code39", "P0001", "P0001"),
    ("codabar", "A40001B", "40001"),  # start/stop characters are not the number
    ("code128", "P0004", "P0004"),
    ("ean13", "978604123456", "9786041234567"),  # an ISBN with its check digit
]


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
