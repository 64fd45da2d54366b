"""The words of one reader session: a translator for the session's language
(the same ``smartlib`` gettext catalogue as the rest of the product) and
the formats readers expect: dates, money, counts.

Kiosk strings are marked ``t._("...")`` so that ``.ci/i18n.py`` extracts
them with the rest.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from edge.circulation.reasons import Reason, reason_text
from edge.i18n import LANGUAGES, translator

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")


class Texts:
    """Translations and formats for ``language`` (``vi`` or ``en``)."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self._catalogue = translator(language)

    def _(self, message: str) -> str:
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue.ngettext(singular, plural, n)

    def reason(self, reason: Reason) -> str:
        return reason_text(reason, self.language)

    def date(self, when: datetime | None) -> str:
        """05/12/2026 in Vietnamese; 5 Dec 2026 in English (never ambiguous)."""
        if when is None:
            return ""
        if self.language == "en":
            return f"{when.day} {MONTHS_EN[when.month - 1]} {when.year}"
        return when.strftime("%d/%m/%Y")

    def time(self, when: datetime | None) -> str:
        return when.strftime("%H:%M") if when is not None else ""

    def money(self, amount: str, currency: str = "") -> str:
        """25.000 ₫ in Vietnamese, 25,000 VND in English; whole đồng."""
        try:
            value = Decimal(amount.strip().replace(",", ""))
        except (InvalidOperation, AttributeError):
            return f"{amount} {currency}".strip()
        code = (currency or "VND").strip().upper()
        places = 0 if code == "VND" or value == value.to_integral_value() else 2
        text = f"{value:,.{places}f}"
        if self.language == "vi":
            text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
            return f"{text} ₫" if code == "VND" else f"{text} {code}"
        return f"{text} {code}"

    @staticmethod
    def has_money(amount: str) -> bool:
        try:
            return Decimal(amount.strip().replace(",", "")) > 0
        except (InvalidOperation, AttributeError):
            return False
