"""An item tag's security state, as the site's
:class:`~drivers.tags.security.SecurityPolicy` defines it: the AFI (written,
then read back through Get System Information, retried by the reader) and/or
the NXP EAS bit (set or reset; the tag acknowledges each command, but ISO
15693 has no per-tag EAS read-back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from drivers.rfid import Reader, parse_uid
from drivers.rfid.errors import TagError, TagNotPresentError, TagRfError
from drivers.tags.security import SecurityPolicy, SecurityState

TagState = Literal["secured", "on_loan", "unknown", "absent"]


class TagSecurity:
    def __init__(self, reader: Reader, policy: SecurityPolicy, *, retries: int = 2) -> None:
        self.reader = reader
        self.policy = policy
        self.retries = retries

    async def set(self, uid: str, secured: bool) -> None:
        """Make the tag secured (in the library) or not (on loan). Returns
        only when the AFI reads back right; raises the reader's error
        (TagLeftError, TagWriteError, VerifyError, TransportError ...)."""
        raw = parse_uid(uid)
        if self.policy.use_afi:
            await self.reader.write_afi(raw, self.policy.afi_for(secured), retries=self.retries)
        if self.policy.use_eas:
            for attempt in range(self.retries + 1):
                try:
                    if secured:
                        await self.reader.set_eas(raw)
                    else:
                        await self.reader.reset_eas(raw)
                    break
                except (TagRfError, TagNotPresentError):
                    if attempt == self.retries:
                        raise

    async def set_all(self, uids: Sequence[str], secured: bool) -> None:
        for uid in uids:
            await self.set(uid, secured)

    async def state(self, uid: str) -> TagState:
        """What the tag says now: ``absent`` if it does not answer, ``unknown``
        when its AFI is neither configured value or the site uses EAS only."""
        try:
            info = await self.reader.system_info(parse_uid(uid))
        except TagNotPresentError:
            return "absent"
        if not self.policy.use_afi or info.afi is None:
            return "unknown"
        state = self.policy.state(info.afi)
        if state is SecurityState.SECURED:
            return "secured"
        if state is SecurityState.ON_LOAN:
            return "on_loan"
        return "unknown"

    async def states(self, uids: Sequence[str]) -> list[TagState]:
        out: list[TagState] = []
        for uid in uids:
            try:
                out.append(await self.state(uid))
            except TagError:  # garbled answers: a transport failure propagates
                out.append("unknown")
        return out
