"""Building a book drop from its configuration: the sorter it names, and
circulation's check-in.

The check-in comes from circulation (issue 6), which this module finds by
name: ``edge.circulation.bookdrop.check_in_for(loaded, store, reader)``
must return an async context manager yielding a
:class:`~edge.bookdrop.checkin.CheckIn` (it opens the SIP2 connection, the
journal, and closes them). Until circulation provides it, ``smartlib
bookdrop`` says so and exits with code 1.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from drivers.gpio import GpioBoard
from edge.bookdrop.checkin import CheckIn
from edge.bookdrop.mcu import McuSorter
from edge.bookdrop.sorters import GpioSorter, NoSorter, Sorter
from edge.config.models import BookdropConfig
from edge.errors import EdgeError
from edge.i18n import _
from firmware_bridge import LinkOptions, McuLink

if TYPE_CHECKING:
    from drivers.rfid import Reader
    from edge.config import LoadedConfig
    from edge.store import Store

CHECKIN_MODULE = "edge.circulation.bookdrop"
CHECKIN_FACTORY = "check_in_for"


class NoCirculationError(EdgeError):
    """This installation has no circulation service to check items in."""


def make_sorter(device: BookdropConfig, board: GpioBoard | None) -> Sorter:
    section = device.bookdrop
    if section.sorter == "mcu":
        assert section.mcu_port is not None  # the configuration checks
        return McuSorter(board, section, McuLink(section.mcu_port,
                                                 LinkOptions(baud=section.mcu_baud)))
    if section.sorter == "gpio":
        if board is None:
            raise ValueError("a GPIO sorter needs GPIO")
        return GpioSorter(board, section)
    return NoSorter(board, section)


def check_in_for(loaded: LoadedConfig, store: Store,
                 reader: Reader) -> AbstractAsyncContextManager[CheckIn]:
    """Circulation's check-in for this book drop."""
    try:
        module = importlib.import_module(CHECKIN_MODULE)
        factory: Any = getattr(module, CHECKIN_FACTORY)
    except (ImportError, AttributeError):
        raise NoCirculationError(_(
            "the book drop needs circulation's check-in ({name}), which this installation "
            "does not have").format(name=f"{CHECKIN_MODULE}.{CHECKIN_FACTORY}")) from None
    made: AbstractAsyncContextManager[CheckIn] = factory(loaded, store, reader)
    return made
