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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    #: An event the broker acknowledged but the centre has not receipted
    #: within this time is sent again (the broker lost it). 0: trust the
    #: broker's acknowledgement alone.
    confirm_timeout_s: Annotated[float, Field(ge=0, le=86_400)] = 120.0
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
    camera: int | None = None
    fullscreen: bool = True


#: A GPIO pin as gpiozero names it: a BCM number (17) or "GPIO17", "BOARD11",
#: "J8:11"; ``false`` for "not fitted".
Pin = Annotated[int, Field(ge=0, le=53, strict=True)] | Annotated[str, Field(
    pattern=r"^(GPIO|BCM|BOARD|WPI|J8:|P1:)?[0-9]{1,2}$")] | Literal[False]
Pull = Literal["up", "down", "none"]
BUZZER_PATTERNS = ("steady", "pulse", "fast", "chirp", "double")


class GpioSection(Section):
    """How this device reaches its GPIO pins."""

    #: gpiozero pin factory: auto (lgpio, then RPi.GPIO, pigpio, native), or
    #: one by name; mock gives simulated pins (demo, tests).
    pin_factory: Literal["auto", "lgpio", "rpigpio", "pigpio", "native", "mock"] = "auto"


class GatePins(Section):
    """The gate's wiring (docs/gate.md); defaults are the documented layout."""

    red: Pin = 17
    green: Pin = 27
    buzzer: Pin = 22
    beam_outer: Pin = 23
    beam_inner: Pin = 24


class GateSection(Section):
    #: How long the red light and buzzer go on when a secured item passes
    #: (extended while the item stays in the field).
    alarm_duration_s: PositiveSeconds = 3.0
    #: Longest an alarm sounds while a secured item stays in the field.
    alarm_max_s: PositiveSeconds = 30.0
    buzzer: bool = True
    buzzer_pattern: Literal["steady", "pulse", "fast", "chirp", "double"] = "pulse"
    #: A secured item alarms again only after it was out of the field this long.
    rearm_after_s: Annotated[float, Field(ge=0.5, le=3600)] = 10.0
    #: Inventory only tags whose AFI matches afi_secured (faster with many
    #: books on loan passing). Applies when the site uses the AFI alone
    #: ([tags] use_afi, not use_eas); EAS sites need every tag.
    afi_filter: bool = True
    #: An alarm is raised for tags whose AFI is neither configured value
    #: (another library's stock, a blank AFI).
    alarm_unknown_afi: bool = False
    #: Blocks read for the item's identifier after an alarm (None: the whole tag).
    pii_blocks: Annotated[int, Field(ge=1, le=256)] | None = None
    count_visitors: bool = True
    #: Length of each visitor_count period; periods start at local midnight.
    visitor_period_s: Annotated[int, Field(ge=60, le=86_400)] = 300
    #: A beam passage this close to an alarm gives the alarm its direction.
    direction_window_s: Annotated[float, Field(ge=0, le=60)] = 3.0
    #: Staff are alerted when the reader has been disconnected this long.
    reader_alert_after_s: PositiveSeconds = 60.0
    #: ... and when a beam has stayed broken this long (blocked, misaligned).
    beam_alert_after_s: PositiveSeconds = 300.0
    #: How often the gate reports its components to the agent's health.
    status_interval_s: Annotated[float, Field(ge=1, le=300)] = 30.0
    #: Beam receivers: internal pull resistor and the level when broken.
    beam_pull: Pull = "up"
    beam_broken_level: Literal["low", "high"] = "high"
    beam_debounce_ms: Annotated[float, Field(ge=0, le=500)] = 5.0
    #: Relay boards that switch on when their input is low.
    outputs_active_low: bool = False
    pins: GatePins = GatePins()

    @field_validator("visitor_period_s")
    @classmethod
    def _period(cls, value: int) -> int:
        if 86_400 % value:
            raise ValueError("must divide a day (86400 s) so periods line up, e.g. 300, 900, "
                             "3600")
        return value

    @model_validator(mode="after")
    def _beams(self) -> GateSection:
        if self.count_visitors and (self.pins.beam_outer is False
                                    or self.pins.beam_inner is False):
            raise ValueError("count_visitors needs both pins.beam_outer and pins.beam_inner "
                             "(or set count_visitors = false)")
        used = [p for p in (self.pins.red, self.pins.green, self.pins.buzzer,
                            self.pins.beam_outer, self.pins.beam_inner) if p is not False]
        if len({str(p) for p in used}) != len(used):
            raise ValueError("a pin is used twice in [gate.pins]")
        return self


Route = Literal["shelf", "hold", "transit", "problem"]
#: Routings a bin takes when its name says so and it lists none.
DEFAULT_ROUTES: dict[str, list[Route]] = {
    "shelf": ["shelf"], "holds": ["hold"], "hold": ["hold"], "transit": ["transit"],
    "problem": ["problem"],
}


