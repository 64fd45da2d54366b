"""ISO 28560 item-tag data: the -2 (ISO/IEC 15962) and -3 (fixed-length)
encodings, 3M's legacy layout, and the typed item-tag model.

Pure codecs: standard library only, no I/O, no clocks, no globals.

>>> tag = decode(bytes.fromhex("91 00 05 1C BE 99 1A 14 02 01 D0 14 02 04 B3 46 07 44 1C B6"
...                            "E2 E3 35 D6 83 02 07 AC C0 9E BA A0 6F 6B 00 00"), dsfid=0x06)
>>> tag.pii, tag.owner_isil, tag.parts_in_item, tag.part_number
('123456789012', 'US-InU-Mu', 12, 3)

Capabilities and decisions: docs/tags.md, docs/adr/0006-tag-model-detection.md.
"""

from drivers.tags.codec import decode, encode
from drivers.tags.errors import (
    BlankTagError,
    CorruptTagError,
    EncodeError,
    TagDataError,
    UnknownFormatError,
)
from drivers.tags.model import MODELS, Element, Encoded, ExtensionBlock, ItemTag

__all__ = [
    "MODELS",
    "BlankTagError",
    "CorruptTagError",
    "Element",
    "EncodeError",
    "Encoded",
    "ExtensionBlock",
    "ItemTag",
    "TagDataError",
    "UnknownFormatError",
    "decode",
    "encode",
]
