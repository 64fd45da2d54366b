"""Commented example configurations, one per role (``smartlib config example
ROLE``). Comments are translated; keys and values are the same in every
language. A test validates each example with the real loader."""

from __future__ import annotations

from edge.i18n import N_, _

# A line is either TOML text, or a ("#", text) comment translated when rendered.
Line = str | tuple[str, str]


def _head(role: str, device: str) -> list[Line]:
    return [
        ("#", N_("smartlib-edge configuration. Check it with: smartlib config check FILE")),
        f'role = "{role}"',
        ("#", N_("Site id (letters, digits, - and _): it names this library's MQTT topics.")),
        'site = "hn-tvtp"',
        ("#", N_("Device id, unique within the site.")),
        f'device = "{device}"',
        ("#", N_("Language of screens and messages: vi (default) or en.")),
        'language = "vi"',
        ("#", N_("Secrets (SIP2 password, MQTT credentials, staff PIN) never go in this file:")),
        ("#", N_("put them in a file readable only by the service (chmod 600), or in the")),
        ("#", N_("environment variables SMARTLIB_SIP2_PASSWORD, SMARTLIB_MQTT_USERNAME,")),
        ("#", N_("SMARTLIB_MQTT_PASSWORD, SMARTLIB_STAFF_PIN (they win over the file).")),
        '# secrets_file = "/etc/smartlib/secrets.toml"',
        "",
        "[library]",
        ("#", N_("ISIL of the library (ISO 15511) and its name.")),
        'isil = "VN-TVTPHN"',
        'name = "Thư viện Thành phố Hà Nội"',
        'timezone = "Asia/Ho_Chi_Minh"',
        "",
        "[logging]",
        ("#", N_("DEBUG, INFO, WARNING or ERROR; logfmt or json lines on stderr.")),
        'level = "INFO"',
        'format = "logfmt"',
        "",
        "[store]",
        ("#", N_("The device's own database (event outbox, journal, caches).")),
        'path = "/var/lib/smartlib/device.db"',
        "",
    ]


def _ils(optional: bool = False) -> list[Line]:
    lines: list[Line] = [
        "[ils]",
        ("#", N_("The library system's SIP2 server.")),
        'host = "ils.example.vn"',
        "port = 6001",
        ("#", N_("TLS with certificate verification; ca_file for a private CA.")),
        "tls = false",
        "tls_verify = true",
        '# ca_file = "/etc/smartlib/ils-ca.pem"',
        ("#", N_("Dialect: generic, koha, evergreen, folio, sierra or symphony.")),
        'dialect = "koha"',
        ("#", N_("Character set: utf-8, cp850, latin-1 or ascii (default: the dialect's).")),
        '# encoding = "utf-8"',
        ("#", N_("SIP2 login user (its password is a secret) and location codes.")),
        'login_user = "kiosk01"',
        'institution = "TVTPHN"',
        'location = "TANG1"',
        "timeout_s = 10.0",
        "retries = 3",
        "",
    ]
    if optional:
        return [("#", N_("Optional: the ILS, to name items in alarms."))] + [
            line if isinstance(line, tuple) or not line or line.startswith("#") else f"# {line}"
            for line in lines
        ]
    return lines


def _mqtt() -> list[Line]:
    return [
        "[mqtt]",
        ("#", N_("The MQTT broker (TLS on 8883 with certificate verification).")),
        'host = "mqtt.example.vn"',
        "port = 8883",
        "tls = true",
        '# ca_file = "/etc/smartlib/mqtt-ca.pem"',
        '# client_cert = "/etc/smartlib/device.crt"',
        '# client_key = "/etc/smartlib/device.key"',
        "health_interval_s = 60.0",
        "",
    ]


def _agent(service: str) -> list[Line]:
    return [
        "[agent]",
        ("#", N_("The edge agent. Events the outbox keeps while the centre is unreachable")),
        ("#", N_("(health telemetry is dropped first, transactions never), and when it")),
        ("#", N_("raises the alarm.")),
        "outbox_capacity = 200000",
        "outbox_alarm_ratio = 0.8",
        "keep_acked_hours = 72.0",
        ("#", N_("Services remote commands may restart; also restarted after a remote")),
        ("#", N_("configuration change, which is rolled back if they do not come back.")),
        f'services = {{ {service} = "smartlib-{service}.service" }}',
        "config_confirm_s = 60.0",
        "",
    ]


def _reader_and_tags(poll_interval_s: str = "0.2") -> list[Line]:
    return [
        "[reader]",
        ("#", N_("Item-tag reader URL: feig:///dev/ttyUSB0?baud=38400, feig+socket://host:port,")),
        ("#", N_("pcsc://READER NAME, or sim://demo for the simulator.")),
        'url = "feig:///dev/ttyUSB0?baud=38400"',
        ("#", N_("How often the pad polls, and after how many polls a tag has arrived or left.")),
        f"poll_interval_s = {poll_interval_s}",
        "arrive_after_polls = 1",
        "leave_after_polls = 2",
        ("#", N_("Blocks of tag memory to read on arrival (default: the whole tag).")),
        "# data_blocks = 8",
        "",
        "[tags]",
        ("#", N_("Data model: auto, 28560-2, 28560-3 or 3m.")),
        'model = "auto"',
        ("#", N_("AFI in the library (secured) and on loan; 3M sites often use 0xD7 / 0xDA.")),
        "afi_secured = 0x07",
        "afi_on_loan = 0xC2",
        "use_afi = true",
        "use_eas = false",
        "",
    ]


