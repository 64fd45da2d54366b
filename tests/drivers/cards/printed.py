"""Generated pictures of what libraries print, as a camera would see them:
barcodes (python-barcode), QR codes (qrcode), and a camera-like frame
(scaled, tilted, grey background, sensor noise, a little blur). Shared by
the camera decoder's tests and the kiosk's camera identification tests."""

from __future__ import annotations

import io

import cv2
import numpy as np
from barcode import get_barcode_class
from barcode.writer import ImageWriter
from PIL import Image


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
