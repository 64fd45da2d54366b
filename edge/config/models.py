"""Typed configuration of one device: a TOML file with ``role = "kiosk" |
"gate" | "bookdrop" | "central"`` and the sections that role needs.

Unknown keys are errors (a misspelt key must not be silently ignored).
Secrets never live here: see :mod:`edge.config.secrets`.
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Port = Annotated[int, Field(ge=1, le=65535)]
Byte = Annotated[int, Field(ge=0, le=255)]
PositiveSeconds = Annotated[float, Field(gt=0, le=86_400)]

#: ISIL (ISO 15511): a prefix of 1-4 letters or digits, a hyphen, then up to
#: 11 characters from A-Z a-z 0-9 - / : ; 16 characters in all.
ISIL_RE = re.compile(r"^[A-Za-z0-9]{1,4}-[A-Za-z0-9:/-]{1,11}$")
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

READER_SCHEMES = frozenset({"feig", "feig+socket", "pcsc", "nfc", "sim", "3m", "3m+socket"})
CARD_SCHEMES = frozenset({"pcsc", "nfc", "keyboard", "sim"})


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LibrarySection(Section):
    """The library this device belongs to."""

    isil: str
    name: str
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("isil")
    @classmethod
    def _isil(cls, value: str) -> str:
        if len(value) > 16 or not ISIL_RE.match(value):
            raise ValueError("not an ISIL (ISO 15511), e.g. VN-HaNoi1 or DK-718500")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Ho_Chi_Minh") from None
        return value


class LoggingSection(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["logfmt", "json"] = "logfmt"


class StoreSection(Section):
    """The device's SQLite database."""

    path: Path = Path("/var/lib/smartlib/device.db")


class IlsSection(Section):
    """The library system's SIP2 server."""

    host: str
    port: Port = 6001
    tls: bool = False
    tls_verify: bool = True
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    server_name: str | None = None
    dialect: Literal["generic", "koha", "evergreen", "folio", "sierra", "symphony"] = "generic"
    #: None: the dialect's default.
    encoding: Literal["utf-8", "cp850", "latin-1", "ascii"] | None = None
    #: SIP2 login user id (CN). Its password (CO) is a secret.
    login_user: str | None = None
    institution: str = ""
    location: str = ""
    timeout_s: PositiveSeconds = 10.0
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    keepalive_s: PositiveSeconds = 60.0


class MqttSection(Section):
    """The MQTT broker the agent (or the relay) talks to."""

    host: str
    port: Port = 8883
    tls: bool = True
    tls_verify: bool = True
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    keepalive_s: Annotated[int, Field(ge=5, le=3600)] = 30
    health_interval_s: PositiveSeconds = 60.0
    topic_prefix: str = "smartlib/v1"
    #: MQTT client id; default ``{site}.{device}``.
    client_id: str | None = None
    connect_timeout_s: PositiveSeconds = 10.0
    #: Seconds between reconnection attempts: doubles from min to max (with jitter).
    reconnect_min_s: PositiveSeconds = 1.0
    reconnect_max_s: PositiveSeconds = 60.0

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value or value.startswith("/") or value.endswith("/") or any(
                c in value for c in "+#$"):
            raise ValueError("a topic prefix such as smartlib/v1 (no wildcards, no '/' at "
                             "either end)")
        return value


class AgentSection(Section):
    """The edge agent: outbox draining, retention and remote commands."""

    #: QoS 1 messages in flight before their PUBACKs (capped by the broker's).
    max_inflight: Annotated[int, Field(ge=1, le=1000)] = 100
    #: Events read from the outbox at a time.
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    #: Pending events the outbox holds before it drops health telemetry.
    outbox_capacity: Annotated[int, Field(ge=100, le=10_000_000)] = 200_000
    #: Raise the alarm when the outbox is this full.
    outbox_alarm_ratio: Annotated[float, Field(gt=0, le=1)] = 0.8
    #: Acknowledged events kept on the device (history, re-sending).
    keep_acked_hours: Annotated[float, Field(ge=0, le=24 * 365)] = 72.0
    retention_interval_s: PositiveSeconds = 30.0
    #: Longest a command may take before the agent answers "failed".
    command_timeout_s: PositiveSeconds = 30.0
    #: How long a new configuration has to come up before it is rolled back.
    config_confirm_s: PositiveSeconds = 60.0
    #: How long to wait for the kiosk to show a lock change.
    lock_ack_timeout_s: PositiveSeconds = 5.0
    #: Services remote commands may restart, name -> systemd unit. They are
    #: also restarted when a new configuration is applied.
    services: dict[str, str] = {}
    systemctl: Path = Path("/usr/bin/systemctl")
    #: A component whose service has not reported for this long shows as unknown.
    status_stale_s: PositiveSeconds = 300.0

    @field_validator("services")
    @classmethod
    def _services(cls, value: dict[str, str]) -> dict[str, str]:
        for name, unit in value.items():
            if not NAME_RE.match(name) or name == "agent":
                raise ValueError(f"service name {name!r}: letters, digits, - and _ "
                                 "(and not 'agent', which is this service)")
            if not re.match(r"^[A-Za-z0-9@_.:-]+\.service$", unit):
                raise ValueError(f"{unit!r} is not a systemd service unit name")
        return value


