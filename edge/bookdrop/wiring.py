"""Building a book drop from its configuration: the sorter it names, and
circulation's check-in (:func:`edge.circulation.bookdrop.check_in_for`:
the circulation service on the book drop's store and reader)."""

from __future__ import annotations

from drivers.gpio import GpioBoard
from edge.bookdrop.mcu import McuSorter
from edge.bookdrop.sorters import GpioSorter, NoSorter, Sorter
from edge.circulation.bookdrop import check_in_for
from edge.config.models import BookdropConfig
from firmware_bridge import LinkOptions, McuLink

__all__ = ["check_in_for", "make_sorter"]


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
