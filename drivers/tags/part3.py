"""ISO 28560-3 fixed-length encoding (and the Danish data model, DS/INF 163,
it grew from).

Basic block, the first 34 bytes (clause 7.2)::

    0       version (bits 7..4, 1 today) and type of usage (bits 3..0)
    1       number of parts in item
    2       ordinal part number
    3..18   primary item identifier, 0x00-padded
    19..20  CRC-16/CCITT-FALSE, least significant byte first
    21..22  owner institution: the ISIL's country prefix ("DK")
    23..33  owner institution: the rest of the ISIL, without the hyphen

A 32-byte tag holds the truncated form (the ISIL rest is 23..31) and nothing
else. The CRC covers bytes 0..18 then 21..33 (32 bytes); on a 32-byte tag the
two missing bytes count as 0x00 (Annex C; CRC-16/CCITT-FALSE: polynomial
0x1021, initial value 0xFFFF, no reflection, no final XOR, which is what
:func:`binascii.crc_hqx` computes). Extension blocks follow from byte 34
(:mod:`drivers.tags.part3_blocks`).

Some readers return each 4-byte block in reverse byte order; when the CRC
fails as read but holds with every block reversed, the decoder uses the
reversed memory and says so in ``problems``.
"""

from __future__ import annotations

from binascii import crc_hqx
from struct import pack, unpack

from drivers.tags.errors import CorruptTagError, EncodeError
from drivers.tags.model import NAMES, Element, ExtensionBlock, ItemTag, new_tuple
from drivers.tags.part3_blocks import BLOCK_OF, BLOCKS, HEADER_SIZE, Field, frame, xor

DSFID = 0x3E
BASIC_SIZE = 34
TRUNCATED_SIZE = 32
PII_SIZE = 16
ISIL_REST_SIZE, ISIL_REST_TRUNCATED = 11, 9
VERSIONS = (1, 2)


def crc(memory: bytes) -> int:
    """The basic block's CRC over bytes 0..18 and 21..33 (0x00 past the end)."""
    covered = memory[:19] + memory[21:BASIC_SIZE]
    if len(covered) < 32:
        covered += bytes(32 - len(covered))
    return crc_hqx(covered, 0xFFFF)


def crc_matches(memory: bytes) -> bool:
    return len(memory) >= TRUNCATED_SIZE and crc(memory) == memory[19] | memory[20] << 8


def reversed_blocks(memory: bytes) -> bytes:
    """Each whole 4-byte block with its bytes in the opposite order (a 32-bit
    byte swap, done by :mod:`struct`)."""
    count = len(memory) // 4
    return pack(f">{count}I", *unpack(f"<{count}I", memory[:count * 4])) + memory[count * 4:]


def reversed_crc_matches(memory: bytes) -> bool:
    """Would the basic block's CRC hold with every 4-byte block turned round?"""
    return (len(memory) >= TRUNCATED_SIZE and memory[3] >> 4 in VERSIONS
            and crc_matches(reversed_blocks(memory[:36])))


def plausible(memory: bytes) -> bool:
    """A basic block with a known version and a printable PII (CRC aside)."""
    if len(memory) < TRUNCATED_SIZE or memory[0] >> 4 not in VERSIONS:
        return False
    pii = memory[3:19].split(b"\0", 1)[0]
    return bool(pii) and pii.isascii() and pii.decode("ascii").isprintable()


def decode(memory: bytes, dsfid: int | None = None, crc_ok: bool | None = None) -> ItemTag:
    """Decode ISO 28560-3 memory. ``crc_ok`` passes on a CRC check the caller
    (auto-detection) already made."""
    size = len(memory)
    if size < TRUNCATED_SIZE:
        raise CorruptTagError(size, f"an ISO 28560-3 basic block needs at least "
                                    f"{TRUNCATED_SIZE} bytes, memory has {size}")
    problems: list[str] = []
    if crc_ok is None:
        crc_ok = crc_matches(memory)
    if not crc_ok:
        if reversed_crc_matches(memory):
            memory, crc_ok = reversed_blocks(memory), True
            problems.append("blocks were read in reverse byte order; decoded them turned round")
        else:
            problems.append(f"byte 19: CRC {memory[19] | memory[20] << 8:04X} stored, "
                            f"{crc(memory):04X} computed")
    head = memory[0]
    version, usage = head >> 4, head & 0x0F
    if version not in VERSIONS:
        problems.append(f"byte 0: version {version} (this codec knows 1 and 2)")
    parts, part = memory[1], memory[2]
    raw = memory[3:19]
    cut = raw.find(0)
    try:
        pii = (raw if cut < 0 else raw[:cut]).decode("utf-8")
    except UnicodeDecodeError:
        pii = _text(memory, 3, 19)  # raises, naming the byte
    if not pii:
        raise CorruptTagError(3, "the primary item identifier field is empty")
    truncated = size < BASIC_SIZE
    if size == 33:
        problems.append("byte 32: 33 bytes of memory; read as the 32-byte truncated form")
    owner = _owner(memory, truncated)
    make = new_tuple
    elements = [  # in memory order
        make(Element, (5, NAMES[5], _DIGITS[usage], "fixed", 0)),
        make(Element, (4, NAMES[4], set_information_text(parts, part), "fixed", 1)),
        make(Element, (1, NAMES[1], pii, "fixed", 3)),
    ]
    if owner is not None:
        elements.append(make(Element, (3, NAMES[3], owner, "fixed", 21)))
    fields: dict[str, object] = {
        "model": "28560-3", "pii": pii, "owner_isil": owner, "parts_in_item": parts,
        "part_number": part, "type_of_usage": usage, "crc_ok": crc_ok, "version": version,
        "dsfid": dsfid}
    if size > BASIC_SIZE and memory[BASIC_SIZE]:
        blocks: list[ExtensionBlock] = []
        _extensions(memory, elements, blocks, problems)
        fields["blocks"] = tuple(blocks)
    fields["elements"] = tuple(elements)
    if problems:
        fields["problems"] = tuple(problems)
    return ItemTag._make(fields)


