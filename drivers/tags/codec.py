"""The two entry points, :func:`decode` and :func:`encode`, and the
auto-detection between data models (docs/adr/0006-tag-model-detection.md).

Auto-detection, in order:

1. uniform memory (all 0x00 or all 0xFF, or 3M's factory pattern) is blank,
   whatever the model;
2. a DSFID that names a model decides: 0x06 is ISO 28560-2, 0x3E ISO 28560-3;
3. otherwise (DSFID 0x00, unknown, or not read) the content decides:
   an ISO 28560-3 basic block whose CRC holds; then ISO 28560-2 data sets that
   start with the PII; then an ISO 28560-3 basic block with a bad CRC but a
   known version and a printable PII (reported with ``crc_ok=False``); then
   3M's layout;
4. anything else is an :class:`UnknownFormatError` naming the first byte.

A site that knows its stock passes ``model`` (the ``[tags] model`` setting)
and skips the guessing.
"""

from __future__ import annotations

from drivers.tags import part2, part3, vendor3m
from drivers.tags.errors import BlankTagError, CorruptTagError, EncodeError, UnknownFormatError
from drivers.tags.model import MODELS, Encoded, ItemTag

AUTO = "auto"
_new_encoded = tuple.__new__
DSFID_MODELS: dict[int, str] = {part2.DSFID: "28560-2", part3.DSFID: "28560-3"}
_BLANK_STARTS = frozenset((0x00, 0xFF, 0x55))
_DECODERS = {"28560-2": part2.decode, "28560-3": part3.decode, "3m": vendor3m.decode}


def decode(memory: bytes, dsfid: int | None = None, model: str = AUTO) -> ItemTag:
    """The item tag in ``memory`` (user memory from block 0).

    ``dsfid`` is the tag's DSFID if the reader reported it; ``model`` is
    ``"auto"`` or one of ``"28560-2"``, ``"28560-3"``, ``"3m"`` to force one.
    Raises :class:`BlankTagError`, :class:`UnknownFormatError` or
    :class:`CorruptTagError` (all :class:`TagDataError`, a ``ValueError``).
    """
    if type(memory) is not bytes:
        memory = bytes(memory)
    if not memory or memory[0] in _BLANK_STARTS:
        _blank_check(memory)
    if model != AUTO:
        decoder = _DECODERS.get(model)
        if decoder is None:
            raise ValueError(f"unknown tag data model {model!r}; choose auto or one of {MODELS}")
        return decoder(memory, dsfid)
    named = DSFID_MODELS.get(dsfid) if dsfid is not None else None
    if named is not None:
        return _DECODERS[named](memory, dsfid)
    return _detect(memory, dsfid)


def _blank_check(memory: bytes) -> None:
    size = len(memory)
    if not size:
        raise BlankTagError(None, "no memory was read (0 bytes)")
    first = memory[0]
    if first in (0x00, 0xFF) and memory.count(first) == size:
        raise BlankTagError(None, f"all {size} bytes are {first:02X}")
    if first == 0x55 and vendor3m.is_manufacturing_blank(memory):
        raise BlankTagError(None, "3M factory blank (24 bytes of 55, then zeros)")


def _detect(memory: bytes, dsfid: int | None) -> ItemTag:
    first = memory[0]
    if first >> 4 in part3.VERSIONS and part3.crc_matches(memory):
        return part3.decode(memory, dsfid, crc_ok=True)
    failure: CorruptTagError | None = None
    if first & 0x0F == 1:  # a data set of relative OID 1 comes first
        try:
            return part2.decode(memory, dsfid)
        except CorruptTagError as exc:
            failure = exc
    if part3.plausible(memory) or part3.reversed_crc_matches(memory):
        return part3.decode(memory, dsfid)
    if vendor3m.plausible(memory):
        return vendor3m.decode(memory, dsfid)
    if failure is not None:
        raise failure
    if first == 0x00:
        raise BlankTagError(0, "the first byte is a terminator; the rest is not a data model")
    raise UnknownFormatError(0, f"0x{first:02X} starts neither an ISO 28560-2 PII data set, "
                                f"an ISO 28560-3 basic block nor a 3M tag")


def encode(tag: ItemTag, model: str = "28560-2", block_size: int = 4,
           capacity: int | None = None) -> Encoded:
    """Memory for ``tag`` in ``model``, from block 0.

    ``block_size`` is the tag's block size (4 or 8 bytes). ``capacity`` is its
    user memory in bytes if known: when the data fills it exactly no
    terminator is written (as in ISO 28560-2 Annex D); without it a terminator
    is always written and the memory padded to a whole block. ISO 28560-2
    lays the PII, and any element named in ``tag.lock``, on block boundaries
    and returns their blocks in ``lock_blocks``; ISO 28560-3 locks nothing
    (its CRC covers fields that change). 3M's format is read only.
    """
    if block_size not in (4, 8):
        raise EncodeError(None, f"block size {block_size}: tags have 4- or 8-byte blocks")
    if capacity is not None and (capacity <= 0 or capacity % block_size):
        raise EncodeError(None, f"capacity {capacity} is not a whole number of "
                                f"{block_size}-byte blocks")
    if model == "28560-2":
        memory, lock_blocks = part2.encode(tag, block_size, capacity)
        return _new_encoded(Encoded, (memory, lock_blocks, part2.DSFID, block_size, model))
    if model == "28560-3":
        memory = part3.encode(tag, capacity)
        memory += bytes(-len(memory) % block_size)
        return _new_encoded(Encoded, (memory, (), part3.DSFID, block_size, model))
    if model == "3m":
        raise EncodeError(None, "3M's legacy format is read only; write ISO 28560-2 or -3")
    raise EncodeError(None, f"unknown tag data model {model!r}; choose one of {MODELS}")