class ReaderSection(Section):
    """The item-tag RFID reader, opened from a URL whose scheme picks the
    protocol: ``feig:///dev/ttyUSB0?baud=38400``, ``feig+socket://host:port``,
    ``pcsc://READER NAME``, ``sim://...``; and how its pad view debounces."""

    url: str
    #: How often the pad asks the reader what is on it.
    poll_interval_s: Annotated[float, Field(gt=0, le=10)] = 0.2
    #: Polls in a row a tag must be seen in before it counts as arrived.
    arrive_after_polls: Annotated[int, Field(ge=1, le=20)] = 1
    #: Polls in a row a tag must be missing from before it counts as gone.
    leave_after_polls: Annotated[int, Field(ge=1, le=50)] = 2
    #: Blocks of memory read when a tag arrives; None reads the whole tag.
    data_blocks: Annotated[int, Field(ge=1, le=256)] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        # not urlsplit: PC/SC reader names hold spaces and square brackets
        scheme = value.partition("://")[0].lower()
        if scheme not in READER_SCHEMES:
            known = ", ".join(sorted(READER_SCHEMES))
            raise ValueError(f"unknown reader scheme {scheme!r}; known: {known}")
        return value


class TagsSection(Section):
    """How this site's item tags are encoded and secured."""

    model: Literal["auto", "28560-2", "28560-3", "3m"] = "auto"
    #: AFI of an item in the library (secured). ISO WG note: 0x07.
    afi_secured: Byte = 0x07
    #: AFI of an item on loan. ISO WG note: 0xC2. 3M sites use 0xD7 / 0xDA.
    afi_on_loan: Byte = 0xC2
    use_afi: bool = True
    use_eas: bool = False


class OfflineSection(Section):
    """What a kiosk or book drop may do while the ILS cannot be reached."""

    enabled: bool = True
    operations: list[Literal["checkout", "checkin", "renew"]] = ["checkin", "checkout"]
    max_items_per_patron: Annotated[int, Field(ge=0, le=100)] = 5
    loan_days: Annotated[int, Field(ge=1, le=365)] = 14
    max_offline_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 72.0
    #: How often an offline device asks whether the ILS is back.
    probe_interval_s: Annotated[float, Field(ge=0.05, le=3600)] = 5.0