def _offline() -> list[Line]:
    return [
        "[offline]",
        ("#", N_("What may be done while the ILS cannot be reached; replayed when it returns.")),
        "enabled = true",
        'operations = ["checkin", "checkout"]',
        "max_items_per_patron = 5",
        "loan_days = 14",
        "max_offline_hours = 72.0",
        ("#", N_("How often to ask whether the ILS is back (seconds).")),
        "probe_interval_s = 5.0",
        "",
    ]


def _gpio() -> list[Line]:
    return [
        "[gpio]",
        ("#", N_("GPIO pins through gpiozero: auto, lgpio, rpigpio, pigpio, native, or mock")),
        ("#", N_("(simulated pins, for trying the software without the hardware).")),
        'pin_factory = "auto"',
        "",
    ]


def _example(role: str) -> list[Line]:
    if role == "kiosk":
        return [
            *_head("kiosk", "kiosk-01"),
            *_ils(),
            *_mqtt(),
            *_agent("kiosk"),
            *_reader_and_tags(),
            "[patron]",
            ("#", N_("Patron cards: pcsc://READER NAME or nfc://usb; none for keyboard only.")),
            '# card_reader_url = "pcsc://ACS ACR1252 1S CL Reader PICC 0"',
            "pin_required = true",
            'id_prefix = ""',
            ("#", N_("Card UIDs as hex or decimal, in the byte order the card sends (msb) or")),
            ("#", N_("reversed (lsb); a CSV table 'credential,patron id' is looked up first;")),
            ("#", N_("scanned or typed codes must match id_pattern (group 'id': the number).")),
            'uid_byte_order = "msb"',
            'uid_format = "hex"',
            '# lookup_file = "/etc/smartlib/cards.csv"',
            '# id_pattern = "(?:smartlib:card:)?(?P<id>[0-9A-Za-z]{4,20})"',
            "",
            *_offline(),
            "[kiosk]",
            ("#", N_("Seconds without a touch before the warning, and before the session ends.")),
            "idle_timeout_s = 60.0",
            "idle_warning_s = 15.0",
            ("#", N_("Ask the reader how many items are on the pad, and compare with the tags.")),
            "ask_item_count = false",
            "fullscreen = true",
            "",
            ("#", N_("Receipt printer (ESC/POS): file:///dev/usb/lp0, usb://04b8:0e15,")),
            ("#", N_("socket://HOST:9100 or serial:///dev/ttyS0?baud=19200. Mode text prints")),
            ("#", N_("Vietnamese in the printer's TCVN-3 code pages; mode image draws it with")),
            ("#", N_("a TrueType font, for printers without them.")),
            "# [printer]",
            '# url = "usb://04b8:0e15"',
            '# profile = "TM-T20II"',
            '# mode = "text"',
            "# width_px = 576",
            "",
            ("#", N_("Mail server for e-mailed receipts (password: the secret smtp_password).")),
            "# [smtp]",
            '# host = "mail.example.vn"',
            "# port = 587",
            '# security = "starttls"',
            '# login_user = "kiosk@example.vn"',
            '# from_address = "kiosk@example.vn"',
        ]
    if role == "gate":
        return [
            *_head("gate", "gate-01"),
            *_mqtt(),
            *_agent("gate"),
            ("#", N_("A gate polls without pause. A reader with one antenna in each panel")),
            ("#", N_("reports which saw the tag when the URL ends with &antennas=0x03.")),
            *_reader_and_tags(poll_interval_s="0.02"),
            *_gpio(),
            "[gate]",
            ("#", N_("How long the light and buzzer sound when a secured item passes, and the")),
            ("#", N_("longest they sound while it stays in the field.")),
            "alarm_duration_s = 3.0",
            "alarm_max_s = 30.0",
            ("#", N_("Buzzer on or off, and its pattern: steady, pulse, fast, chirp, double.")),
            "buzzer = true",
            'buzzer_pattern = "pulse"',
            ("#", N_("A secured item alarms again only after it was out of the field this long.")),
            "rearm_after_s = 10.0",
            ("#", N_("Ask only secured tags to answer (AFI sites), and whether a tag with an")),
            ("#", N_("unknown AFI (another library's) alarms.")),
            "afi_filter = true",
            "alarm_unknown_afi = false",
            ("#", N_("Visitor counting with the two beams; counts are sent for periods of this")),
            ("#", N_("length, from local midnight.")),
            "count_visitors = true",
            "visitor_period_s = 300",
            ("#", N_("Staff alerts: the reader disconnected, a beam broken, for this long.")),
            "reader_alert_after_s = 60.0",
            "beam_alert_after_s = 300.0",
            ("#", N_("Beam receivers: internal pull resistor (up, down, none) and the level")),
            ("#", N_("when the beam is broken; relay boards that switch on when low.")),
            'beam_pull = "up"',
            'beam_broken_level = "high"',
            "outputs_active_low = false",
            "",
            "[gate.pins]",
            ("#", N_("BCM pin numbers (wiring in docs/gate.md); false: not fitted.")),
            "red = 17",
            "green = 27",
            "buzzer = 22",
            "beam_outer = 23",
            "beam_inner = 24",
            "",
            *_ils(optional=True),
        ]
    if role == "bookdrop":
        return [
            *_head("bookdrop", "bookdrop-01"),
            *_ils(),
            *_mqtt(),
            *_agent("bookdrop"),
            *_reader_and_tags(),
            *_offline(),
            *_gpio(),
            "[bookdrop]",
            ("#", N_("Sorter: gpio (diverters on the Pi's pins), mcu (a sorter board on a")),
            ("#", N_("serial port, docs/firmware_bridge.md) or none (one bin).")),
            'sorter = "gpio"',
            '# mcu_port = "/dev/serial/by-id/usb-Raspberry_Pi_Pico_E6616407E3-if00"',
            ("#", N_("Where an item goes when its own bin is full; without one the book drop")),
            ("#", N_("stops taking items until the bin is emptied.")),
            'overflow_bin = "problem"',
            ("#", N_("Seconds: the book settling after the slot sensor, looking for its tag,")),
            ("#", N_("a diverter held, the check-in at the ILS.")),
            "settle_s = 0.3",
            "read_timeout_s = 3.0",
            "divert_s = 1.5",
            "checkin_timeout_s = 20.0",
            ("#", N_("Staff are alerted when the reader or sorter has been gone this long.")),
            "alert_after_s = 60.0",
            ("#", N_("Sensors: internal pull resistor (up, down, none) and the level when")),
            ("#", N_("active (an item in the slot, a bin full).")),
            'sensor_pull = "up"',
            'sensor_active_level = "low"',
            "outputs_active_low = false",
            "",
            "[bookdrop.pins]",
            ("#", N_("BCM pin numbers (wiring in docs/bookdrop.md); false: not fitted.")),
            "slot = 5",
            "ready_light = 6",
            "slot_lock = false",
            "conveyor = 13",
            "",
            ("#", N_("The bins: which check-in routings each takes (shelf, hold, transit,")),
            ("#", N_("problem), how many items it holds, its full sensor and its diverter.")),
            "[[bookdrop.bins]]",
            'name = "shelf"',
            'routes = ["shelf"]',
            "capacity = 60",
            "full_pin = 19",
            "",
            "[[bookdrop.bins]]",
            'name = "holds"',
            'routes = ["hold"]',
            "capacity = 40",
            "full_pin = 26",
            "diverter_pin = 20",
            "",
            "[[bookdrop.bins]]",
            'name = "transit"',
            'routes = ["transit"]',
            "capacity = 40",
            "full_pin = 16",
            "diverter_pin = 21",
            "",
            "[[bookdrop.bins]]",
            'name = "problem"',
            'routes = ["problem"]',
            "capacity = 30",
            "diverter_pin = 12",
        ]
    if role == "central":
        return [
            *_head("central", "relay-01"),
            *_mqtt(),
            "[relay]",
            ("#", N_("Event database: SQLite by default, PostgreSQL in production")),
            ("#", N_("(postgresql+psycopg://smartlib@db/smartlib; password from the secrets).")),
            'database_url = "sqlite:////var/lib/smartlib/relay.db"',
            ("#", N_("Relays in the same group share the load (MQTT v5 shared subscription).")),
            'shared_group = "relays"',
            ("#", N_("Larger messages are refused and counted.")),
            "max_payload_bytes = 65536",
            "",
            *_ils(optional=True),
        ]
    if role == "secrets":
        return [
            ("#", N_("smartlib-edge secrets. Keep this file readable only by the service:")),
            ("#", N_("chown smartlib: FILE && chmod 600 FILE")),
            'sip2_password = "change-me"',
            'mqtt_username = "hn-tvtp-kiosk-01"',
            'mqtt_password = "change-me"',
            'staff_pin = "246810"',
            '# smtp_password = "change-me"',
        ]
    raise ValueError(role)


EXAMPLES: tuple[str, ...] = ("kiosk", "gate", "bookdrop", "central", "secrets")


def render(role: str) -> str:
    """The commented example for ``role`` (or ``"secrets"``), as TOML text."""
    out = []
    for line in _example(role):
        out.append(f"# {_(line[1])}" if isinstance(line, tuple) else line)
    return "\n".join(out).rstrip("\n") + "\n"
