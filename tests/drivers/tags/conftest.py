"""Shared data for the item-tag codec tests: the public vectors (a copy of
../shared/vectors/iso28560.json kept in the repository so CI has it) and
builders for tags of each data model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).with_name("data")

ANNEX_D_HEX = ("91 00 05 1C BE 99 1A 14 02 01 D0 14 02 04 B3 46 07 44 1C B6 E2 E3 35 D6 "
               "83 02 07 AC C0 9E BA A0 6F 6B 00 00")
ANNEX_D = bytes.fromhex(ANNEX_D_HEX)
PART3_B1 = bytes.fromhex("11 01 01 31 30 30 30 30 30 30 30 35 36 00 00 00 00 00 00 98 A4 "
                         "44 4B 37 31 38 35 30 30 00 00 00")


def load_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "iso28560.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    return load_vectors()


def memory_3m(barcode: bytes = b"1301234567", part: int = 1, parts: int = 1,
              item_type: int = 1, branch: int = 3, library: int = 4321,
              custom: int = -5) -> bytes:
    """A 3M tag laid out as Biblio::RFID::RFID501 documents it (32 bytes)."""
    return (bytes((0x04, part << 4 | parts, 0x00, item_type)) + barcode.ljust(16, b"\0")
            + (branch << 20 | library).to_bytes(4, "big")
            + custom.to_bytes(4, "big", signed=True) + bytes(4))
