"""Receipts: what a reader takes home (on paper or by e-mail) after a
session. The patron's name and card number are masked, so a receipt left
on the kiosk says little about who borrowed what.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from edge.circulation.model import ItemStatus, Operation, Patron, TransactionResult
from edge.circulation.reasons import Reason
from edge.circulation.settings import CirculationSettings
from edge.i18n import N_, translator

OPERATION_HEADINGS = {
    "checkout": N_("Borrowed"),
    "checkin": N_("Returned"),
    "renew": N_("Renewed"),
}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    operation: Operation
    pii: str
    title: str | None
    status: ItemStatus
    due: datetime | None = None
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    library_name: str
    library_isil: str
    device: str
    time: datetime
    #: "N. T. M. Anh": initials but the last word.
    patron_name: str | None
    #: "****0001".
    patron_number: str | None
    lines: tuple[ReceiptLine, ...]
    language: str = "vi"
    offline: bool = False
    #: Where an e-mailed receipt goes by default (never printed).
    email: str | None = None

    def text(self, width: int = 42) -> list[str]:
        """The receipt as lines of at most ``width`` characters."""
        t = translator(self.language).gettext
        when = self.time.strftime("%d/%m/%Y %H:%M")
        out = [self.library_name, t(N_("Receipt")) + " " + when]
        if self.patron_name:
            out.append(t(N_("Reader: {name}")).format(name=self.patron_name))
        if self.patron_number:
            out.append(t(N_("Card: {number}")).format(number=self.patron_number))
        out.append("-" * width)
        for operation in ("checkout", "renew", "checkin"):
            chosen = [line for line in self.lines if line.operation == operation]
            if not chosen:
                continue
            out.append(t(OPERATION_HEADINGS[operation]) + f" ({len(chosen)})")
            for line in chosen:
                title = line.title or line.pii
                out += textwrap.wrap(f"* {title}", width, subsequent_indent="  ") or ["*"]
                if line.status in ("done", "queued") and line.due is not None:
                    due = line.due.strftime("%d/%m/%Y")
                    out.append("  " + t(N_("Due: {date}")).format(date=due))
                if line.status == "refused":
                    code = f" ({line.reason.code})" if line.reason else ""
                    out.append("  " + t(N_("Not done")) + code)
                elif line.status == "queued":
                    out.append("  " + t(N_("Recorded offline")))
            out.append("")
        if self.offline:
            out += textwrap.wrap(t(N_("The library system was offline: these transactions "
                                      "are sent to it as soon as it is back.")), width)
        out.append(t(N_("Thank you!")))
        return out


def mask_name(name: str | None) -> str | None:
    """Initials for every word but the last: Vietnamese names end with the
    given name (Nguyễn Thị Minh Anh -> N. T. M. Anh), English ones with the
    family name (John Smith -> J. Smith)."""
    if not name or not name.strip():
        return None
    words = name.split()
    return " ".join([f"{w[0]}." for w in words[:-1]] + [words[-1]])


def mask_number(number: str | None) -> str | None:
    if not number:
        return None
    keep = 4 if len(number) > 6 else max(0, len(number) - 3)
    return "*" * (len(number) - keep) + number[len(number) - keep:]


def build_receipt(settings: CirculationSettings, patron: Patron | None,
                  results: Sequence[TransactionResult], now: datetime,
                  language: str) -> Receipt:
    lines = tuple(ReceiptLine(result.operation, item.pii, item.title, item.status, item.due,
                              item.reason)
                  for result in results for item in result.items)
    return Receipt(
        library_name=settings.library.name, library_isil=settings.library.isil,
        device=settings.device, time=now.replace(tzinfo=None),
        patron_name=mask_name(patron.name) if patron else None,
        patron_number=mask_number(patron.id) if patron else None, lines=lines,
        language=language if language in ("vi", "en") else "vi",
        offline=any(result.offline for result in results),
        email=patron.email if patron else None)
