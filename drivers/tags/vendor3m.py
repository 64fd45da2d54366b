"""3M's legacy item-tag layout (read only), for libraries replacing 3M
equipment whose stock still carries it.

No specification was published; the layout below is the one documented by
open decoders (Biblio::RFID::RFID501 in dpavlin/Biblio-RFID, after "RFID 501:
RFID Standards for Libraries")::

    0       0x04
    1       bits 7..4 part number, bits 3..0 number of parts in item
    2       0x00
    3       item type (1 book, 2 magazine, 3 bound journal, 4 audio tape,
            5 video, 6 CD/CD-ROM, 7 diskette, 8 book with diskette,
            9 book with CD/CD-ROM, 13 book with audio tape, 0 other)
    4..19   barcode (the PII), ASCII, 0x00-padded
    20..23  branch (12 bits) and library (20 bits), big-endian
    24..27  a custom signed 32-bit integer, big-endian

Security is in the AFI: 0xD7 secured, 0xDA not (see
:mod:`drivers.tags.security`). A factory blank holds 24 bytes of 0x55
followed by zeros.
"""

from __future__ import annotations

from drivers.tags.errors import CorruptTagError
from drivers.tags.model import NAMES, Element, ItemTag

MIN_SIZE = 20
MANUFACTURING_BLANK = b"\x55" * 24
AFI_SECURED, AFI_ON_LOAN = 0xD7, 0xDA
ITEM_TYPES: dict[int, str] = {
    0: "other", 1: "book", 2: "magazine", 3: "bound journal", 4: "audio tape", 5: "video",
    6: "CD/CD-ROM", 7: "diskette", 8: "book with diskette", 9: "book with CD/CD-ROM",
    13: "book with audio tape",
}


def plausible(memory: bytes) -> bool:
    if len(memory) < MIN_SIZE or memory[0] != 0x04 or memory[2] != 0x00:
        return False
    barcode = memory[4:20].split(b"\0", 1)[0]
    return bool(barcode) and barcode.isascii() and barcode.decode("ascii").isprintable()


def is_manufacturing_blank(memory: bytes) -> bool:
    return memory[:24] == MANUFACTURING_BLANK and not any(memory[24:])


def decode(memory: bytes, dsfid: int | None = None) -> ItemTag:
    size = len(memory)
    if size < MIN_SIZE:
        raise CorruptTagError(size, f"a 3M tag needs at least {MIN_SIZE} bytes, memory has "
                                    f"{size}")
    problems: list[str] = []
    if memory[0] != 0x04:
        problems.append(f"byte 0: 0x{memory[0]:02X} where 3M tags have 0x04")
    if memory[2] != 0x00:
        problems.append(f"byte 2: 0x{memory[2]:02X} where 3M tags have 0x00")
    raw = memory[4:20].split(b"\0", 1)[0]
    if not raw:
        raise CorruptTagError(4, "the barcode field is empty")
    if not (raw.isascii() and raw.decode("ascii").isprintable()):
        bad = next(i for i, b in enumerate(raw) if not 0x20 <= b < 0x7F)
        raise CorruptTagError(4 + bad, f"barcode byte 0x{raw[bad]:02X} is not printable ASCII")
    pii = raw.decode("ascii")
    part, parts, item_type = memory[1] >> 4, memory[1] & 0x0F, memory[3]
    elements = [
        Element(4, NAMES[4], f"{parts:02d}{part:02d}", "3m", 1),
        Element(None, "3M item type", f"{item_type} ({ITEM_TYPES.get(item_type, 'unknown')})",
                "3m", 3),
        Element(1, NAMES[1], pii, "3m", 4),
    ]
    if size >= 24:
        location = int.from_bytes(memory[20:24], "big")
        elements.append(Element(None, "3M branch", str(location >> 20), "3m", 20))
        elements.append(Element(None, "3M library", str(location & 0xFFFFF), "3m", 20))
    if size >= 28:
        custom = int.from_bytes(memory[24:28], "big", signed=True)
        elements.append(Element(None, "3M custom", str(custom), "3m", 24))
    return ItemTag(model="3m", pii=pii, parts_in_item=parts, part_number=part,
                   elements=tuple(elements), dsfid=dsfid, problems=tuple(problems))
