"""Item security semantics: what AFI (and EAS) value means "secured".

ISO 28560-1 leaves security to the AFI (ISO/IEC 15693 application family
identifier) or to the tag's EAS bit. The ISO TC46/SC4/WG11 AFI note
(biblstandard.dk/rfid/afi.htm) gives 0x07 for items in stock (secured) and
0xC2 for items on loan; vendors used others (3M: 0xD7 secured, 0xDA not), so
both values are per-site settings (``[tags]`` in the device configuration).
The AFI is never locked: it changes at every loan and return.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SecurityState(enum.Enum):
    """What a tag's AFI/EAS say about the item."""

    #: In the library: a gate alarms.
    SECURED = "secured"
    #: Checked out: a gate lets it pass.
    ON_LOAN = "on_loan"
    #: An AFI that is neither configured value (another library's, or unset).
    UNKNOWN = "unknown"
    #: AFI and EAS disagree (both in use): a half-finished write.
    INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class SecurityPolicy:
    """A site's security values. ``use_afi`` / ``use_eas`` say which of the
    two mechanisms the site relies on; at least one must be on."""

    afi_secured: int = 0x07
    afi_on_loan: int = 0xC2
    use_afi: bool = True
    use_eas: bool = False

    def __post_init__(self) -> None:
        for name in ("afi_secured", "afi_on_loan"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 0xFF:
                raise ValueError(f"{name} must be one byte (0x00..0xFF), not {value!r}")
        if self.afi_secured == self.afi_on_loan:
            raise ValueError(f"afi_secured and afi_on_loan are both 0x{self.afi_secured:02X}; "
                             f"a gate could not tell them apart")
        if not (self.use_afi or self.use_eas):
            raise ValueError("use_afi and use_eas are both off: nothing would secure items")

    @classmethod
    def vendor_3m(cls) -> SecurityPolicy:
        """3M's values: 0xD7 secured, 0xDA on loan."""
        return cls(afi_secured=0xD7, afi_on_loan=0xDA)

    def afi_for(self, secured: bool) -> int:
        """The AFI to write for an item that should (not) be secured."""
        return self.afi_secured if secured else self.afi_on_loan

    def eas_for(self, secured: bool) -> bool | None:
        """The EAS state to set, or ``None`` if this site does not use EAS."""
        return secured if self.use_eas else None

    def state(self, afi: int, eas: bool | None = None) -> SecurityState:
        by_afi: bool | None = None
        if self.use_afi:
            if afi == self.afi_secured:
                by_afi = True
            elif afi == self.afi_on_loan:
                by_afi = False
            else:
                return SecurityState.UNKNOWN
        by_eas = eas if self.use_eas else None
        if by_afi is not None and by_eas is not None and by_afi != by_eas:
            return SecurityState.INCONSISTENT
        verdict = by_afi if by_afi is not None else by_eas
        if verdict is None:
            return SecurityState.UNKNOWN
        return SecurityState.SECURED if verdict else SecurityState.ON_LOAN

    def is_secured(self, afi: int, eas: bool | None = None) -> bool | None:
        """``True`` secured, ``False`` on loan, ``None`` when the AFI is
        neither configured value (or AFI and EAS disagree, or the EAS-only
        site was not told the EAS state)."""
        state = self.state(afi, eas)
        if state is SecurityState.SECURED:
            return True
        if state is SecurityState.ON_LOAN:
            return False
        return None
