"""A real receipt printer prints a Vietnamese test receipt, in the mode the
site chose (SMARTLIB_HIL_PRINTER = a [printer] url; SMARTLIB_HIL_PRINTER_MODE
= text or image, default text). Staff check the paper: every diacritic in
place, the paper cut."""

from __future__ import annotations

import os
from collections.abc import Callable

from drivers.printer import PrinterOptions, print_lines

LINES = ["Thư viện Thành phố Hà Nội", "Biên nhận 21/11/2026 15:48",
         "* Truyện Kiều", "  Hạn trả: 05/12/2026", "* Đất rừng phương Nam",
         "ĂÂÊÔƠƯĐ ăâêôơưđ ÁÀẢÃẠ ấầẩẫậ ếềểễệ ốồổỗộ ớờởỡợ ứừửữự ýỳỷỹỵ", "Xin cảm ơn!"]


def test_a_vietnamese_receipt_prints(hil_device: Callable[[str, str], str]) -> None:
    url = hil_device("SMARTLIB_HIL_PRINTER", "a [printer] url, e.g. usb://04b8:0e15")
    mode = os.environ.get("SMARTLIB_HIL_PRINTER_MODE", "text")
    assert mode in ("text", "image")
    print_lines(PrinterOptions(url, mode=mode), LINES)  # raises PrinterError if it cannot
