"""Receipt printers: ESC/POS thermal printers through python-escpos (the
``printer`` extra), opened from a URL (``file:``, ``usb:``, ``socket:``,
``serial:``), printing text in the printer's code pages (Vietnamese through
the TCVN-3 pages) or as a bitmap rendered with a TrueType font.

    options = PrinterOptions("socket://192.0.2.7:9100", mode="text")
    await asyncio.to_thread(print_lines, options, ["Truyện Kiều", "Hạn trả: 05/12/2026"])
"""

from .errors import PrinterConfigError, PrinterError
from .escpos import PrinterOptions, columns, print_lines, render_bytes

__all__ = ["PrinterConfigError", "PrinterError", "PrinterOptions", "columns", "print_lines",
           "render_bytes"]
