"""The font covers Vietnamese fully (every precomposed letter, the combining
marks, and every character the kiosk's catalogues use), its licence ships
with it; dates and money read as readers expect."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from edge.i18n import LOCALE_DIR
from kiosk.texts import Texts
from kiosk.ui.theme import ASSETS, FONT_BOLD, FONT_REGULAR

BASE_VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền sắc ngã hỏi nặng
#: The combining marks of Vietnamese: tones and the vowel marks.
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"


def vietnamese_letters() -> set[str]:
    """The 134 precomposed letters (67 lower, 67 upper) beyond ASCII."""
    letters = {"đ", "Đ"}
    for vowel in BASE_VOWELS:
        for tone in TONES:
            letter = unicodedata.normalize("NFC", vowel + tone)
            if len(letter) == 1 and not letter.isascii():
                letters |= {letter, letter.upper()}
    return letters


def test_there_are_134_precomposed_vietnamese_letters() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 134
    assert {"ạ", "Ặ", "ữ", "Ỵ", "ỗ", "Ờ"} <= letters


@pytest.mark.parametrize("font", [FONT_REGULAR, FONT_BOLD], ids=lambda p: p.stem)
def test_the_font_has_every_vietnamese_letter_and_mark(font: object) -> None:
    cmap = TTFont(str(font)).getBestCmap()
    missing = [c for c in sorted(vietnamese_letters()) + list(COMBINING) if ord(c) not in cmap]
    assert missing == []


def catalogue_characters() -> set[str]:
    chars: set[str] = set()
    for language in ("vi", "en"):
        with (LOCALE_DIR / language / "LC_MESSAGES" / "smartlib.po").open("rb") as handle:
            for message in read_po(handle):
                used = any(str(where).startswith(("kiosk/", "edge/circulation/"))
                           for where, _line in message.locations)
                strings = message.string if isinstance(message.string, tuple) else (
                    message.string,)
                if used:
                    chars |= set("".join(s for s in strings if s))
    return chars


def test_the_font_draws_every_character_of_the_kiosk_texts() -> None:
    cmap = TTFont(str(FONT_REGULAR)).getBestCmap()
    chars = catalogue_characters()
    assert len(chars) > 80
    assert [c for c in sorted(chars) if ord(c) not in cmap and not c.isspace()] == []


def test_the_font_licence_ships_with_it() -> None:
    licence = (ASSETS / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Be Vietnam Pro" in licence


def test_dates_and_money_per_language() -> None:
    when = datetime(2026, 12, 5, 9, 30)
    vi, en = Texts("vi"), Texts("en")
    assert vi.date(when) == "05/12/2026" and en.date(when) == "5 Dec 2026"
    assert vi.money("25000", "VND") == "25.000 ₫" and en.money("25000", "VND") == "25,000 VND"
    assert vi.money("1234.50", "USD") == "1.234,50 USD"
    assert en.money("not a number", "VND") == "not a number VND"
    assert Texts.has_money("25000") and not Texts.has_money("0") and not Texts.has_money("")
    with pytest.raises(ValueError):
        Texts("fr")