_DIGITS = tuple(str(n) for n in range(16))
_ZEROS = tuple(bytes(n) for n in range(256))
_U8 = tuple(str(n) for n in range(256))


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


def set_information_text(parts: int, part: int) -> str:
    if parts < 100 and part < 100:
        return _TWO_DIGITS[parts] + _TWO_DIGITS[part]
    width = max(len(str(parts)), len(str(part)))
    return f"{parts:0{width}d}{part:0{width}d}"


def _text(memory: bytes, start: int, end: int) -> str:
    raw = memory[start:end]
    if raw[-1:] == b"\0":
        raw = raw[:raw.find(0)]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptTagError(start + exc.start, "the field is not UTF-8") from None


def _owner(memory: bytes, truncated: bool) -> str | None:
    raw = memory[21:32 if truncated else BASIC_SIZE]
    cut = raw.find(0)
    field = raw if cut < 0 else raw[:cut]
    if len(field) >= 2 and field[:2].isascii():  # the usual case: one slice, one decode
        try:
            text = field.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return f"{text[:2]}-{text[2:]}" if len(text) > 2 else text
    country = _text(memory, 21, 23)
    rest = _text(memory, 23, 32 if truncated else BASIC_SIZE)
    if not country:
        return None
    return f"{country}-{rest}" if rest else country


def _extensions(memory: bytes, elements: list[Element], blocks: list[ExtensionBlock],
                problems: list[str]) -> None:
    pos, size = BASIC_SIZE, len(memory)
    while pos < size:
        length = memory[pos]
        if length == 0:
            return
        if length == 1:
            pos += 1
            continue
        if length < HEADER_SIZE or pos + length > size:
            problems.append(f"byte {pos}: extension block of length {length} does not fit "
                            f"({size - pos} bytes left); stopped reading blocks")
            return
        block = memory[pos:pos + length]
        block_id, header = block[1] | block[2] << 8, HEADER_SIZE
        if block[2] == 0xFF:  # 24-bit block ID escape
            if length < HEADER_SIZE + 2:
                problems.append(f"byte {pos}: extension block too short for its 24-bit ID")
                return
            block_id, header = block[1] | block[3] << 8 | block[4] << 16, HEADER_SIZE + 2
        checksum_ok = xor(block) == 0
        known = BLOCKS.get(block_id)
        name = known[0] if known else f"unstructured extension block {block_id}"
        blocks.append(new_tuple(ExtensionBlock, (block_id, name, pos, length, checksum_ok)))
        if not checksum_ok:
            problems.append(f"byte {pos}: {name} fails its XOR checksum")
        if known:
            _fields(block, header, pos, known[1], elements, problems)
        pos += length
        if pos < size and not memory[pos]:
            return  # the end block, the usual case


def _fields(block: bytes, at: int, offset: int, fields: tuple[Field, ...],
            elements: list[Element], problems: list[str]) -> None:
    end = len(block)
    for oid, size, kind in fields:
        if at >= end:
            return
        if not block[at]:  # an empty field (or a u8 code 0): absent
            at += size or end
            continue
        if kind == "u8":
            value = _U8[block[at]]
            stop = at + 1
        else:
            stop = end if size == 0 or at + size > end else at + size
            cut = block.find(0, at, stop)
            try:
                value = block[at:stop if cut < 0 else cut].decode("utf-8")
            except UnicodeDecodeError:
                value = block[at:stop].split(b"\0", 1)[0].decode("utf-8", "replace")
                problems.append(f"byte {offset + at}: {NAMES[oid]} is not valid UTF-8")
        elements.append(new_tuple(Element, (oid, NAMES[oid], value, "fixed", offset + at)))
        at = stop


# ------------------------------------------------------------------ encoding


