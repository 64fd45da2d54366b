"""The stack on the pad, from its tags: each tag decoded (ISO 28560, via
:mod:`drivers.tags`), tags of one item grouped, multi-part sets checked from
their set information (ISO 28560-1 element 4: parts in the item, this
part's number) so an incomplete set is refused naming the missing parts.

Pure functions over tag data; :mod:`edge.circulation.stackwatch` feeds them
from the reader.
"""

from __future__ import annotations

from collections.abc import Iterable

from drivers.rfid.errors import uid_hex
from drivers.tags import BlankTagError, ItemTag, TagDataError, decode
from edge.circulation.model import Stack, StackItem, StackProblem, StackTag
from edge.circulation.reasons import Reason


def read_tag(uid: bytes, memory: bytes, dsfid: int | None, antenna: int = 1,
             model: str = "auto") -> StackTag:
    """A tag on the pad from its memory; a tag that does not decode carries
    the problem (blank, or unreadable with the codec's explanation)."""
    uid_text = uid_hex(uid)
    try:
        item = decode(memory, dsfid, model)
    except BlankTagError as exc:
        return StackTag(uid_text, antenna, problem=Reason.TAG_BLANK, detail=str(exc))
    except TagDataError as exc:
        return StackTag(uid_text, antenna, problem=Reason.TAG_UNREADABLE, detail=str(exc))
    return tag_of(uid, item, antenna)


def tag_of(uid: bytes, item: ItemTag, antenna: int = 1) -> StackTag:
    """A tag on the pad from its decoded content (set information kept only
    for a set of more than one part)."""
    parts = item.parts_in_item if item.parts_in_item and item.parts_in_item > 1 else None
    return StackTag(uid_hex(uid), antenna, pii=item.pii, owner_isil=item.owner_isil,
                    parts_in_item=parts, part_number=item.part_number if parts else None,
                    title=item.title)


def unreadable(uid: bytes, error: str, antenna: int = 1) -> StackTag:
    return StackTag(uid_hex(uid), antenna, problem=Reason.TAG_UNREADABLE, detail=error)


def build_stack(tags: Iterable[StackTag], titles: dict[str, str] | None = None) -> Stack:
    """Group ``tags`` (in the order they arrived) into items. ``titles`` (by
    PII, from the ILS) win over a title stored on the tag."""
    tags = tuple(tags)
    titles = titles or {}
    by_pii: dict[str, list[StackTag]] = {}
    problems: list[StackProblem] = []
    for tag in tags:
        if tag.problem is not None:
            problems.append(StackProblem(tag.problem, uid=tag.uid, detail=tag.detail))
        elif tag.pii is not None:
            by_pii.setdefault(tag.pii, []).append(tag)
    items: list[StackItem] = []
    for pii, group in by_pii.items():
        total = max((t.parts_in_item or 1) for t in group)
        present = tuple(sorted({t.part_number for t in group if t.part_number is not None}))
        missing = tuple(n for n in range(1, total + 1) if n not in present) if total > 1 else ()
        title = titles.get(pii) or next((t.title for t in group if t.title), None)
        items.append(StackItem(pii=pii, uids=tuple(t.uid for t in group), title=title,
                               owner_isil=next((t.owner_isil for t in group if t.owner_isil),
                                               None),
                               parts_in_item=total, parts_present=present,
                               missing_parts=missing))
        if missing:
            problems.append(StackProblem(Reason.SET_INCOMPLETE, pii=pii, missing_parts=missing))
    return Stack(tags=tags, items=tuple(items), problems=tuple(problems))
