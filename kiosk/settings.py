"""What the kiosk's screens need from the device configuration: the
``[kiosk]`` section, the site's language and library name, whether a PIN is
asked, and the staff credential (the secret ``staff_pin``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.config.loader import LoadedConfig
from edge.config.models import KioskConfig


@dataclass(frozen=True)
class KioskSettings:
    language: str = "vi"
    library_name: str = ""
    idle_timeout_s: float = 60.0
    idle_warning_s: float = 15.0
    ask_item_count: bool = False
    request_timeout_s: float = 30.0
    done_timeout_s: float = 8.0
    staff_pin: str | None = field(default=None, repr=False)
    staff_patron_ids: frozenset[str] = frozenset()
    staff_patron_classes: frozenset[str] = frozenset({"staff"})
    #: Wrong staff PINs in a row before the keypad refuses for a while.
    staff_pin_attempts: int = 5
    staff_lockout_s: float = 60.0
    high_contrast: bool = False
    large_text: bool = False
    sounds: bool = True
    volume: float = 0.7
    camera: int | None = None
    fullscreen: bool = True
    printer: bool = False
    email: bool = False

    @classmethod
    def from_config(cls, loaded: LoadedConfig) -> KioskSettings:
        device = loaded.device
        if not isinstance(device, KioskConfig):
            raise ValueError(f"a {device.role} has no kiosk screen")
        kiosk = device.kiosk
        pin = loaded.secrets.staff_pin
        return cls(
            language=device.language, library_name=device.library.name,
            idle_timeout_s=kiosk.idle_timeout_s,
            idle_warning_s=min(kiosk.idle_warning_s, kiosk.idle_timeout_s),
            ask_item_count=kiosk.ask_item_count, request_timeout_s=kiosk.request_timeout_s,
            done_timeout_s=kiosk.done_timeout_s,
            staff_pin=pin.get_secret_value() if pin else None,
            staff_patron_ids=frozenset(kiosk.staff_patron_ids),
            staff_patron_classes=frozenset(c.lower() for c in kiosk.staff_patron_classes),
            high_contrast=kiosk.high_contrast, large_text=kiosk.large_text,
            sounds=kiosk.sounds, volume=kiosk.volume, camera=kiosk.camera,
            fullscreen=kiosk.fullscreen, printer=device.printer is not None,
            email=device.smtp is not None)
