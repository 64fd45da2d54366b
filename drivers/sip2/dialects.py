"""How each ILS speaks SIP2: character set, terminator, error detection,
fields that must be sent even when empty, what the location codes mean, and
known quirks. Chosen in configuration (``[ils] dialect``); docs/sip2.md has
the capability table and the sources.

A dialect only sets defaults and tolerances; every setting it gives can be
overridden in :class:`drivers.sip2.client.Sip2Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    #: Character set of the messages (configuration name, see folding.ENCODINGS).
    encoding: str
    #: What ends our messages. Every dialect accepts CR, LF and CRLF on receive.
    terminator: bytes
    #: Send AY/AZ on our messages (answers with AZ are always verified).
    error_detection: bool
    #: Optional field ids sent empty when we have no value.
    send_empty: frozenset[str]
    #: What CP (login) and AP (check-in) hold for this ILS.
    location_meaning: str
    #: Known behaviour, for people (docs/sip2.md has the sources).
    notes: tuple[str, ...]


GENERIC = Dialect(
    name="generic", encoding="utf-8", terminator=b"\r", error_detection=True,
    send_empty=frozenset({"AC"}),
    location_meaning="the SC's location code as the ILS defines it",
    notes=("SIP2 2.00 as written: CR terminator, checksums, AC always sent.",),
)

DIALECTS: dict[str, Dialect] = {
    "generic": GENERIC,
    "koha": Dialect(
        name="koha", encoding="utf-8", terminator=b"\r", error_detection=True,
        send_empty=frozenset({"AC"}),
        location_meaning="CP and AP: the Koha branch code; AO: the SIPconfig institution id",
        notes=(
            "Writes CRLF unless the SIP account sets terminator=CR (tolerated).",
            "Character set per SIP account (encoding=utf8 is usual).",
            "Check-in answers carry CV alert type, CT destination, CY hold patron, "
            "DA hold patron name (3M extensions).",
            "Closes the connection after a failed login; requires login first.",
        ),
    ),
    "evergreen": Dialect(
        name="evergreen", encoding="ascii", terminator=b"\r", error_detection=True,
        send_empty=frozenset({"AC"}),
        location_meaning="CP: the workstation/location code of the SIP account",
        notes=(
            "Encoding defaults to ASCII (diacritics stripped) unless the institution sets "
            "<encoding>; we fold Vietnamese readably.",
            "AH due date may be free text such as '2011-10-28 23:59:59'.",
            "AQ in 64 is the patron's home library (extension); PA/PB/PC/XI extensions.",
            "Idle connections are closed after the service timeout (60 s in the example "
            "configuration): keep-alive must be shorter.",
        ),
    ),
    "folio": Dialect(
        name="folio", encoding="cp850", terminator=b"\r", error_detection=False,
        send_empty=frozenset({"AC", "AD"}),
        location_meaning="CP in the login: the UUID of the FOLIO service point of the kiosk",
        notes=(
            "edge-sip2 defaults: charset IBM850, messageDelimiter CR, "
            "errorDetectionEnabled false (per tenant).",
            "Timeout period in 98 comes from the service point configuration (tenths of a "
            "second).",
            "Checkout answers hard-code renewal ok N and magnetic media U; check-in "
            "answers hard-code alert N.",
            "Patron password verification (AD) is a tenant option.",
            "Up to 2.4 the README lists 23, 01, 37, 17, 25, 15, 29, 65 as not implemented "
            "(read BX); 2.0.1 began accepting a blank nb due date.",
        ),
    ),
    "sierra": Dialect(
        name="sierra", encoding="cp850", terminator=b"\r", error_detection=True,
        send_empty=frozenset({"AC", "AD"}),
        location_meaning="CP/AP: the Sierra location code",
        notes=(
            "Answers in code page 850 with checksums; dates may carry 0000 in the zone.",
            "AO comes back padded with a trailing blank ('nypl ').",
        ),
    ),
    "symphony": Dialect(
        name="symphony", encoding="utf-8", terminator=b"\r", error_detection=True,
        send_empty=frozenset({"AC", "AD"}),
        location_meaning="CP/AP: the Symphony library/station code",
        notes=(
            "Character set depends on the site's SIP2 server set-up: set encoding "
            "explicitly.",
            "Some servers reject a 23/63 without AC and AD, or with empty BP/BQ: we send "
            "AC/AD empty and BP/BQ only with values.",
        ),
    ),
}


def dialect(name: str) -> Dialect:
    """The dialect called ``name``; ValueError naming the known ones."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown SIP2 dialect {name!r}; known: {', '.join(DIALECTS)}") from None
