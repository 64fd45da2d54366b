"""ISO 28560-3 structured extension blocks: the frame and the field tables.

Every optional block after the basic block has the frame of ISO 28560-3
clause 7.4 (and of the Danish data model, DS/INF 163, 3.3)::

    length (1 byte, counting the whole block) | data block ID (2 bytes, least
    significant first; a high byte of 0xFF escapes to a 24-bit ID in 4 bytes) |
    XOR checksum (1 byte) | data fields

A length of 0 ends the data, a length of 1 is a one-byte filler. The checksum
byte is chosen so that the XOR of every byte of the block is zero. A block may
be shorter than its full layout: fields past its end are absent, a string cut
by the end is taken as far as it goes. Empty fields are filled with 0x00.

The block IDs (1 library extension, 2 acquisition, 3 library supplement,
4 title, 5 ILL) and the data elements each block carries follow ISO
28560-3:2011 clauses 7.5 to 7.9. The field widths are this codec's table,
below: strings are UTF-8 padded with 0x00, one-byte codes are unsigned
integers with 0 meaning "not given". The standard's own width tables were not
available in public sources when this was written; see docs/tags.md.
"""

from __future__ import annotations

from typing import NamedTuple

LIBRARY_EXTENSION, ACQUISITION, LIBRARY_SUPPLEMENT, TITLE, ILL = 1, 2, 3, 4, 5
HEADER_SIZE = 4
MAX_BLOCK = 255


class Field(NamedTuple):
    oid: int
    size: int  # bytes; 0 = the rest of the block
    kind: str  # "text" (UTF-8, 0x00-padded) or "u8" (unsigned byte, 0 = absent)


#: Block ID -> (name, fields in order).
BLOCKS: dict[int, tuple[str, tuple[Field, ...]]] = {
    LIBRARY_EXTENSION: ("library extension block", (
        Field(19, 1, "u8"),     # media format (other)
        Field(7, 2, "text"),    # ONIX media format
        Field(8, 2, "text"),    # MARC media format
        Field(6, 16, "text"),   # shelf location
        Field(24, 16, "text"),  # subsidiary of an owner institution
        Field(14, 16, "text"),  # alternative unique item identifier
    )),
    ACQUISITION: ("acquisition extension block", (
        Field(9, 16, "text"),   # supplier identifier
        Field(18, 16, "text"),  # product identifier local
        Field(10, 16, "text"),  # order number
        Field(21, 16, "text"),  # supplier invoice number
        Field(13, 13, "text"),  # GS1 product identifier (GTIN-13)
        Field(20, 1, "u8"),     # supply chain stage
    )),
    LIBRARY_SUPPLEMENT: ("library supplement block", (
        Field(22, 16, "text"),  # alternative item identifier
        Field(23, 16, "text"),  # alternative owner institution
        Field(15, 16, "text"),  # local data A
        Field(16, 16, "text"),  # local data B
        Field(26, 16, "text"),  # local data C
    )),
    TITLE: ("title block", (
        Field(17, 0, "text"),   # title, to the end of the block
    )),
    ILL: ("ILL block", (
        Field(11, 16, "text"),  # ILL borrowing institution (ISIL)
        Field(12, 16, "text"),  # ILL borrowing transaction number
        Field(25, 16, "text"),  # alternative ILL borrowing institution
    )),
}

#: Relative OID -> block ID, for the encoder.
BLOCK_OF: dict[int, int] = {
    f.oid: block_id for block_id, (_, fields) in BLOCKS.items() for f in fields}


def xor(data: bytes) -> int:
    """XOR of all bytes of a block (at most 256 bytes): the bytes folded onto
    each other by halves in wide-integer steps, as many as the length needs,
    rather than a loop over bytes."""
    value = int.from_bytes(data, "little")
    size = len(data)
    if size > 32:
        if size > 128:
            value ^= value >> 1024
        if size > 64:
            value ^= value >> 512
        value ^= value >> 256
    if size > 16:
        value ^= value >> 128
    if size > 8:
        value ^= value >> 64
    value ^= value >> 32
    value ^= value >> 16
    value ^= value >> 8
    return value & 0xFF


def frame(block_id: int, fields: bytes) -> bytes:
    """A complete block: header, fields and a checksum that zeroes the XOR."""
    length = HEADER_SIZE + len(fields)
    if length > MAX_BLOCK:
        raise ValueError(f"block {block_id} would be {length} bytes, more than {MAX_BLOCK}")
    body = bytes((length, block_id & 0xFF, block_id >> 8, 0)) + fields
    return body[:3] + bytes((xor(body),)) + body[4:]
