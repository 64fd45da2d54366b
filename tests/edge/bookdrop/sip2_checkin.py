"""A real check-in for the book drop's tests, until circulation's lands:
SIP2 Checkin (09 -> 10) through :class:`drivers.sip2.Sip2Client`, the tag
re-secured on the book drop's reader (AFI written and read back), and the
ILS's routing (``CheckinResult.route``) as the answer. Not a stub: the demo
ILS really checks the item in, and its answer really sorts it."""

from __future__ import annotations

from drivers.rfid import Reader
from drivers.sip2 import Sip2Client
from drivers.tags.security import SecurityPolicy
from edge.bookdrop.checkin import ReturnedItem
from edge.contract.events import Routing
from edge.errors import EdgeError


class CheckinFailedError(EdgeError):
    pass


class Sip2CheckIn:
    def __init__(self, client: Sip2Client, reader: Reader, policy: SecurityPolicy) -> None:
        self.client = client
        self.reader = reader
        self.policy = policy
        self.calls: list[str] = []

    async def __call__(self, item: ReturnedItem) -> Routing:
        self.calls.append(item.tag.pii)
        from drivers.sip2 import Sip2Error

        try:
            result = await self.client.checkin(item.tag.pii)
        except Sip2Error as exc:
            raise CheckinFailedError(f"the ILS cannot be reached: {exc}") from exc
        if result.ok:
            for uid in item.uids:
                await self.reader.write_afi(uid, self.policy.afi_secured)
        route = result.route
        return Routing("alert" if route == "problem" else route,  # type: ignore[arg-type]
                       destination=result.destination_location or None)
