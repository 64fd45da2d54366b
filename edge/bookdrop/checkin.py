"""What the book drop asks of circulation: check this item in and say where
it goes.

The book drop does not check items in itself. It is given a :class:`CheckIn`
(circulation's return transaction: ILS check-in, the tag re-secured and
verified, journaled, the ``return`` event) and calls it with each item it
read; the answer's routing picks the bin. The reader is free while the
check-in runs, so circulation can write the tag on the book drop's reader.

``Routing.action`` (edge.contract.events): ``shelf``, ``hold``, ``transit``,
or ``alert`` (staff must look: refused, unknown item) which the book drop
calls the ``problem`` routing.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from drivers.tags import ItemTag
from edge.config.models import Route
from edge.contract.events import Routing


@dataclass(frozen=True, slots=True)
class ReturnedItem:
    """An item dropped in the slot, as read from its tag."""

    uid: bytes
    #: The decoded tag (PII, owner library, set information).
    tag: ItemTag
    dsfid: int
    antenna: int
    #: Every tag of this item that was read (a multi-part set has one per part).
    uids: tuple[bytes, ...] = ()
    #: Each of those tags decoded, in the order of ``uids`` (set information:
    #: which parts of a set are here).
    tags: tuple[ItemTag, ...] = ()


class CheckIn(Protocol):
    """Circulation's return for one item: check it in, re-secure its tag,
    say where it goes. A refusal by the ILS is a routing (``alert``), not an
    error. Raising means it could not be done (the item goes to the problem
    bin and staff are told); the book drop catches anything it raises, so a
    fault in one check-in never blocks the chute."""

    def __call__(self, item: ReturnedItem) -> Awaitable[Routing]: ...


def route_of(routing: Routing) -> Route:
    """The bin routing of a check-in answer."""
    return "problem" if routing.action == "alert" else routing.action