class PatronSection(Section):
    """How a card, barcode or typed number becomes an ILS patron id."""

    card_reader_url: str | None = None
    pin_required: bool = False
    #: Prefix added to a card UID / barcode before asking the ILS.
    id_prefix: str = ""
    uid_byte_order: Literal["msb", "lsb"] = "msb"
    uid_format: Literal["hex", "decimal"] = "hex"
    #: CSV file of ``credential,patron id`` lines (card UIDs written as the
    #: rules above format them, barcodes as printed), consulted first.
    lookup_file: Path | None = None
    #: Regular expression a scanned or typed code must match; its group
    #: ``id`` (else the whole match) is the card number.
    id_pattern: str | None = None

    @field_validator("id_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @field_validator("card_reader_url")
    @classmethod
    def _card_url(cls, value: str | None) -> str | None:
        if value is not None and value.partition("://")[0].lower() not in CARD_SCHEMES:
            known = ", ".join(sorted(CARD_SCHEMES))
            raise ValueError(f"unknown card reader scheme; known: {known}")
        return value


PRINTER_SCHEMES = frozenset({"file", "usb", "socket", "serial"})


class PrinterSection(Section):
    """The receipt printer (ESC/POS), opened from a URL:
    ``file:///dev/usb/lp0``, ``usb://04b8:0e15``, ``socket://host:9100``,
    ``serial:///dev/ttyS0?baud=19200``."""

    url: str
    #: python-escpos printer profile (code pages, paper width), e.g. TM-T20II.
    profile: str = "TM-T20II"
    #: ``text``: characters in the printer's code pages (TCVN-3 for
    #: Vietnamese); ``image``: the receipt rendered as a bitmap with ``font``.
    mode: Literal["text", "image"] = "text"
    #: Printable width in dots (576 for 80 mm paper, 384 for 58 mm).
    width_px: Annotated[int, Field(ge=128, le=2048)] = 576
    #: TrueType font for image mode; it must cover Vietnamese.
    font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font_size_px: Annotated[int, Field(ge=8, le=96)] = 24
    cut: bool = True
    timeout_s: PositiveSeconds = 10.0

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        scheme = value.partition("://")[0].lower()
        if scheme not in PRINTER_SCHEMES:
            known = ", ".join(sorted(PRINTER_SCHEMES))
            raise ValueError(f"unknown printer scheme {scheme!r}; known: {known}")
        return value


class SmtpSection(Section):
    """The mail server receipts are sent through. The password is a secret
    (``smtp_password``)."""

    host: str
    port: Port = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    tls_verify: bool = True
    ca_file: Path | None = None
    login_user: str | None = None
    from_address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    from_name: str | None = None
    timeout_s: PositiveSeconds = 15.0


class KioskSection(Section):
    idle_timeout_s: PositiveSeconds = 60.0
    idle_warning_s: PositiveSeconds = 15.0
    ask_item_count: bool = False
    #: Camera for barcodes and QR codes: a V4L2 index (0 is /dev/video0).
    camera: int | None = None
    fullscreen: bool = True
    #: Staff cards: patron ids (as the card maps to them) that open staff
    #: mode, and the ILS patron classes (SIP2 PC) that do.
    staff_patron_ids: list[str] = []
    staff_patron_classes: list[str] = ["staff"]
    #: The screen stops waiting for the ILS or a tag write after this long
    #: (the transaction itself is finished by the circulation service).
    request_timeout_s: PositiveSeconds = 30.0
    #: Seconds the goodbye screen stays before the welcome screen.
    done_timeout_s: PositiveSeconds = 8.0
    high_contrast: bool = False
    large_text: bool = False
    sounds: bool = True
    volume: Annotated[float, Field(ge=0, le=1)] = 0.7


class GateSection(Section):
    alarm_duration_s: PositiveSeconds = 3.0
    count_visitors: bool = True


class BookdropSection(Section):
    bins: list[Literal["shelf", "holds", "transit", "problem"]] = ["shelf"]


class RelaySection(Section):
    #: SQLAlchemy URL; its password (if any) comes from the secrets.
    database_url: str = "sqlite:////var/lib/smartlib/relay.db"
    #: MQTT v5 shared-subscription group: relays in one group share the load.
    shared_group: Annotated[str, Field(pattern=NAME_RE.pattern)] = "relays"
    #: Larger messages are refused (and counted).
    max_payload_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 65536
    #: Messages stored per database transaction, at most.
    batch_max: Annotated[int, Field(ge=1, le=10_000)] = 500
    #: QoS 1 messages the broker may send before the relay acknowledges them.
    receive_maximum: Annotated[int, Field(ge=1, le=65535)] = 1000
    #: How long the broker keeps a stopped relay's queue.
    session_expiry_s: Annotated[int, Field(ge=0, le=30 * 86400)] = 7 * 86400
    #: Seconds to wait for the ILS when naming an alarmed item.
    title_timeout_s: PositiveSeconds = 3.0


class DeviceBase(Section):
    site: Annotated[str, Field(pattern=NAME_RE.pattern)]
    device: Annotated[str, Field(pattern=NAME_RE.pattern)]
    language: Literal["vi", "en"] = "vi"
    #: Where the secrets live; environment variables override it.
    secrets_file: Path | None = None
    library: LibrarySection
    logging: LoggingSection = LoggingSection()
    store: StoreSection = StoreSection()
    mqtt: MqttSection | None = None
    agent: AgentSection = AgentSection()


class KioskConfig(DeviceBase):
    role: Literal["kiosk"]
    ils: IlsSection
    reader: ReaderSection
    tags: TagsSection = TagsSection()
    patron: PatronSection = PatronSection()
    offline: OfflineSection = OfflineSection()
    kiosk: KioskSection = KioskSection()
    printer: PrinterSection | None = None
    smtp: SmtpSection | None = None


class GateConfig(DeviceBase):
    role: Literal["gate"]
    reader: ReaderSection
    ils: IlsSection | None = None
    tags: TagsSection = TagsSection()
    gate: GateSection = GateSection()


class BookdropConfig(DeviceBase):
    role: Literal["bookdrop"]
    ils: IlsSection
    reader: ReaderSection
    tags: TagsSection = TagsSection()
    offline: OfflineSection = OfflineSection()
    bookdrop: BookdropSection = BookdropSection()


class CentralConfig(DeviceBase):
    role: Literal["central"]
    mqtt: MqttSection
    ils: IlsSection | None = None
    relay: RelaySection = RelaySection()


DeviceConfig = Annotated[
    KioskConfig | GateConfig | BookdropConfig | CentralConfig, Field(discriminator="role")
]
ROLES: tuple[str, ...] = ("kiosk", "gate", "bookdrop", "central")
