"""Errors of the item-tag codecs: one root, :class:`TagDataError`, a
``ValueError`` that says where (``"byte 12: ..."``) and why.

A caller acts on the kind: a blank tag is offered for programming, an unknown
format is shown to staff with its reason, a corrupt tag is re-read or
re-written. Nothing else ever leaves :func:`drivers.tags.decode`.
"""

from __future__ import annotations


class TagDataError(ValueError):
    """Tag memory (or a tag to encode) that the codec cannot turn into data.

    ``offset`` is the byte offset in tag memory where the problem was found
    (``None`` when it concerns the whole memory or a value to encode);
    ``reason`` is the technical explanation, in English.
    """

    def __init__(self, offset: int | None, reason: str) -> None:
        self.offset = offset
        self.reason = reason
        super().__init__(reason if offset is None else f"byte {offset}: {reason}")

    def __reduce__(self) -> tuple[type[TagDataError], tuple[int | None, str]]:
        return (type(self), (self.offset, self.reason))


class BlankTagError(TagDataError):
    """The tag carries no item data: factory-fresh, erased, or a vendor blank."""


class UnknownFormatError(TagDataError):
    """The memory matches none of the data models this codec knows."""


class CorruptTagError(TagDataError):
    """The memory claims a data model but breaks its rules (lengths that run
    past the end, impossible code values, an unreadable basic block)."""


class EncodeError(TagDataError):
    """An item tag that cannot be written in the requested data model
    (a value too long for its field, characters the scheme cannot carry,
    data larger than the tag)."""
