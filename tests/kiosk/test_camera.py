"""Identification by camera: generated pictures of a printed library card
(Code 39) and of a digital card on a phone (QR), read through OpenCV's
capture (an image sequence standing in for the camera) and zxing-cpp, reach
the session as a card on the reader would, over the real circulation
service and demo ILS."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.cards.camera import CameraScanner
from kiosk.flow import KioskFlow
from kiosk.runtime import read_codes
from kiosk.views.model import Screen
from tests.drivers.cards.printed import barcode_image, camera_frame, qr_image


def frames(directory: Path, *pictures: np.ndarray) -> str:
    directory.mkdir()
    for number, picture in enumerate(pictures):
        assert cv2.imwrite(str(directory / f"{number:03d}.png"), picture)
    return str(directory / "%03d.png")


async def test_a_printed_card_shown_to_the_camera_identifies(
        flow: KioskFlow, tmp_path: Path) -> None:
    blank = np.full((720, 1280, 3), 96, np.uint8)
    card = camera_frame(barcode_image("code39", "P0001"), angle=6)
    assert flow.view.screen.screen is Screen.WELCOME
    await read_codes(flow, CameraScanner(frames(tmp_path / "card", blank, card, card),
                                         interval_s=0))
    assert flow.view.screen.screen is Screen.HOME
    assert flow.state.patron is not None and flow.state.patron.id == "P0001"
    assert "Nguyễn Thị Minh Anh" in flow.view.frame.greeting
    # A code shown while a session is open does not change whose it is.
    phone = camera_frame(qr_image("P0002"), angle=-10)
    await read_codes(flow, CameraScanner(frames(tmp_path / "phone", phone), interval_s=0))
    assert flow.state.patron.id == "P0001" and flow.view.screen.screen is Screen.HOME


async def test_a_digital_card_on_a_phone_identifies(flow: KioskFlow, tmp_path: Path) -> None:
    await flow.act("start")
    assert flow.view.screen.screen is Screen.IDENTIFY
    phone = camera_frame(qr_image("P0002"), angle=-10)
    await read_codes(flow, CameraScanner(frames(tmp_path / "phone", phone), interval_s=0))
    assert flow.view.screen.screen is Screen.HOME
    assert flow.state.patron is not None and flow.state.patron.id == "P0002"