def encode(tag: ItemTag, capacity: int | None) -> bytes:
    usage = 1 if tag.type_of_usage is None else tag.type_of_usage
    version = tag.version or 1
    if not 0 <= usage <= 15:
        raise EncodeError(None, f"type of usage {usage} does not fit ISO 28560-3's 4 bits")
    if not 0 <= version <= 15:
        raise EncodeError(None, f"version {version} does not fit 4 bits")
    parts = 1 if tag.parts_in_item is None else tag.parts_in_item
    part = 1 if tag.part_number is None else tag.part_number
    if not (0 <= parts <= 255 and 0 <= part <= 255):
        raise EncodeError(None, f"part {part} of {parts} does not fit one byte each")
    truncated = capacity is not None and capacity < BASIC_SIZE
    if truncated and capacity != TRUNCATED_SIZE:
        raise EncodeError(None, f"ISO 28560-3 needs {TRUNCATED_SIZE} or at least "
                                f"{BASIC_SIZE} bytes; the tag holds {capacity}")
    basic = bytearray(BASIC_SIZE)
    basic[0] = version << 4 | usage
    basic[1], basic[2] = parts, part
    basic[3:19] = _fixed(tag.pii, PII_SIZE, "primary item identifier", empty_ok=False)
    if tag.owner_isil is not None:
        country, rest = _split_isil(tag.owner_isil)
        basic[21:23] = _fixed(country, 2, "ISIL country prefix")
        room = ISIL_REST_TRUNCATED if truncated else ISIL_REST_SIZE
        basic[23:23 + room] = _fixed(rest, room, "ISIL after its prefix")
    value = crc(bytes(basic[:TRUNCATED_SIZE] if truncated else basic))
    basic[19], basic[20] = value & 0xFF, value >> 8
    extension = _extension_blocks(tag)
    if truncated:
        if extension:
            raise EncodeError(None, "a 32-byte ISO 28560-3 tag has no room for extension "
                                    "blocks")
        return bytes(basic[:TRUNCATED_SIZE])
    memory = bytes(basic) + extension
    if capacity is not None and len(memory) > capacity:
        raise EncodeError(None, f"the data needs {len(memory)} bytes; the tag holds {capacity}")
    if capacity is None or len(memory) < capacity:
        memory += b"\0"  # end block
    return memory


def _fixed(text: str, size: int, what: str, empty_ok: bool = True) -> bytes:
    raw = text.encode("utf-8")
    if not raw and not empty_ok:
        raise EncodeError(None, f"the {what} is empty")
    if len(raw) > size or b"\0" in raw:
        raise EncodeError(None, f"the {what} {text!r} does not fit {size} bytes of ISO 28560-3")
    return raw + bytes(size - len(raw))


def _split_isil(isil: str) -> tuple[str, str]:
    if len(isil) >= 2 and (len(isil) == 2 or isil[2] == "-"):
        return isil[:2], isil[3:]
    raise EncodeError(None, f"ISO 28560-3 stores an ISIL as a two-letter prefix, a hyphen and "
                            f"the rest; {isil!r} is not of that form")


def _extension_blocks(tag: ItemTag) -> bytes:
    by_block: dict[int, dict[int, str]] = {}
    for element in tag.elements:
        oid = element[0]
        if oid is None or oid <= 5:
            continue
        name, value = element[1], element[2]
        block_id = BLOCK_OF.get(oid)
        if block_id is None:
            raise EncodeError(None, f"{name} (OID {oid}) has no place in ISO 28560-3")
        values = by_block.setdefault(block_id, {})
        if oid in values:
            raise EncodeError(None, f"OID {oid} given twice")
        values[oid] = value
    out = b""
    for block_id in sorted(by_block):
        values = by_block[block_id]
        name, fields = BLOCKS[block_id]
        last = max(i for i, f in enumerate(fields) if f.oid in values)
        data = b"".join([_field_bytes(f, values.get(f.oid), name) for f in fields[:last + 1]])
        try:
            out += frame(block_id, data)
        except ValueError as exc:
            raise EncodeError(None, str(exc)) from None
    return out


def _field_bytes(field: Field, value: str | None, block: str) -> bytes:
    oid, size, kind = field
    if value is None and size:
        return _ZEROS[size]
    if kind == "u8":
        if value is None or value == "0":
            return b"\0"
        if not (value.isascii() and value.isdigit() and int(value) <= 255):
            raise EncodeError(None, f"{NAMES[oid]} {value!r} is not a number 1..255")
        return bytes((int(value),))
    if size == 0:
        raw = (value or "").encode("utf-8")
        if b"\0" in raw:
            raise EncodeError(None, f"the {NAMES[oid]} contains 0x00")
        if not raw:
            raise EncodeError(None, f"the {NAMES[oid]} is empty")
        return raw
    return _fixed(value or "", size, f"{NAMES[oid]} in the {block}")
