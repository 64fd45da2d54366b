"""The circulation service of a device, built from its loaded configuration:
the store, the ILS (``[ils]`` + the SIP2 password), the item reader
(``[reader]``), the patron card reader (``[patron] card_reader_url``), the
tag, patron, offline, printer and mail settings.

    loaded = edge.config.loader.load("/etc/smartlib/kiosk.toml")
    async with service_from_config(loaded) as service:
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from drivers.cards import CardReader, open_card_reader
from drivers.cards.errors import CardConfigError
from drivers.rfid import PadOptions, Reader, make_reader
from drivers.rfid.errors import ReaderConfigError
from edge.circulation.errors import CirculationConfigError
from edge.circulation.identify import PatronRules
from edge.circulation.ilslink import IlsLink
from edge.circulation.journal import Journal
from edge.circulation.service import CirculationService
from edge.circulation.settings import CirculationSettings
from edge.circulation.transactions import Checkpoint, no_checkpoint
from edge.config.loader import LoadedConfig
from edge.config.models import BookdropConfig, KioskConfig, PatronSection, ReaderSection
from edge.ils import sip2_settings
from edge.store import Store, open_store


def library_clock(timezone: str) -> Callable[[], datetime]:
    """The library's local time, aware."""
    zone = ZoneInfo(timezone)
    return lambda: datetime.now(zone)


def pad_options(section: ReaderSection) -> PadOptions:
    return PadOptions(poll_interval_s=section.poll_interval_s,
                      arrive_after=section.arrive_after_polls,
                      leave_after=section.leave_after_polls, data_blocks=section.data_blocks)


def settings_from_config(loaded: LoadedConfig) -> CirculationSettings:
    device = loaded.device
    if not isinstance(device, (KioskConfig, BookdropConfig)):
        raise CirculationConfigError(f"a {device.role} has no circulation")
    password = loaded.secrets.smtp_password
    kiosk = device if isinstance(device, KioskConfig) else None
    return CirculationSettings(
        library=device.library, site=device.site, device=device.device,
        language=device.language, tags=device.tags,
        patron=kiosk.patron if kiosk else PatronSection(),
        offline=device.offline, pad=pad_options(device.reader),
        institution=device.ils.institution or None,
        printer=kiosk.printer if kiosk else None, smtp=kiosk.smtp if kiosk else None,
        smtp_password=password.get_secret_value() if password else None)


def service_from_config(loaded: LoadedConfig, *, reader: Reader | None = None,
                        card_reader: CardReader | None = None, open_cards: bool = True,
                        with_reader: bool = True, store: Store | None = None,
                        own_reader: bool = True,
                        checkpoint: Checkpoint = no_checkpoint) -> CirculationService:
    """A service for the kiosk or book drop described by ``loaded``. It owns
    the store it opens (closed with the service); a ``store`` given is the
    caller's and stays open. ``own_reader=False``: the caller opens, polls
    and closes ``reader`` (the book drop). ``reader`` and
    ``card_reader`` replace the configured devices (tests, the demo);
    ``with_reader=False`` leaves the item reader out (a replay from the
    command line: transactions are then refused, recovery of tag steps
    waits for the service)."""
    device = loaded.device
    settings = settings_from_config(loaded)
    assert isinstance(device, (KioskConfig, BookdropConfig))
    if reader is None and with_reader:
        try:
            reader = make_reader(device.reader.url)
        except ReaderConfigError as exc:
            raise CirculationConfigError(f"[reader] url: {exc}") from exc
    if card_reader is None and open_cards and isinstance(device, KioskConfig):
        url = device.patron.card_reader_url
        if url is not None and url.partition("://")[0] in ("pcsc", "nfc"):
            try:
                card_reader = open_card_reader(url)
            except CardConfigError as exc:
                raise CirculationConfigError(f"[patron] card_reader_url: {exc}") from exc
    rules = PatronRules(settings.patron)
    own_store = store is None
    if store is None:
        store = open_store(device.store.path, timezone=device.library.timezone)
    clock = library_clock(device.library.timezone)
    journal = Journal(store)
    ils = IlsLink(sip2_settings(device.ils, loaded.secrets), journal, clock=clock)
    return CirculationService(store=store, ils=ils, reader=reader, settings=settings,
                              clock=clock, card_reader=card_reader, rules=rules,
                              checkpoint=checkpoint, own_store=own_store,
                              own_reader=own_reader)
