"""Colours, sizes and the font. Two palettes: the default (calm, dark text
on light) and high contrast (white and yellow on black, WCAG AAA contrast);
the larger-text option scales every font by 1.35. Sizes follow the window's
height so the same layout fits a 7" Pi display and a 22" kiosk screen.

Font: Be Vietnam Pro (SIL Open Font License 1.1, ``assets/fonts/OFL.txt``),
designed for Vietnamese: every precomposed letter and combining mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FONT_NAME = "BeVietnamPro"
FONT_REGULAR = ASSETS / "fonts" / "BeVietnamPro-Regular.ttf"
FONT_BOLD = ASSETS / "fonts" / "BeVietnamPro-Bold.ttf"

RGBA = tuple[float, float, float, float]


def hex_colour(value: str) -> RGBA:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


@dataclass(frozen=True)
class Palette:
    background: RGBA
    surface: RGBA
    text: RGBA
    muted: RGBA
    primary: RGBA
    on_primary: RGBA
    secondary: RGBA
    on_secondary: RGBA
    danger: RGBA
    ok: RGBA
    warn: RGBA
    error: RGBA
    banner: RGBA
    on_banner: RGBA
    header: RGBA
    on_header: RGBA
    disabled: RGBA


NORMAL = Palette(
    background=hex_colour("#F6F4EF"), surface=hex_colour("#FFFFFF"), text=hex_colour("#1C2430"),
    muted=hex_colour("#5A6472"), primary=hex_colour("#0B5D8C"), on_primary=hex_colour("#FFFFFF"),
    secondary=hex_colour("#E2E8EE"), on_secondary=hex_colour("#15344A"),
    danger=hex_colour("#A4262C"), ok=hex_colour("#1E6B35"), warn=hex_colour("#8A5300"),
    error=hex_colour("#A4262C"), banner=hex_colour("#FFE08A"), on_banner=hex_colour("#3D2E00"),
    header=hex_colour("#0B3C5D"), on_header=hex_colour("#FFFFFF"),
    disabled=hex_colour("#B8C0C8"))

HIGH_CONTRAST = Palette(
    background=hex_colour("#000000"), surface=hex_colour("#000000"), text=hex_colour("#FFFFFF"),
    muted=hex_colour("#E0E0E0"), primary=hex_colour("#FFD400"), on_primary=hex_colour("#000000"),
    secondary=hex_colour("#FFFFFF"), on_secondary=hex_colour("#000000"),
    danger=hex_colour("#FF6B6B"), ok=hex_colour("#7CFF8A"), warn=hex_colour("#FFD400"),
    error=hex_colour("#FF8A8A"), banner=hex_colour("#FFD400"), on_banner=hex_colour("#000000"),
    header=hex_colour("#000000"), on_header=hex_colour("#FFD400"),
    disabled=hex_colour("#555555"))


@dataclass(frozen=True)
class Theme:
    palette: Palette
    #: Window height in pixels; sizes are fractions of it.
    height: float
    scale: float = 1.0

    @classmethod
    def for_window(cls, height: float, *, high_contrast: bool, large_text: bool) -> Theme:
        return cls(HIGH_CONTRAST if high_contrast else NORMAL, max(400.0, height),
                   1.35 if large_text else 1.0)

    def font(self, kind: str) -> float:
        base = {"title": 0.052, "text": 0.032, "row": 0.031, "small": 0.024,
                "button": 0.033, "key": 0.04, "entry": 0.05}[kind]
        return round(self.height * base * self.scale)

    @property
    def button_height(self) -> float:
        """Touch targets: at least 1/10 of the screen's height (about 15 mm
        on a 10" display), more with larger text."""
        return round(self.height * 0.1 * max(1.0, self.scale * 0.9))

    @property
    def padding(self) -> float:
        return round(self.height * 0.02)

    def style_colour(self, style: str) -> RGBA:
        p = self.palette
        return {"ok": p.ok, "warn": p.warn, "error": p.error, "muted": p.muted,
                "strong": p.text}.get(style, p.text)

    def action_colours(self, style: str) -> tuple[RGBA, RGBA]:
        p = self.palette
        return {"primary": (p.primary, p.on_primary),
                "secondary": (p.secondary, p.on_secondary),
                "danger": (p.danger, p.on_primary),
                "quiet": (p.header, p.on_header)}.get(style, (p.primary, p.on_primary))


def register_font() -> None:
    from kivy.core.text import LabelBase

    LabelBase.register(FONT_NAME, fn_regular=str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
