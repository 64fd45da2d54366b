"""What the device remembers from the ILS, in its store: item titles (so the
stack shows them without asking again, and offline) and patrons (name, block
and a salted hash of the PIN the ILS accepted) for offline mode.

Synchronous; call through ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from edge.store import Store

#: PBKDF2 rounds for cached PINs: a stolen SD card should not give PINs away
#: cheaply, and one check must stay well under the time of a tap.
PIN_ROUNDS: Final = 50_000


@dataclass(frozen=True, slots=True)
class CachedPatron:
    credential_id: str
    patron_id: str
    name: str | None
    language: str | None
    blocked: bool
    block_reason: str | None
    has_pin: bool
    updated_ms: int


def _pin_hash(pin: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, PIN_ROUNDS).hex()


class Caches:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.db = store.db
        self._clock = clock
        self._titles: dict[str, str] = {}

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -------------------------------------------------------------- titles

    def title(self, pii: str) -> str | None:
        found = self._titles.get(pii)
        if found is None:
            value = self.db.scalar("SELECT title FROM circulation_titles WHERE pii = ?", (pii,))
            if value is not None:
                found = self._titles[pii] = str(value)
        return found

    def remember_title(self, pii: str, title: str) -> None:
        if not title or self._titles.get(pii) == title:
            return
        self._titles[pii] = title
        with self.db.write() as conn:
            conn.execute("INSERT INTO circulation_titles (pii, title, updated_ms) VALUES "
                         "(?, ?, ?) ON CONFLICT(pii) DO UPDATE SET title = excluded.title, "
                         "updated_ms = excluded.updated_ms", (pii, title[:500], self._now_ms()))

    # ------------------------------------------------------------- patrons

    _PATRON = ("SELECT credential_id, patron_id, name, language, blocked, block_reason, "
               "pin_hash IS NOT NULL, updated_ms FROM circulation_patrons")

    def patron(self, credential_id: str) -> CachedPatron | None:
        rows = self.db.query(f"{self._PATRON} WHERE credential_id = ?", (credential_id,))
        if not rows:
            return None
        key, pid, name, language, blocked, reason, has_pin, updated = rows[0]
        return CachedPatron(str(key), str(pid), name, language, bool(blocked), reason,
                            bool(has_pin), int(updated))

    def remember_patron(self, credential_id: str, patron_id: str, *, name: str | None,
                        language: str | None, blocked: bool, block_reason: str | None,
                        accepted_pin: str | None = None) -> None:
        """What the ILS just said about the patron a credential names;
        ``accepted_pin`` when the ILS confirmed that PIN (its hash is kept
        for offline checks)."""
        pin_hash = pin_salt = None
        if accepted_pin:
            salt = secrets.token_bytes(16)
            pin_hash, pin_salt = _pin_hash(accepted_pin, salt), salt.hex()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO circulation_patrons (credential_id, patron_id, name, language, "
                "blocked, block_reason, pin_hash, pin_salt, updated_ms) VALUES (?, ?, ?, ?, ?, "
                "?, ?, ?, ?) ON CONFLICT(credential_id) DO UPDATE SET patron_id = "
                "excluded.patron_id, name = excluded.name, language = "
                "excluded.language, blocked = excluded.blocked, block_reason = "
                "excluded.block_reason, pin_hash = COALESCE(excluded.pin_hash, pin_hash), "
                "pin_salt = COALESCE(excluded.pin_salt, pin_salt), updated_ms = "
                "excluded.updated_ms",
                (credential_id, patron_id, name, language, int(blocked), block_reason, pin_hash,
                 pin_salt, self._now_ms()))

    def forget_pin(self, credential_id: str) -> None:
        """The ILS refused the PIN we knew: it changed."""
        with self.db.write() as conn:
            conn.execute("UPDATE circulation_patrons SET pin_hash = NULL, pin_salt = NULL "
                         "WHERE credential_id = ?", (credential_id,))

    def check_pin(self, credential_id: str, pin: str) -> bool | None:
        """True/False against the cached hash; None when no PIN is cached."""
        rows = self.db.query("SELECT pin_hash, pin_salt FROM circulation_patrons WHERE "
                             "credential_id = ?", (credential_id,))
        if not rows or rows[0][0] is None:
            return None
        stored, salt = str(rows[0][0]), bytes.fromhex(str(rows[0][1]))
        return hmac.compare_digest(stored, _pin_hash(pin, salt))

    def blocked_patrons(self) -> list[CachedPatron]:
        """The cached list of blocked patrons (offline mode refuses them)."""
        return [CachedPatron(str(k), str(p), n, lang, bool(b), r, bool(h), int(u))
                for k, p, n, lang, b, r, h, u in self.db.query(
                    f"{self._PATRON} WHERE blocked = 1 ORDER BY credential_id")]
