"""Text rendered to a 1-bit bitmap for ESC/POS raster printing (GS v 0):
any script the TrueType font covers prints, whatever code pages the printer
has. Lines that do not fit the width are wrapped at spaces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .errors import PrinterConfigError

if TYPE_CHECKING:
    from PIL import Image, ImageFont

#: Space between lines, as a share of the font size.
LEADING = 0.25


def load_font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size_px)
    except OSError as exc:
        raise PrinterConfigError(f"cannot load the font {path}: {exc}") from exc


def wrap(line: str, font: ImageFont.FreeTypeFont, width_px: int) -> list[str]:
    if not line or font.getlength(line) <= width_px:
        return [line]
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width_px or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    return out


def render_lines(lines: Sequence[str], font_path: str, size_px: int,
                 width_px: int) -> Image.Image:
    """A white image ``width_px`` wide with ``lines`` in black, mode "1"."""
    from PIL import Image, ImageDraw

    font = load_font(font_path, size_px)
    wrapped = [part for line in lines for part in wrap(line, font, width_px)]
    step = int(size_px * (1 + LEADING))
    image = Image.new("1", (width_px, max(step, step * len(wrapped))), 1)
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(wrapped):
        draw.text((0, row * step), text, font=font, fill=0)
    return image
