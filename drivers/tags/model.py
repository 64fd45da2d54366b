"""The typed model of an item tag, whatever data model it was read from.

The data elements and their relative OIDs are those of ISO 28560-1 (Table 1),
the same numbering ISO 28560-2 uses on the tag and ISO 28560-3 maps onto its
fixed fields. An :class:`ItemTag` is immutable; build one to encode with
:meth:`ItemTag.new`, get one back from :func:`drivers.tags.decode`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

#: ISO 28560-1 data elements by relative OID: (name, keyword used by ItemTag.new).
ELEMENTS: dict[int, tuple[str, str]] = {
    1: ("primary item identifier", "pii"),
    2: ("content parameter", "content_parameter"),
    3: ("owner institution (ISIL)", "owner_isil"),
    4: ("set information", "set_information"),
    5: ("type of usage", "type_of_usage"),
    6: ("shelf location", "shelf_location"),
    7: ("ONIX media format", "onix_media_format"),
    8: ("MARC media format", "marc_media_format"),
    9: ("supplier identifier", "supplier_identifier"),
    10: ("order number", "order_number"),
    11: ("ILL borrowing institution (ISIL)", "ill_borrowing_institution"),
    12: ("ILL borrowing transaction number", "ill_borrowing_transaction_number"),
    13: ("GS1 product identifier", "gs1_product_identifier"),
    14: ("alternative unique item identifier", "alternative_unique_item_identifier"),
    15: ("local data A", "local_data_a"),
    16: ("local data B", "local_data_b"),
    17: ("title", "title"),
    18: ("product identifier local", "product_identifier_local"),
    19: ("media format (other)", "media_format"),
    20: ("supply chain stage", "supply_chain_stage"),
    21: ("supplier invoice number", "supplier_invoice_number"),
    22: ("alternative item identifier", "alternative_item_identifier"),
    23: ("alternative owner institution", "alternative_owner_institution"),
    24: ("subsidiary of an owner institution", "subsidiary_of_owner_institution"),
    25: ("alternative ILL borrowing institution", "alternative_ill_borrowing_institution"),
    26: ("local data C", "local_data_c"),
    27: ("not defined (27)", "not_defined_27"),
    28: ("not defined (28)", "not_defined_28"),
    29: ("not defined (29)", "not_defined_29"),
    30: ("not defined (30)", "not_defined_30"),
    31: ("not defined (31)", "not_defined_31"),
}

#: Keyword -> relative OID, for the elements a caller may set by name.
OID_BY_KEYWORD: dict[str, int] = {kw: oid for oid, (_, kw) in ELEMENTS.items()}

#: Element names indexed by relative OID (0..127); unnamed OIDs get a generic name.
NAMES: tuple[str, ...] = tuple(
    ELEMENTS[oid][0] if oid in ELEMENTS else f"relative OID {oid}" for oid in range(128))

MODELS: tuple[str, ...] = ("28560-2", "28560-3", "3m")


def element_name(oid: int) -> str:
    return NAMES[oid] if 0 <= oid < 128 else f"relative OID {oid}"


class Element(NamedTuple):
    """One data element as found on (or destined for) the tag.

    ``oid`` is the ISO 28560-1 relative OID (``None`` for a vendor field with
    no ISO equivalent); ``compaction`` names how it was stored: an ISO/IEC
    15962 scheme (``integer``, ``numeric``, ``5-bit``, ``6-bit``, ``7-bit``,
    ``octet``, ``utf-8``), ``isil`` (ISO 28560-2 Annex C), ``bitmap`` (content
    parameter), ``application-defined`` (kept as hex), ``fixed`` (an ISO
    28560-3 field) or ``3m``; empty for an element not yet encoded. ``offset``
    is where its data set or field starts in tag memory.
    """

    oid: int | None
    name: str
    value: str
    compaction: str = ""
    offset: int | None = None


class ExtensionBlock(NamedTuple):
    """An ISO 28560-3 extension block as found on the tag."""

    block_id: int
    name: str
    offset: int
    length: int
    checksum_ok: bool


@dataclass(frozen=True)
class ItemTag:
    """An item's tag data, independent of the data model it is stored in.

    ``elements`` lists every data element in tag order. For OIDs 1, 3, 4 and 5
    the dedicated fields (``pii``, ``owner_isil``, ``parts_in_item`` /
    ``part_number``, ``type_of_usage``) are authoritative when encoding; the
    content parameter is always recomputed. ``type_of_usage`` is the code as
    the model stores it: ISO 28560-3's 4-bit value (1 = for circulation), or
    the ISO 28560-1 code written as hex digits in an ISO 28560-2 element.
    ``crc_ok`` is set for ISO 28560-3 only. ``problems`` lists what the decoder
    tolerated (a bad extension-block checksum, a duplicate element, ...).
    ``lock`` names the OIDs the encoder lays out so their blocks can be locked.
    """

    model: str
    pii: str
    owner_isil: str | None = None
    parts_in_item: int | None = None
    part_number: int | None = None
    type_of_usage: int | None = None
    elements: tuple[Element, ...] = ()
    crc_ok: bool | None = None
    content_parameter: tuple[int, ...] | None = None
    version: int | None = None
    dsfid: int | None = None
    blocks: tuple[ExtensionBlock, ...] = ()
    problems: tuple[str, ...] = ()
    lock: tuple[int, ...] = (1,)

    @classmethod
    def new(cls, pii: str, owner_isil: str | None = None, parts_in_item: int | None = None,
            part_number: int | None = None, type_of_usage: int | None = None, *,
            model: str = "28560-2", lock: Iterable[int | str] = (1,),
            extra: Mapping[int, str] | None = None, **more: str | int) -> ItemTag:
        """An item tag to encode. ``more`` takes any other ISO 28560-1 element
        by keyword (``shelf_location="QA268.L55"``, ``title=...``,
        ``ill_borrowing_institution=...``, ``media_format=1``, ...); ``extra``
        takes elements by relative OID. ``lock`` lists the elements (OIDs or
        keywords) whose blocks should be lockable; the PII is the usual one."""
        values: dict[int, str] = {}
        for keyword, value in more.items():
            oid = OID_BY_KEYWORD.get(keyword)
            if oid is None or oid <= 5:
                raise TypeError(f"ItemTag.new() got an unexpected keyword argument {keyword!r}")
            values[oid] = str(value)
        for oid, value in (extra or {}).items():
            if not 6 <= oid <= 127:
                raise ValueError(f"extra elements take relative OIDs 6 to 127, not {oid}")
            values[oid] = str(value)
        if (parts_in_item is None) != (part_number is None):
            raise ValueError("give both parts_in_item and part_number, or neither")
        elements = [Element(1, NAMES[1], pii)]
        if owner_isil is not None:
            elements.append(Element(3, NAMES[3], owner_isil))
        if parts_in_item is not None and part_number is not None:
            elements.append(Element(4, NAMES[4], set_information(parts_in_item, part_number)))
        if type_of_usage is not None:
            elements.append(Element(5, NAMES[5], f"{type_of_usage:02X}"))
        elements += [Element(oid, element_name(oid), values[oid]) for oid in sorted(values)]
        return cls(model=model, pii=pii, owner_isil=owner_isil, parts_in_item=parts_in_item,
                   part_number=part_number, type_of_usage=type_of_usage,
                   elements=tuple(elements), lock=_lock_oids(lock))

    @classmethod
    def _make(cls, fields: dict[str, Any]) -> ItemTag:
        """Build without running ``__init__`` (for the decoders' hot path).

        A frozen dataclass's generated ``__init__`` sets each of its 14 fields
        through ``object.__setattr__``: about 5 us here, half of a whole ISO
        28560-2 decode. ``fields`` becomes the instance dictionary as it is;
        fields it leaves out read their defaults from the class, where
        :func:`dataclasses.dataclass` keeps them (a test checks that every
        field has such a default)."""
        tag = _new_object(cls)
        _set_attribute(tag, "__dict__", fields)
        return tag

    def get(self, element: int | str) -> str | None:
        """The value of the first element with this OID or keyword, if any."""
        oid = element if isinstance(element, int) else OID_BY_KEYWORD[element]
        for item in self.elements:
            if item.oid == oid:
                return item.value
        return None

    @property
    def shelf_location(self) -> str | None:
        return self.get(6)

    @property
    def ill_borrowing_institution(self) -> str | None:
        return self.get(11)

    @property
    def title(self) -> str | None:
        return self.get(17)

    @property
    def media_format(self) -> str | None:
        return self.get(19)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the ``smartlib tag decode --json`` object)."""
        return {
            "model": self.model,
            "pii": self.pii,
            "owner_isil": self.owner_isil,
            "parts_in_item": self.parts_in_item,
            "part_number": self.part_number,
            "type_of_usage": self.type_of_usage,
            "content_parameter": (list(self.content_parameter)
                                  if self.content_parameter is not None else None),
            "crc_ok": self.crc_ok,
            "version": self.version,
            "dsfid": self.dsfid,
            "elements": [e._asdict() for e in self.elements],
            "blocks": [b._asdict() for b in self.blocks],
            "problems": list(self.problems),
        }


class Encoded(NamedTuple):
    """Bytes to write from block 0, the blocks to lock afterwards, and the
    DSFID to write with them."""

    memory: bytes
    lock_blocks: tuple[int, ...]
    dsfid: int
    block_size: int
    model: str

    def lock_map(self) -> str:
        """One character per block: ``l`` to lock, ``.`` to leave writable
        (the notation of ISO 28560-2 Annex D)."""
        locked = set(self.lock_blocks)
        count = -(-len(self.memory) // self.block_size)
        return "".join("l" if i in locked else "." for i in range(count))


_new_object = object.__new__
_set_attribute = object.__setattr__
#: NamedTuple(...) without its Python-level __new__ (2.5x cheaper): new_tuple(Element, (...)).
new_tuple = tuple.__new__


def set_information(parts_in_item: int, part_number: int) -> str:
    """ISO 28560-2 set information: total then ordinal, as digits of equal
    width (at least two each): 12 parts, part 3 -> ``"1203"``."""
    if not 1 <= part_number <= parts_in_item:
        raise ValueError(f"part {part_number} of {parts_in_item} is not a valid set position")
    if parts_in_item < 100:
        return f"{parts_in_item:02d}{part_number:02d}"
    width = max(2, len(str(parts_in_item)), len(str(part_number)))
    return f"{parts_in_item:0{width}d}{part_number:0{width}d}"


def parse_set_information(value: str) -> tuple[int, int] | None:
    """(parts in item, part number) from ``"1203"``; ``None`` if malformed."""
    size = len(value)
    if size < 2 or size & 1 or not value.isdigit() or not value.isascii():
        return None
    half = size >> 1
    return int(value[:half]), int(value[half:])


def _lock_oids(lock: Iterable[int | str]) -> tuple[int, ...]:
    oids = {item if isinstance(item, int) else OID_BY_KEYWORD[item] for item in lock}
    return tuple(sorted(oids))
