"""The demo library (``data/demo_library.json``): items with tag UIDs and
patrons with card UIDs, shared by the demo ILS and the simulated readers.

Item tags are simulated ICODE SLIX chips. Their memory holds the item in ISO
28560-2 (encoded with :mod:`drivers.tags`; PII blocks locked, as libraries
do); items on loan carry the on-loan AFI (0xC2) and EAS off, the others the
in-library AFI (0x07) with EAS armed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from .tags import SimTag

AFI_IN_LIBRARY = 0x07
AFI_ON_LOAN = 0xC2

#: item (a dict from the JSON file) -> (memory, DSFID, blocks to lock)
Encoder = Callable[[dict[str, Any]], tuple[bytes, int, list[int]]]


def load_demo_library() -> dict[str, Any]:
    text = resources.files("drivers.sim").joinpath("data/demo_library.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def iso28560(item: dict[str, Any]) -> tuple[bytes, int, list[int]]:
    """ISO 28560-2 memory of a demo item for a 28 x 4-byte chip: (memory,
    DSFID, blocks to lock)."""
    from drivers.tags import ItemTag, encode

    tag = ItemTag.new(item["pii"], item.get("owner_isil"), item.get("parts_in_item"),
                      item.get("part_number"), model="28560-2")
    encoded = encode(tag, model="28560-2", block_size=4, capacity=28 * 4)
    return encoded.memory, encoded.dsfid, list(encoded.lock_blocks)


def item_tag(item: dict[str, Any], encoder: Encoder | None = iso28560) -> SimTag:
    """The simulated tag of one demo item (``encoder=None``: blank memory)."""
    on_loan = "on_loan_to" in item
    memory, dsfid, locked = (encoder(item) if encoder is not None else (b"", 0, []))
    tag = SimTag(bytes.fromhex(item["tag_uid"]), "icode-slix", memory=memory, dsfid=dsfid,
                 afi=AFI_ON_LOAN if on_loan else AFI_IN_LIBRARY, eas=not on_loan)
    for block in locked:
        tag.locked[block] = True
    return tag


def demo_tags(encoder: Encoder | None = iso28560) -> list[SimTag]:
    """One tag per demo item, in file order."""
    return [item_tag(item, encoder) for item in load_demo_library()["items"]]


def card_uids() -> dict[str, bytes]:
    """Patron id -> library card UID."""
    return {p["id"]: bytes.fromhex(p["card_uid"]) for p in load_demo_library()["patrons"]}
