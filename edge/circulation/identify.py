"""Patron identification: a card UID, a scanned barcode or QR code, or a
typed number becomes the ILS patron id by the site's rules (``[patron]``),
then the ILS is asked (SIP2 63: valid patron, PIN, name, blocks, fines).
While the ILS is offline the device's patron cache stands in (blocked
patrons refused, a PIN checked against the hash kept when the ILS last
accepted it).

Rules, in order: a card UID is written as hex or decimal digits of its
bytes in the configured order (``msb``: as the card sends them; ``lsb``:
reversed, as some readers of magnetic-stripe era systems print them); a
scanned or typed code must match ``id_pattern`` if one is set (its group
``id`` is the number); the lookup table (``lookup_file``), when it has the
value, gives the patron id; otherwise ``id_prefix`` + the value is.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
from pathlib import Path

from drivers.sip2 import PatronInformationResult
from edge.circulation.caches import Caches
from edge.circulation.errors import CirculationConfigError, IlsUnavailable
from edge.circulation.ilslink import IlsLink
from edge.circulation.model import (
    CardUid,
    Credential,
    IdentifyResult,
    Patron,
    ScannedCode,
    TypedNumber,
)
from edge.circulation.reasons import Reason
from edge.config.models import OfflineSection, PatronSection

log = logging.getLogger(__name__)

#: SIP2 language code (fixed field of 64) -> our language.
SIP_LANGUAGES = {"001": "en", "en": "en", "english": "en", "vi": "vi", "vietnamese": "vi"}


def load_lookup(path: Path) -> dict[str, str]:
    """``credential,patron id`` lines; ``#`` starts a comment line; a header
    line ``credential,patron`` is allowed. Keys are compared upper-case."""
    table: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), 1):
                if not row or row[0].lstrip().startswith("#"):
                    continue
                if len(row) < 2 or not row[0].strip() or not row[1].strip():
                    raise CirculationConfigError(
                        f"{path}:{number}: expected 'credential,patron id'")
                key, value = row[0].strip().upper(), row[1].strip()
                if number == 1 and key == "CREDENTIAL":
                    continue
                table[key] = value
    except OSError as exc:
        raise CirculationConfigError(f"{path}: cannot read the patron lookup table: "
                                     f"{exc.strerror or exc}") from exc
    return table


class PatronRules:
    """Credential -> ILS patron id (pure once built)."""

    def __init__(self, section: PatronSection, lookup: dict[str, str] | None = None) -> None:
        self.section = section
        self.pattern = re.compile(section.id_pattern) if section.id_pattern else None
        if lookup is None and section.lookup_file is not None:
            lookup = load_lookup(section.lookup_file)
        self.lookup = lookup or {}

    def card_number(self, uid: bytes) -> str:
        data = uid if self.section.uid_byte_order == "msb" else uid[::-1]
        if self.section.uid_format == "decimal":
            return str(int.from_bytes(data, "big"))
        return data.hex().upper()

    def patron_id(self, credential: Credential) -> str | None:
        """The patron id, or None when the credential cannot be one."""
        if isinstance(credential, CardUid):
            value = self.card_number(credential.uid)
        elif isinstance(credential, (ScannedCode, TypedNumber)):
            text = credential.text.strip()
            if self.pattern is not None:
                match = self.pattern.fullmatch(text)
                if match is None:
                    return None
                text = match.group("id") if "id" in self.pattern.groupindex else match.group(0)
            value = text
        else:  # pragma: no cover - the union is closed
            return None
        if not value or any(c in value for c in "|\r\n"):
            return None
        found = self.lookup.get(value.upper())
        return found if found is not None else self.section.id_prefix + value


def patron_from_sip(result: PatronInformationResult, patron_id: str,
                    pin: str | None) -> Patron:
    blocked = result.blocked
    return Patron(
        id=result.patron_identifier or patron_id, name=result.personal_name or None,
        language=SIP_LANGUAGES.get(str(result.language).lower()),
        email=result.email_address or None, blocked=blocked,
        block_reason=(" / ".join(result.screen_message) or None) if blocked else None,
        flags=result.patron_status, fines=result.fee_amount, currency=result.currency_type,
        screen_messages=result.screen_message, pin=pin)


class Identifier:
    def __init__(self, rules: PatronRules, ils: IlsLink, caches: Caches,
                 offline: OfflineSection) -> None:
        self.rules = rules
        self.ils = ils
        self.caches = caches
        self.offline = offline

    async def identify(self, credential: Credential, pin: str | None = None) -> IdentifyResult:
        patron_id = self.rules.patron_id(credential)
        if patron_id is None:
            return IdentifyResult("refused", reason=Reason.CREDENTIAL_INVALID)
        pin = pin or None
        try:
            result = await self.ils.call(
                lambda c: c.patron_information(patron_id, pin))
        except IlsUnavailable:
            return await self._offline(patron_id, pin)
        if not (result.valid_patron or (result.valid_patron is None and result.personal_name)):
            return IdentifyResult("refused", reason=Reason.PATRON_UNKNOWN,
                                  detail=" / ".join(result.screen_message) or None,
                                  patron_id=patron_id)
        if pin is None and self.rules.section.pin_required:
            return IdentifyResult("pin_required", reason=Reason.PIN_REQUIRED,
                                  patron_id=patron_id)
        if pin is not None and result.valid_patron_password is False:
            await asyncio.to_thread(self.caches.forget_pin, patron_id)
            return IdentifyResult("refused", reason=Reason.PIN_WRONG, patron_id=patron_id)
        patron = patron_from_sip(result, patron_id, pin)
        accepted = pin if pin is not None and result.valid_patron_password else None
        await asyncio.to_thread(
            self.caches.remember_patron, patron_id, patron.id, name=patron.name,
            language=patron.language,
            blocked=patron.blocked, block_reason=patron.block_reason, accepted_pin=accepted)
        return IdentifyResult("ok", patron=patron, patron_id=patron.id,
                              reason=Reason.PATRON_BLOCKED if patron.blocked else None,
                              detail=patron.block_reason)

    async def _offline(self, patron_id: str, pin: str | None) -> IdentifyResult:
        if not self.offline.enabled:
            return IdentifyResult("refused", reason=Reason.ILS_UNAVAILABLE, patron_id=patron_id)
        cached = await asyncio.to_thread(self.caches.patron, patron_id)
        if self.rules.section.pin_required:
            if pin is None:
                return IdentifyResult("pin_required", reason=Reason.PIN_REQUIRED,
                                      patron_id=patron_id)
            if await asyncio.to_thread(self.caches.check_pin, patron_id, pin) is False:
                return IdentifyResult("refused", reason=Reason.PIN_WRONG, patron_id=patron_id)
        patron = Patron(id=cached.patron_id if cached else patron_id,
                        name=cached.name if cached else None,
                        language=cached.language if cached else None,
                        blocked=bool(cached and cached.blocked),
                        block_reason=cached.block_reason if cached else None,
                        offline=True, pin=pin)
        return IdentifyResult("ok", patron=patron, patron_id=patron.id,
                              reason=Reason.PATRON_BLOCKED if patron.blocked else None,
                              detail=patron.block_reason)
