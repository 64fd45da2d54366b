"""ISO 28560-2: library data elements in ISO/IEC 15962 no-directory encoding
(DSFID 0x06).

Memory is a sequence of data sets, each::

    precursor [relative-OID extension] [offset] length compacted-data [pad bytes]

- precursor: bit 7 offset flag, bits 6..4 compaction code, bits 3..0 the
  relative OID (1..14; 15 means an extension byte follows holding OID - 15);
- offset: when flagged, the number of pad bytes after the data (their value
  does not matter; they let the next data set start on a block boundary so a
  data set can be locked on its own);
- length: one byte up to 127, longer as an EBV-8 (7 bits per byte, high bit
  set on every byte but the last);
- a precursor of 0x00 terminates; otherwise the data runs to the end of memory.

The content parameter (OID 2) is a bit map: bit 7 of its first byte stands for
OID 3, the next bit for OID 4, and so on. Owner and ILL borrowing institution
(OIDs 3, 11) under code 0 use the ISIL scheme (:mod:`drivers.tags.isil`).

The encoder writes the PII first and the content parameter second (ISO
28560-2 clause 7), then the writable elements, then the other elements to
lock; every locked run starts and ends on a block boundary (padding with the
offset mechanism) and the lock map names its blocks, as in Annex D.
"""

from __future__ import annotations

from drivers.tags import isil
from drivers.tags.compaction import APPLICATION_DEFINED, DECODERS, INTEGER_MAX_BYTES, compact
from drivers.tags.compaction import NAMES as SCHEMES
from drivers.tags.errors import BlankTagError, CorruptTagError, EncodeError
from drivers.tags.model import (
    NAMES,
    Element,
    ItemTag,
    new_tuple,
    parse_set_information,
    set_information,
)

DSFID = 0x06
_ISIL_OIDS = frozenset((3, 11))  # owner and ILL borrowing institution
_MAX_OID = 127


def _precursors() -> tuple[tuple[int, int, bool, str], ...]:
    """Per precursor byte: (relative OID, compaction code, offset flag, name).
    Code 8 marks the bytes that need a closer look: the terminator 0x00,
    relative OID 0 (invalid) and 15 (an extension byte follows)."""
    table = []
    for byte in range(256):
        oid, code = byte & 0x0F, byte >> 4 & 0x07
        special = byte == 0 or oid in (0, 15)
        table.append((oid, 8 if special else code, bool(byte & 0x80), NAMES[oid]))
    return tuple(table)


_PRECURSORS = _precursors()


def decode(memory: bytes, dsfid: int | None = None) -> ItemTag:
    """Decode ISO 28560-2 memory; :class:`CorruptTagError` names the byte."""
    size = len(memory)
    pos = start = 0
    elements: list[Element] = []
    append = elements.append
    first: dict[int, str] = {}
    keep = first.setdefault
    bitmap: bytes | None = None
    precursors, decoders, schemes, make, element = (
        _PRECURSORS, DECODERS, SCHEMES, new_tuple, Element)
    try:
        while pos < size:
            start = pos
            oid, code, flagged, name = precursors[memory[pos]]
            if code == 8:
                if not memory[pos]:
                    break  # terminator
                oid, name = _extended_oid(memory, pos)
                code = memory[pos] >> 4 & 0x07
                pos += 1
            if flagged:
                pad = memory[pos + 1]
                pos += 1
            else:
                pad = 0
            length = memory[pos + 1]
            pos += 2
            if length > 0x7F:
                length, pos = _long_length(memory, pos, length)
            end = pos + length
            if end > size:
                raise CorruptTagError(pos, f"OID {oid} needs {length} bytes of data, "
                                           f"{size - pos} left in memory")
            if code == 1 and length <= INTEGER_MAX_BYTES:  # the usual PII
                value = str(int.from_bytes(memory[pos:end], "big")) if length else ""
                scheme = "integer"
            elif code:
                value = decoders[code](memory[pos:end], pos)
                scheme = schemes[code]
            elif oid == 2:
                if bitmap is None:
                    bitmap = memory[pos:end]
                value, scheme = bitmap.hex().upper(), "bitmap"
            elif oid == 3 or oid == 11:
                value, scheme = isil.decode(memory[pos:end], pos), "isil"
            else:
                value, scheme = memory[pos:end].hex().upper(), "application-defined"
            append(make(element, (oid, name, value, scheme, start)))
            keep(oid, value)
            pos = end + pad
    except IndexError:
        raise CorruptTagError(size, f"the data set at byte {start} is cut off by the end of "
                                    f"memory") from None
    if pos > size:
        raise CorruptTagError(size, f"the data set at byte {start} announces more pad bytes "
                                    f"than memory holds")
    problems: list[str] = []
    if len(first) != len(elements):
        problems += _duplicates(elements)
    pii = first.get(1)
    if pii is None:
        if not elements:
            raise BlankTagError(0, "the first data set is the terminator: no data elements")
        raise CorruptTagError(0, "no primary item identifier (OID 1) in the data sets")
    if not pii:
        where = next(e.offset for e in elements if e.oid == 1)
        raise CorruptTagError(where, "the primary item identifier is empty")
    if elements[0][0] != 1:
        problems.append("byte 0: the primary item identifier is not the first data set")
    fields: dict[str, object] = {"model": "28560-2", "pii": pii, "owner_isil": first.get(3),
                                 "elements": tuple(elements), "dsfid": dsfid}
    if bitmap is not None:
        fields["content_parameter"] = (_CONTENT_BYTE[bitmap[0]] if len(bitmap) == 1
                                       else content_oids(bitmap))
    elif 2 in first:
        problems.append("the content parameter is not a bit map (compaction code 0)")
    if 4 in first:
        digits = first[4]
        if len(digits) == 4 and digits.isdigit() and digits.isascii():  # NNMM, usually
            fields["parts_in_item"], fields["part_number"] = int(digits[:2]), int(digits[2:])
        else:
            parsed = parse_set_information(digits)
            if parsed is None:
                problems.append(f"set information {digits!r} is not NNMM digits")
            else:
                fields["parts_in_item"], fields["part_number"] = parsed
    if 5 in first:
        scheme = next(e.compaction for e in elements if e.oid == 5)
        usage = _type_of_usage(first[5], scheme)
        if usage is None:
            problems.append(f"type of usage {first[5]!r} is not a hex code")
        fields["type_of_usage"] = usage
    if problems:
        fields["problems"] = tuple(problems)
    return ItemTag._make(fields)


