"""``smartlib demo`` without a display (the README's quick start on a
server, and CI): the scripted session runs through the real kiosk window on
its own private X server and leaves a screenshot of every screen and a
transcript."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import CliResult


def test_the_headless_demo_walks_the_scripted_session(
        cli_process: Callable[..., CliResult], tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = cli_process("--lang", "vi", "demo", "--out", str(out),
                         env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}, timeout=300)
    assert result.code == 0, result.stderr[-3000:]
    assert str(out) in result.stdout and "transcript.md" in result.stdout
    shots = sorted(out.glob("*.png"))
    names = [shot.stem.split("-", 1)[1] for shot in shots]
    for wanted in ("welcome", "identify", "home", "account", "borrow-incomplete-set",
                   "borrow-ready", "borrow-done", "return-done", "renew-done", "receipt",
                   "done", "home-en", "error", "staff", "offline", "offline-borrow"):
        assert wanted in names, names
    for shot in shots:
        with Image.open(shot) as image:
            assert np.asarray(image.convert("L"), dtype=np.float64).std() > 20, shot.name
    transcript = (out / "transcript.md").read_text(encoding="utf-8")
    for text in ("Thiếu phần 2 trên 2", "Đã mượn 3/3 tài liệu.", "Việt Nam sử lược",
                 "Để lên giá sách trả.", "Đã gia hạn 1/1 tài liệu.", "Hello, John Smith",
                 "P01", "Chế độ nhân viên", "Hệ thống thư viện đang mất kết nối",
                 "Đã ghi nhận ngoại tuyến"):
        assert text in transcript, text
    assert "Biên nhận" in transcript and "Đã mượn (3)" in transcript  # the printed receipt
    assert (out / "state" / "receipt-printer.bin").read_bytes().startswith(b"\x1b@")
