"""Character sets of a SIP2 connection and readable folding of what a
character set cannot carry.

SIP2 2.00 does not name a character set; servers differ (ASCII for
Evergreen's default, code page 850 for FOLIO's default and Sierra, latin-1 or
UTF-8 for Koha per login). Vietnamese titles and names must stay readable
through all of them: a character the connection cannot carry is folded to
the closest one it can, dropping the tone mark first (``ế`` → ``ê`` in cp850
and latin-1) and then every mark (``ế`` → ``e`` in ASCII). Letters with no
decomposition have a table (``Đ`` → ``D``).
"""

from __future__ import annotations

import unicodedata

#: Character sets a connection may use, by the name used in configuration.
ENCODINGS: dict[str, str] = {
    "utf-8": "utf-8",
    "cp850": "cp850",
    "latin-1": "latin-1",
    "ascii": "ascii",
}

#: Vietnamese tone marks (combining): dropped before the vowel marks.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

#: Letters that do not decompose into a base letter plus marks.
_LETTERS: dict[str, str] = {
    "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
    "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Þ": "Th", "þ": "th",
    "ı": "i", "Ħ": "H", "ħ": "h",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ", "\u20ab": "d",
}


def codec_name(encoding: str) -> str:
    """The Python codec for a configured encoding name; ValueError if unknown."""
    try:
        return ENCODINGS[encoding.lower()]
    except KeyError:
        known = ", ".join(ENCODINGS)
        raise ValueError(f"unknown SIP2 encoding {encoding!r}; known: {known}") from None


def _fold_char(char: str, encoding: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[:1], decomposed[1:]
    candidates = []
    if marks:
        kept = "".join(m for m in marks if m not in _TONE_MARKS)
        if kept != marks:
            candidates.append(unicodedata.normalize("NFC", base + kept))
        candidates.append(base)
    candidates.append(_LETTERS.get(char, ""))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            candidate.encode(encoding)
        except UnicodeEncodeError:
            continue
        return candidate
    return "?"


def fold(text: str, encoding: str = "ascii") -> str:
    """``text`` with every character ``encoding`` cannot carry folded readably.

    >>> fold("Tiếng Việt")
    'Tieng Viet'
    >>> fold("Tiếng Việt", "cp850")
    'Tiêng Viêt'
    >>> fold("Đất rừng phương Nam")
    'Dat rung phuong Nam'
    """
    out = []
    for char in text:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            out.append(_fold_char(char, encoding))
        else:
            out.append(char)
    return "".join(out)


def encode_text(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``, folding what it cannot carry (never raises)."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return fold(unicodedata.normalize("NFC", text), encoding).encode(encoding)