def _extended_oid(memory: bytes, pos: int) -> tuple[int, str]:
    """The relative OID of the precursor at ``pos`` (0x0F: read the next byte)."""
    precursor = memory[pos]
    if precursor & 0x0F == 0:
        raise CorruptTagError(pos, f"precursor 0x{precursor:02X} names relative OID 0")
    oid = 15 + memory[pos + 1]
    if oid > _MAX_OID:
        raise CorruptTagError(pos + 1, f"relative OID {oid} is above {_MAX_OID}")
    return oid, NAMES[oid]


def _duplicates(elements: list[Element]) -> list[str]:
    seen: set[int | None] = set()
    problems = []
    for item in elements:
        if item.oid in seen:
            problems.append(f"byte {item.offset}: OID {item.oid} appears again; the first "
                            f"one counts")
        seen.add(item.oid)
    return problems


def _long_length(memory: bytes, pos: int, first: int) -> tuple[int, int]:
    """Continue an EBV-8 length whose first byte (high bit set) was read."""
    length = first & 0x7F
    for _ in range(3):
        byte = memory[pos]
        pos += 1
        length = length << 7 | byte & 0x7F
        if not byte & 0x80:
            return length, pos
    raise CorruptTagError(pos, "length of more than four bytes")


_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(i for i in range(8) if byte >> (7 - i) & 1) for byte in range(256))


#: One-byte content parameters (the usual case): byte -> OIDs.
_CONTENT_BYTE: tuple[tuple[int, ...], ...] = tuple(
    tuple(3 + i for i in bits) for bits in _BITS)


def content_oids(bitmap: bytes) -> tuple[int, ...]:
    """The relative OIDs a content parameter lists (bit 7 of byte 0 = OID 3)."""
    if len(bitmap) == 1:
        return tuple([3 + i for i in _BITS[bitmap[0]]])
    return tuple([3 + 8 * n + i for n, byte in enumerate(bitmap) for i in _BITS[byte]])


def _type_of_usage(value: str, scheme: str) -> int | None:
    if scheme == "octet" and len(value) == 1:
        return ord(value) if ord(value) < 256 else None
    if 1 <= len(value) <= 2 and value.isascii() and value.isalnum():
        try:
            return int(value, 16)
        except ValueError:
            return None
    return None


# ------------------------------------------------------------------ encoding


