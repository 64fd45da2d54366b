"""SIP2 field identifiers, fixed-field types and code tables (3M SIP2 2.00,
"Fields" and the message descriptions; 3M SIP2 Extensions rev. 1.20 for CR,
CS, CT, CV, CY, DA; vendor extensions where noted).

Variable-length fields are named by their two-letter id; :data:`FIELDS` gives
each its name. Fixed-length fields are typed by kind:

* ``flag``: ``Y``/``N`` as True/False (anything else, e.g. ``U``, is None);
* ``ok``: ``1``/``0`` as True/False (``Y``/``N`` tolerated);
* ``date``: 18 characters ``YYYYMMDDZZZZHHMMSS`` as :class:`SipDate` (blank or
  all zeros is None); the zone is four blanks for local time, ``   Z`` for
  UTC; some servers write ``0000``, kept as given;
* ``count``: digits as an int (blank is None);
* ``mask``: a string of ``Y``/blank positions as the frozenset of the names of
  the positions that are ``Y`` (patron status, summary);
* ``text``: kept verbatim (codes such as language, fee type, protocol version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: Field id -> name. SIP2 2.00 fields, then 3M extensions and vendor fields.
FIELDS: dict[str, str] = {
    "AA": "patron_identifier", "AB": "item_identifier", "AC": "terminal_password",
    "AD": "patron_password", "AE": "personal_name", "AF": "screen_message",
    "AG": "print_line", "AH": "due_date", "AJ": "title_identifier",
    "AL": "blocked_card_msg", "AM": "library_name", "AN": "terminal_location",
    "AO": "institution_id", "AP": "current_location", "AQ": "permanent_location",
    "AS": "hold_items", "AT": "overdue_items", "AU": "charged_items", "AV": "fine_items",
    "AY": "sequence_number", "AZ": "checksum",
    "BD": "home_address", "BE": "e_mail_address", "BF": "home_phone_number",
    "BG": "owner", "BH": "currency_type", "BI": "cancel", "BK": "transaction_id",
    "BL": "valid_patron", "BM": "renewed_items", "BN": "unrenewed_items",
    "BO": "fee_acknowledged", "BP": "start_item", "BQ": "end_item",
    "BR": "queue_position", "BS": "pickup_location", "BT": "fee_type",
    "BU": "recall_items", "BV": "fee_amount", "BW": "expiration_date",
    "BX": "supported_messages", "BY": "hold_type", "BZ": "hold_items_limit",
    "CA": "overdue_items_limit", "CB": "charged_items_limit", "CC": "fee_limit",
    "CD": "unavailable_hold_items", "CF": "hold_queue_length", "CG": "fee_identifier",
    "CH": "item_properties", "CI": "security_inhibit", "CJ": "recall_date",
    "CK": "media_type", "CL": "sort_bin", "CM": "hold_pickup_date",
    "CN": "login_user_id", "CO": "login_password", "CP": "location_code",
    "CQ": "valid_patron_password",
    # 3M SIP2 Extensions (rev. 1.20): sorting and hold routing.
    "CR": "collection_code", "CS": "call_number", "CT": "destination_location",
    "CV": "alert_type", "CY": "hold_patron_id", "DA": "hold_patron_name",
    # Envisionware extensions (Koha, Evergreen) and Evergreen's internal id.
    "PA": "patron_expiration", "PB": "patron_birth_date", "PC": "patron_class",
    "PI": "patron_internet_profile", "XI": "patron_internal_id",
}

#: Fields whose values are free text (kept verbatim, never parsed).
FREE_TEXT = frozenset({"AF", "AG", "AH", "AE", "AJ", "AL", "AM", "BD", "DA"})

#: Patron status (24, 26, 64): positions of the 14-character mask.
PATRON_STATUS = (
    "charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
    "hold_privileges_denied", "card_reported_lost", "too_many_items_charged",
    "too_many_items_overdue", "too_many_renewals", "too_many_claims_of_items_returned",
    "too_many_items_lost", "excessive_outstanding_fines", "excessive_outstanding_fees",
    "recall_overdue", "too_many_items_billed",
)

#: Patron information (63) summary: which list the ACS should send (one Y).
SUMMARY = (
    "hold_items", "overdue_items", "charged_items", "fine_items", "recall_items",
    "unavailable_holds",
)

#: Position in BX (98) -> request code, SIP2 2.00 order.
SUPPORTED_MESSAGES = (
    "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65",
)

#: Language codes of the fixed "language" field (000 = unknown, the default).
LANGUAGES: dict[str, str] = {
    "000": "unknown", "001": "en", "002": "fr", "003": "de", "004": "it", "005": "nl",
    "006": "sv", "007": "fi", "008": "es", "009": "da", "010": "pt", "011": "fr-CA",
    "012": "no", "013": "he", "014": "ja", "015": "ru", "016": "ar", "017": "pl",
    "018": "el", "019": "zh", "020": "ko", "021": "es-US", "022": "ta", "023": "ms",
    "024": "en-GB", "025": "is", "026": "nl-BE", "027": "zh-TW",
}

#: Circulation status (18).
CIRCULATION_STATUS: dict[str, str] = {
    "01": "other", "02": "on_order", "03": "available", "04": "charged",
    "05": "charged_not_to_be_recalled", "06": "in_process", "07": "recalled",
    "08": "waiting_on_hold_shelf", "09": "waiting_to_be_reshelved",
    "10": "in_transit", "11": "claimed_returned", "12": "lost", "13": "missing",
}

#: Alert type (CV, 3M extension) on a check-in response.
ALERT_TYPES: dict[str, str] = {
    "00": "unknown", "01": "hold_local", "02": "hold_remote", "03": "hold_ill",
    "04": "transit", "98": "data_corrupted", "99": "other",
}

#: Fee type (BT, 37) and payment type (37).
FEE_TYPES: dict[str, str] = {
    "01": "other", "02": "administrative", "03": "damage", "04": "overdue",
    "05": "processing", "06": "rental", "07": "replacement", "08": "computer_access",
    "09": "hold_fee",
}
PAYMENT_TYPES: dict[str, str] = {"00": "cash", "01": "visa", "02": "credit_card"}

#: Media type (CK).
MEDIA_TYPES: dict[str, str] = {
    "000": "other", "001": "book", "002": "magazine", "003": "bound_journal",
    "004": "audio_tape", "005": "video_tape", "006": "cd_cdrom", "007": "diskette",
    "008": "book_with_diskette", "009": "book_with_cd", "010": "book_with_audio_tape",
}

BLANK_DATE = " " * 18


@dataclass(frozen=True, slots=True)
class SipDate:
    """An 18-character SIP2 date ``YYYYMMDDZZZZHHMMSS``.

    ``raw`` is what is (or goes) on the wire. :attr:`when` is its value:
    naive local time, aware UTC when the zone ends in ``Z``, None when the
    server sent something that is not a date (kept, never an error: a bad
    transaction date must not lose the transaction's answer). The zone is
    four blanks for local time; some servers write ``0000``, kept as given.
    """

    raw: str

    @property
    def zone(self) -> str:
        return self.raw[8:12]

    @property
    def when(self) -> datetime | None:
        text = self.raw
        try:
            when = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]),
                            int(text[12:14]), int(text[14:16]), int(text[16:18]))
        except ValueError:
            return None
        return when.replace(tzinfo=UTC) if text[11:12] == "Z" else when

    @classmethod
    def local(cls, when: datetime) -> SipDate:
        """Local time, the form the spec prefers (four blanks in the zone)."""
        return cls(_format(when, "    "))

    @classmethod
    def utc(cls, when: datetime) -> SipDate:
        aware = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        return cls(_format(aware, "   Z"))

    def __str__(self) -> str:
        return self.raw


def _format(t: datetime, zone: str) -> str:
    # An f-string: several times faster than strftime, and this runs per message.
    return (f"{t.year:04d}{t.month:02d}{t.day:02d}{zone}"
            f"{t.hour:02d}{t.minute:02d}{t.second:02d}")


def parse_date(text: str) -> SipDate | None:
    """The fixed date ``text`` (18 characters); None when blank or zeros."""
    if text == BLANK_DATE or not text.strip(" 0"):
        return None
    return SipDate(text)


def parse_free_date(text: str) -> datetime | None:
    """A date given in a free-text field (AH due date, CM, CJ, BW, PA).

    Servers write the SIP2 form (``20240131    235900``), an ISO-like form
    (Evergreen: ``2011-10-28 23:59:59``) or a date alone; None when none fits.
    """
    text = text.strip()
    if len(text) == 18:
        parsed = parse_date(text)
        return parsed.when if parsed else None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
                    "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
