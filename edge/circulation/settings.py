"""Circulation's settings, gathered from a device configuration's sections
(the service itself knows nothing of TOML files)."""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.rfid import PadOptions
from drivers.tags.security import SecurityPolicy
from edge.config.models import (
    LibrarySection,
    OfflineSection,
    PatronSection,
    PrinterSection,
    SmtpSection,
    TagsSection,
)


@dataclass(frozen=True)
class CirculationSettings:
    library: LibrarySection
    site: str = ""
    device: str = ""
    #: Language of staff alerts and receipts (the device's).
    language: str = "vi"
    tags: TagsSection = field(default_factory=TagsSection)
    patron: PatronSection = field(default_factory=PatronSection)
    offline: OfflineSection = field(default_factory=OfflineSection)
    pad: PadOptions = field(default_factory=PadOptions)
    #: SIP2 institution id (AO), put in loan and return events.
    institution: str | None = None
    #: Reader write retries for the tag's security state.
    write_retries: int = 2
    printer: PrinterSection | None = None
    smtp: SmtpSection | None = None
    smtp_password: str | None = field(default=None, repr=False)
    #: How often the service tells the status board it is alive.
    status_interval_s: float = 60.0

    @property
    def security(self) -> SecurityPolicy:
        t = self.tags
        return SecurityPolicy(afi_secured=t.afi_secured, afi_on_loan=t.afi_on_loan,
                              use_afi=t.use_afi, use_eas=t.use_eas)
