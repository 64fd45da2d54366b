"""Circulation's check-in for the book drop (docs/bookdrop.md): the
circulation service of a book drop, built around the store and the reader
the book drop already has, and the check-in it calls for each item.

    async with check_in_for(loaded, store, reader) as check_in:
        routing = await check_in(item)      # an edge.bookdrop ReturnedItem

The book drop opens, polls and closes its reader; the service only writes
the tags of the item it is given (``own_reader=False``: no pad watcher, so
no second loop on the reader). Each item goes through the service's
journaled return (:meth:`CirculationService.checkin_read`): ILS check-in,
the tag secured and read back, journal and ``return`` event in one SQLite
transaction; offline within ``[offline]``, queued and replayed when the ILS
is back. The answer is the ILS's routing as the MQTT contract spells it;
everything that needs staff (refused, an incomplete set, the tag not
secured, returned offline so the route is unknown) is ``alert``, which the
book drop sorts into its problem bin.

This module knows the book drop's item only by shape (:class:`DroppedItem`)
so that circulation does not import the book drop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from drivers.tags import ItemTag
from edge.circulation import explain
from edge.circulation.factory import service_from_config
from edge.circulation.model import ItemResult, TransactionResult
from edge.circulation.reasons import Reason
from edge.circulation.stack import build_stack, tag_of
from edge.contract.events import Routing
from edge.i18n import _

if TYPE_CHECKING:
    from drivers.rfid import Reader
    from edge.circulation.service import CirculationService
    from edge.config.loader import LoadedConfig
    from edge.store import Store


class DroppedItem(Protocol):
    """What the book drop read of one item (edge.bookdrop.checkin.ReturnedItem)."""

    @property
    def uid(self) -> bytes: ...
    @property
    def tag(self) -> ItemTag: ...
    @property
    def antenna(self) -> int: ...
    @property
    def uids(self) -> tuple[bytes, ...]: ...
    @property
    def tags(self) -> tuple[ItemTag, ...]: ...


class BookdropCheckIn:
    """The book drop's ``CheckIn``: one dropped item returned through
    ``service``; the routing to sort it by."""

    def __init__(self, service: CirculationService) -> None:
        self.service = service

    async def __call__(self, item: DroppedItem) -> Routing:
        uids = item.uids or (item.uid,)
        decoded = item.tags if len(item.tags) == len(uids) else (item.tag,) * len(uids)
        stack = build_stack(tag_of(uid, tag, item.antenna) for uid, tag in zip(uids, decoded,
                                                                               strict=True))
        return routing_of(await self.service.checkin_read(stack.items))


def routing_of(result: TransactionResult) -> Routing:
    """Where the (single) item of a book drop's return goes."""
    if not result.items:
        why = result.reason.value if result.reason else _("nothing was checked in")
        return Routing("alert", message=_with_detail(why, result.detail))
    item = result.items[0]
    if item.status == "refused" or item.routing is None:
        return Routing("alert", message=_why(item))
    if not item.routing.known:
        return Routing("alert", message=_(
            "returned while the library system was offline; it is routed when the offline "
            "queue is replayed"))
    if item.status == "alert":
        return Routing("alert", destination=item.routing.destination, message=_why(item))
    return explain.contract_routing(item.routing)


def _why(item: ItemResult) -> str:
    if item.reason is Reason.SET_INCOMPLETE:
        return _("an incomplete set: part {parts} missing").format(
            parts=", ".join(str(n) for n in item.missing_parts))
    code = item.reason.value if item.reason else item.status
    return _with_detail(code, item.detail or (item.routing.message if item.routing else None))


def _with_detail(code: str, detail: str | None) -> str:
    return f"{code}: {detail}" if detail else code


@asynccontextmanager
async def check_in_for(loaded: LoadedConfig, store: Store,
                       reader: Reader) -> AsyncIterator[BookdropCheckIn]:
    """The check-in of the book drop ``loaded`` describes, on its ``store``
    and ``reader`` (both stay the book drop's: neither is closed here). The
    service starts here (ILS asked once, interrupted transactions finished,
    the offline queue replayed if the ILS answers) and stops on exit."""
    service = service_from_config(loaded, reader=reader, store=store, own_reader=False)
    await service.start()
    try:
        yield BookdropCheckIn(service)
    finally:
        await service.close()