def encode(tag: ItemTag, block_size: int, capacity: int | None) -> tuple[bytes, tuple[int, ...]]:
    """Memory bytes and the blocks to lock for ``tag`` (see module docstring)."""
    values = _values(tag)
    lock = tag.lock
    unlocked: list[bytes] = [_content_set(values)] if len(values) > 1 else []
    locked: list[bytes] = []
    for oid, value in values[1:]:
        (locked if oid in lock else unlocked).append(_data_set(oid, value))
    pii = _data_set(1, tag.pii)
    if 1 in lock:
        memory = _aligned([pii], 0, block_size)
        lock_blocks = list(range(len(memory) // block_size))
    else:
        memory, lock_blocks = b"", []
        unlocked.insert(0, pii)
    if locked:
        memory += _aligned(unlocked, len(memory), block_size)
        start = len(memory)
        memory += _aligned(locked, start, block_size)
        lock_blocks += range(start // block_size, len(memory) // block_size)
    else:
        memory += b"".join(unlocked)
    size = len(memory)
    if capacity is not None and size > capacity:
        raise EncodeError(None, f"the data needs {size} bytes; the tag holds {capacity}")
    if capacity is None or size < capacity:
        memory += bytes(1 + (-(size + 1) % block_size))  # terminator, then fill the block
    return memory, tuple(lock_blocks)


def _values(tag: ItemTag) -> list[tuple[int, str]]:
    """(OID, value) to write: PII first, then by OID."""
    if not tag.pii:
        raise EncodeError(None, "the primary item identifier is empty")
    values = [(1, tag.pii)]
    if tag.owner_isil is not None:
        values.append((3, tag.owner_isil))
    if tag.parts_in_item is not None and tag.part_number is not None:
        try:
            values.append((4, set_information(tag.parts_in_item, tag.part_number)))
        except ValueError as exc:
            raise EncodeError(None, str(exc)) from None
    if tag.type_of_usage is not None:
        if not 0 <= tag.type_of_usage <= 0xFF:
            raise EncodeError(None, f"type of usage {tag.type_of_usage} is not one byte")
        values.append((5, f"{tag.type_of_usage:02X}"))
    others = [(e[0], e[2]) for e in tag.elements if e[0] is not None and e[0] > 5]
    if others:
        if len(others) > 1:
            others.sort()
            oids = [oid for oid, _ in others]
            if len(set(oids)) != len(oids):
                twice = next(oid for oid in oids if oids.count(oid) > 1)
                raise EncodeError(None, f"OID {twice} given twice")
        if others[-1][0] > _MAX_OID:
            raise EncodeError(None, f"relative OID {others[-1][0]} is above {_MAX_OID}")
        values += others
    return values


def _content_set(values: list[tuple[int, str]]) -> bytes:
    """The content parameter: one bit per OID from 3 on that is present."""
    last = values[-1][0]
    width = (last - 3) // 8 + 1 if last >= 3 else 1
    top = width * 8 + 2
    bits = 0
    for oid, _ in values:
        if oid >= 3:
            bits |= 1 << (top - oid)
    return _frame(2, APPLICATION_DEFINED, bits.to_bytes(width, "big"))


def _data_set(oid: int, value: str) -> bytes:
    if oid in _ISIL_OIDS and value:
        isil_data = isil.encode_if_isil(value)
        if isil_data is not None:
            return _frame(oid, APPLICATION_DEFINED, isil_data)
    code, data = compact(value)
    if len(data) < 0x80 and oid < 15:
        return bytes((code << 4 | oid, len(data))) + data
    return _frame(oid, code, data)


def _frame(oid: int, code: int, data: bytes) -> bytes:
    """A data set without offset: precursor [OID extension] length data."""
    size = len(data)
    if size < 0x80 and oid < 15:
        return bytes((code << 4 | oid, size)) + data
    if size < 0x80:
        length = bytes((size,))
    else:
        groups = []
        while size:
            groups.append(size & 0x7F)
            size >>= 7
        if len(groups) > 4:
            raise EncodeError(None, f"OID {oid}: {len(data)} bytes of data is too long")
        length = bytes([g | 0x80 for g in reversed(groups[1:])] + [groups[0]])
    if oid < 15:
        return bytes((code << 4 | oid,)) + length + data
    return bytes((code << 4 | 15, oid - 15)) + length + data


def _aligned(sets: list[bytes], at: int, block_size: int) -> bytes:
    """``sets`` joined, the last one padded to end on a block boundary when
    the run starts at byte ``at``: an offset byte plus pad - 1 filler bytes."""
    if not sets:
        return b""
    joined = b"".join(sets)
    pad = -(at + len(joined)) % block_size
    if not pad:
        return joined
    last = sets[-1]
    head = 2 if last[0] & 0x0F == 15 else 1
    return (joined[:len(joined) - len(last)] + bytes((last[0] | 0x80,)) + last[1:head]
            + bytes((pad - 1,)) + last[head:] + bytes(pad - 1))