class BinSection(Section):
    """One bin of the book drop."""

    #: What staff call it (shown in alerts and health).
    name: Annotated[str, Field(pattern=NAME_RE.pattern)]
    #: Check-in routings sorted here: shelf, hold, transit, problem. Default
    #: from the name (shelf, holds, transit, problem).
    routes: list[Route] | None = None
    #: Items it holds before it counts as full (none: only its sensor says).
    capacity: Annotated[int, Field(ge=1, le=10_000)] | None = 60
    #: Bin-full sensor (GPIO sorter).
    full_pin: Pin = False
    #: Output that turns items into this bin (GPIO sorter); false for the
    #: bin items reach when no diverter acts.
    diverter_pin: Pin = False
    #: The bin's number on the sorter board (MCU sorter); default: its place
    #: in this list, from 0.
    mcu_bin: Annotated[int, Field(ge=0, le=255)] | None = None

    @property
    def takes(self) -> list[Route]:
        return list(self.routes) if self.routes is not None else DEFAULT_ROUTES.get(self.name, [])


class BookdropPins(Section):
    """The book drop's wiring (docs/bookdrop.md); false: not fitted."""

    #: Slot (chute) sensor: an item has been put in.
    slot: Pin = 5
    #: Green "insert a book" light.
    ready_light: Pin = 6
    #: Solenoid that locks the slot while the book drop cannot take items.
    slot_lock: Pin = False
    #: Conveyor motor (through a relay or motor driver).
    conveyor: Pin = False


class BookdropSection(Section):
    #: gpio: diverters and sensors on the Pi's pins; mcu: a sorter board over
    #: the firmware bridge (docs/firmware_bridge.md); none: one bin, no sorting.
    sorter: Literal["gpio", "mcu", "none"] = "gpio"
    #: The sorter board's serial port (pyserial URL), for sorter = "mcu".
    mcu_port: str | None = None
    mcu_baud: Annotated[int, Field(ge=1200, le=3_000_000)] = 115200
    bins: list[BinSection] = [BinSection(name="shelf", routes=["shelf", "hold", "transit",
                                                              "problem"])]
    #: Where an item goes when its own bin is full (a bin name); none: the
    #: book drop stops taking items until the bin is emptied.
    overflow_bin: str | None = None
    #: Pause after the slot sensor before reading (the book settles).
    settle_s: Annotated[float, Field(ge=0, le=10)] = 0.3
    #: How long to look for the item's tag before it counts as unreadable.
    read_timeout_s: Annotated[float, Field(gt=0, le=60)] = 3.0
    #: GPIO sorter: how long a diverter is held and the conveyor runs per item.
    divert_s: Annotated[float, Field(gt=0, le=60)] = 1.5
    #: MCU sorter: how long a sort may take before it is a jam.
    sort_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    #: How long the check-in (the ILS) may take before the item is a problem.
    checkin_timeout_s: Annotated[float, Field(gt=0, le=120)] = 20.0
    #: Bin counts, kept across restarts; default: next to the store.
    counts_file: Path | None = None
    #: Staff are alerted when the reader or sorter has been gone this long.
    alert_after_s: PositiveSeconds = 60.0
    status_interval_s: Annotated[float, Field(ge=1, le=300)] = 30.0
    #: Sensors: internal pull resistor and the level when active (item in
    #: the slot, bin full).
    sensor_pull: Pull = "up"
    sensor_active_level: Literal["low", "high"] = "low"
    outputs_active_low: bool = False
    pins: BookdropPins = BookdropPins()

    @field_validator("bins", mode="before")
    @classmethod
    def _bin_names(cls, value: object) -> object:
        # the short form: bins = ["shelf", "holds", "transit"]
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _plan(self) -> BookdropSection:
        names = [b.name for b in self.bins]
        if not names:
            raise ValueError("bins: at least one bin")
        if len(set(names)) != len(names):
            raise ValueError("bins: two bins have the same name")
        taken = [route for b in self.bins for route in b.takes]
        if len(set(taken)) != len(taken):
            raise ValueError("bins: a routing goes to two bins")
        if "problem" not in taken and len(self.bins) > 1:
            raise ValueError("bins: one bin must take routing \"problem\" (items that "
                             "cannot be checked in or read)")
        if self.overflow_bin is not None and self.overflow_bin not in names:
            raise ValueError(f"overflow_bin: no bin named {self.overflow_bin!r}")
        if self.sorter == "mcu" and not self.mcu_port:
            raise ValueError("sorter = \"mcu\" needs mcu_port (e.g. /dev/ttyACM0)")
        if self.sorter == "gpio" and sum(b.diverter_pin is False for b in self.bins) > 1:
            raise ValueError("sorter = \"gpio\": every bin but one needs a diverter_pin")
        if self.sorter == "none" and len(self.bins) > 1:
            raise ValueError("sorter = \"none\" has one bin")
        pins = [p for p in (self.pins.slot, self.pins.ready_light, self.pins.slot_lock,
                            self.pins.conveyor, *(b.full_pin for b in self.bins),
                            *(b.diverter_pin for b in self.bins)) if p is not False]
        if len({str(p) for p in pins}) != len(pins):
            raise ValueError("a pin is used twice in [bookdrop.pins] and the bins")
        return self

    def bin_for(self, route: Route) -> BinSection:
        """The bin a routing goes to (the problem bin for one no bin takes)."""
        for candidate in (route, "problem"):
            for b in self.bins:
                if candidate in b.takes:
                    return b
        return self.bins[0]


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
    gpio: GpioSection = GpioSection()
    gate: GateSection = GateSection()


class BookdropConfig(DeviceBase):
    role: Literal["bookdrop"]
    ils: IlsSection
    reader: ReaderSection
    tags: TagsSection = TagsSection()
    offline: OfflineSection = OfflineSection()
    gpio: GpioSection = GpioSection()
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
