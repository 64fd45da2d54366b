"""Why circulation refused something, or what staff must look at: every
refusal a kiosk or book drop can show has a stable :class:`Reason` (its
value never changes between versions), a short code staff look up
(``P01``, ``I03`` ...) and a sentence for the reader in the device's
language (:func:`reason_text`). The kiosk translates by the code; the
sentences here are the default wording.
"""

from __future__ import annotations

import enum
from typing import Final

from edge.i18n import N_, translator


class Reason(enum.StrEnum):
    """A refusal or problem. Values are stable: screens, logs and events use them."""

    # --- identifying the patron
    PATRON_UNKNOWN = "patron_unknown"
    PIN_REQUIRED = "pin_required"
    PIN_WRONG = "pin_wrong"
    PATRON_BLOCKED = "patron_blocked"
    CREDENTIAL_INVALID = "credential_invalid"
    # --- the stack on the pad
    SET_INCOMPLETE = "set_incomplete"
    COUNT_MISMATCH = "count_mismatch"
    TAG_UNREADABLE = "tag_unreadable"
    TAG_BLANK = "tag_blank"
    NOT_ON_PAD = "not_on_pad"
    NOTHING_TO_DO = "nothing_to_do"
    # --- the library system said no
    ITEM_UNKNOWN = "item_unknown"
    ITEM_ON_HOLD = "item_on_hold"
    ITEM_ON_LOAN = "item_on_loan"
    LOAN_LIMIT = "loan_limit"
    FINES_OVER_LIMIT = "fines_over_limit"
    RENEWAL_REFUSED = "renewal_refused"
    NOT_ON_LOAN = "not_on_loan"
    ILS_REFUSED = "ils_refused"
    # --- the tag
    TAG_WRITE_FAILED = "tag_write_failed"
    TAG_LEFT = "tag_left"
    READER_UNAVAILABLE = "reader_unavailable"
    # --- offline mode
    ILS_UNAVAILABLE = "ils_unavailable"
    OFFLINE_NOT_ALLOWED = "offline_not_allowed"
    OFFLINE_LIMIT = "offline_limit"
    OFFLINE_TOO_LONG = "offline_too_long"
    # --- the device
    DEVICE_LOCKED = "device_locked"

    @property
    def code(self) -> str:
        """The short code staff look up (docs/circulation.md lists them)."""
        return CODES[self]

    @property
    def text(self) -> str:
        """The default sentence, untranslated (an ``N_`` message id)."""
        return TEXTS[self]


#: Reason -> short code. P: patron, S: stack, I: ILS, T: tag, O: offline, D: device.
CODES: Final[dict[Reason, str]] = {
    Reason.PATRON_UNKNOWN: "P01", Reason.PIN_REQUIRED: "P02", Reason.PIN_WRONG: "P03",
    Reason.PATRON_BLOCKED: "P04", Reason.CREDENTIAL_INVALID: "P05",
    Reason.SET_INCOMPLETE: "S01", Reason.COUNT_MISMATCH: "S02", Reason.TAG_UNREADABLE: "S03",
    Reason.TAG_BLANK: "S04", Reason.NOT_ON_PAD: "S05", Reason.NOTHING_TO_DO: "S06",
    Reason.ITEM_UNKNOWN: "I01", Reason.ITEM_ON_HOLD: "I02", Reason.ITEM_ON_LOAN: "I03",
    Reason.LOAN_LIMIT: "I04", Reason.FINES_OVER_LIMIT: "I05", Reason.RENEWAL_REFUSED: "I06",
    Reason.NOT_ON_LOAN: "I07", Reason.ILS_REFUSED: "I08",
    Reason.TAG_WRITE_FAILED: "T01", Reason.TAG_LEFT: "T02", Reason.READER_UNAVAILABLE: "T03",
    Reason.ILS_UNAVAILABLE: "O01", Reason.OFFLINE_NOT_ALLOWED: "O02",
    Reason.OFFLINE_LIMIT: "O03", Reason.OFFLINE_TOO_LONG: "O04",
    Reason.DEVICE_LOCKED: "D01",
}

TEXTS: Final[dict[Reason, str]] = {
    Reason.PATRON_UNKNOWN: N_("This card is not known to the library. Please ask at the desk."),
    Reason.PIN_REQUIRED: N_("Please enter your PIN."),
    Reason.PIN_WRONG: N_("The PIN is not right. Please try again."),
    Reason.PATRON_BLOCKED: N_("Your card cannot borrow at the moment. Please ask at the desk."),
    Reason.CREDENTIAL_INVALID: N_("This code is not a library card number."),
    Reason.SET_INCOMPLETE: N_("Some parts of this item are missing: put every part on the "
                              "pad."),
    Reason.COUNT_MISMATCH: N_("The number of items on the pad is not the number you gave. "
                              "Spread the items out and try again."),
    Reason.TAG_UNREADABLE: N_("An item's label cannot be read. Move it a little, or take it "
                              "to the desk."),
    Reason.TAG_BLANK: N_("An item has an empty label. Please take it to the desk."),
    Reason.NOT_ON_PAD: N_("This item is no longer on the pad."),
    Reason.NOTHING_TO_DO: N_("There is nothing to do: put items on the pad first."),
    Reason.ITEM_UNKNOWN: N_("This item is not known to the library. Please take it to the "
                            "desk."),
    Reason.ITEM_ON_HOLD: N_("This item is reserved for another reader."),
    Reason.ITEM_ON_LOAN: N_("This item is on loan to another reader. Please take it to the "
                            "desk."),
    Reason.LOAN_LIMIT: N_("You have reached the number of items you may borrow."),
    Reason.FINES_OVER_LIMIT: N_("Your unpaid fines are over the limit. Please pay at the desk."),
    Reason.RENEWAL_REFUSED: N_("This loan cannot be renewed."),
    Reason.NOT_ON_LOAN: N_("This item is not on loan to you."),
    Reason.ILS_REFUSED: N_("The library system refused this. Please ask at the desk."),
    Reason.TAG_WRITE_FAILED: N_("The item's label could not be updated. Please take it to "
                                "the desk."),
    Reason.TAG_LEFT: N_("The item was lifted too early. Put it back on the pad and try "
                        "again."),
    Reason.READER_UNAVAILABLE: N_("The item reader is not working. Please ask at the desk."),
    Reason.ILS_UNAVAILABLE: N_("The library system cannot be reached. Please try again "
                               "later."),
    Reason.OFFLINE_NOT_ALLOWED: N_("This cannot be done while the library system is offline."),
    Reason.OFFLINE_LIMIT: N_("While the library system is offline you may borrow only a few "
                             "items."),
    Reason.OFFLINE_TOO_LONG: N_("The library system has been offline too long for this. "
                                "Please ask at the desk."),
    Reason.DEVICE_LOCKED: N_("This machine is out of service. Please ask at the desk."),
}


def reason_text(reason: Reason | str, language: str = "vi") -> str:
    """The sentence for ``reason`` in ``language`` (``vi`` or ``en``)."""
    return translator(language).gettext(TEXTS[Reason(reason)])
