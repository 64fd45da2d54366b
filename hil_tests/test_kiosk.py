"""The kiosk's own hardware: the camera that reads library cards, and the
touchscreen (the kiosk drawn on the device's display).

    SMARTLIB_HIL_CAMERA=0             # V4L2 index of the camera
    SMARTLIB_HIL_CAMERA_CODE=P0001    # what the printed test card carries
    SMARTLIB_HIL_DISPLAY=:0           # the touchscreen's X display
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from drivers.cards.camera import CameraScanner, open_capture


def test_the_camera_gives_frames(hil_device: Callable[[str, str], str]) -> None:
    index = int(hil_device("SMARTLIB_HIL_CAMERA", "the camera's V4L2 index (0 for /dev/video0)"))
    capture = open_capture(index)
    try:
        frames = [capture.read() for _ in range(10)]
    finally:
        capture.release()
    assert all(ok and frame is not None and frame.size for ok, frame in frames)


async def test_a_printed_card_held_to_the_camera_is_read(
        hil_device: Callable[[str, str], str]) -> None:
    index = int(hil_device("SMARTLIB_HIL_CAMERA", "the camera's V4L2 index (0 for /dev/video0)"))
    code = hil_device("SMARTLIB_HIL_CAMERA_CODE", "the number printed on a test library card")
    sys.stdout.write(f"\nhold the test card ({code}) 15-30 cm in front of the camera\n")
    async with asyncio.timeout(30), contextlib.aclosing(CameraScanner(index).codes()) as codes:
        async for read in codes:
            if read.text == code:
                break
    assert read.text == code


def test_the_kiosk_window_opens_on_the_touchscreen(
        hil_device: Callable[[str, str], str]) -> None:
    display = hil_device("SMARTLIB_HIL_DISPLAY", "the touchscreen's X display, e.g. :0")
    code = ("from kiosk.display import prepare_kivy, configure_window\n"
            "prepare_kivy()\nconfigure_window(fullscreen=True)\n"
            "from kivy.app import App\nfrom kivy.uix.label import Label\n"
            "from kivy.clock import Clock\n"
            "class Probe(App):\n"
            "    def load_kv(self, filename=None):\n        pass\n"
            "    def build(self):\n        Clock.schedule_once(lambda dt: self.stop(), 2)\n"
            "        return Label(text='Tiếng Việt: Mượn sách')\n"
            "Probe().run()\nprint('DRAWN')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "DISPLAY": display})
    if result.returncode != 0:
        pytest.fail(result.stderr[-2000:])
    assert "DRAWN" in result.stdout
