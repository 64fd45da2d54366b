"""The demo ILS: an asyncio SIP2 server (the ACS side of 3M SIP2 2.00) over
the SQLite catalogue of :mod:`drivers.sim.ils.store`.

Tests, the demo and other areas start it in process::

    ils = DemoIls()
    port = await ils.start("127.0.0.1", port=0)
    ...
    await ils.stop()

It can go offline and come back on the same port, commit the faults of
:class:`~drivers.sim.ils.faults.Faults` at run time, and show its state
(loans, holds, patrons, the circulation log) to tests. The database runs on
one worker thread of its own; the event loop only does I/O.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import ssl
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from drivers.sip2.fields import SipDate
from drivers.sip2.folding import codec_name
from drivers.sip2.messages import Message

from . import circulation, patrons
from .common import Context
from .connection import AcsConnection
from .faults import Faults
from .policy import Policy
from .store import (
    DEMO_DATA,
    Event,
    Hold,
    Item,
    Loan,
    Patron,
    Store,
    load_demo_data,
    open_engine,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

Handler = Callable[[Context], Message]
#: Request code -> handler (run on the database thread).
HANDLERS: dict[str, Handler] = {
    "23": patrons.patron_status, "63": patrons.patron_information,
    "35": patrons.end_patron_session, "37": patrons.fee_paid, "01": patrons.block_patron,
    "25": patrons.patron_enable, "17": patrons.item_information,
    "19": patrons.item_status_update, "11": circulation.checkout, "09": circulation.checkin,
    "29": circulation.renew, "65": circulation.renew_all, "15": circulation.hold,
}
#: BX: every message of SIP2 2.00 is supported.
SUPPORTED = "Y" * 16
_HANDLED = frozenset({*HANDLERS, "93", "99"})


class DemoIls:
    """The demo library's SIP2 server.

    ``accounts`` maps SIP2 login users to passwords; when given, a client
    must log in first (a refused login gets 940 and the connection closed,
    as Koha and Evergreen do). Without accounts any login is accepted and
    none is required. ``data`` is demo_library.json's content or path.
    """

    def __init__(self, *, db_path: Path | str | None = None,
                 data: Mapping[str, Any] | Path | str | None = None,
                 policy: Policy | None = None, accounts: Mapping[str, str] | None = None,
                 encoding: str = "utf-8", clock: Callable[[], datetime] = datetime.now,
                 faults: Faults | None = None) -> None:
        self.db_path = Path(db_path) if db_path else None
        self._data_source = data
        self._policy = policy
        self.accounts = dict(accounts) if accounts is not None else None
        self.encoding = codec_name(encoding)
        self.clock = clock
        self.faults = faults or Faults()
        self.host = "127.0.0.1"
        self.port = 0
        self.online = False
        #: The requests received, decoded, newest last (for tests).
        self.requests: collections.deque[Message] = collections.deque(maxlen=1000)
        self._server: asyncio.Server | None = None
        #: Open SC connections.
        self.sessions: set[AcsConnection] = set()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._store: Store | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self.policy = policy or Policy()

    # ------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0, *,
                    ssl_context: ssl.SSLContext | None = None) -> int:
        """Open the catalogue (seeding it when empty) and listen (TLS with
        ``ssl_context``); the bound port."""
        self._ssl_context = ssl_context
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="demo-ils-db")
        data = self._data_source
        if data is None or isinstance(data, (str, Path)):
            data = load_demo_data(Path(data) if data else DEMO_DATA)
        seed = dict(data)
        if self._policy is None:
            self.policy = Policy.from_demo_data(seed)
        self._store = await self._db(lambda: Store(open_engine(self.db_path)))
        store = self._store
        now = self.clock()

        def seed_if_empty() -> None:
            if store.is_empty():
                store.seed(seed, now, loan_days=self.policy.loan_days)

        await self._db(seed_if_empty)
        self.host = host
        await self._listen(host, port)
        return self.port

    async def stop(self) -> None:
        await self.go_offline()
        if self._store is not None:
            store, self._store = self._store, None
            await self._db(store.engine.dispose)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def __aenter__(self) -> DemoIls:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _listen(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: AcsConnection(self), host, port,
                                                ssl=self._ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        self.online = True
        log.info("demo ILS listening on %s:%s", host, self.port)

    async def go_offline(self) -> None:
        """Stop listening and drop every connection (the ILS is down)."""
        self.online = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = [s.task for s in self.sessions if s.task is not None]
        for session in list(self.sessions):
            session.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def come_back(self) -> None:
        """Listen again on the same port."""
        if self._server is None:
            await self._listen(self.host, self.port)

    @property
    def connections(self) -> int:
        return len(self.sessions)

    # ------------------------------------------------------------ database

    async def _db(self, function: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("the demo ILS is not started")
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    def _handle(self, request: Message) -> Message:
        assert self._store is not None
        context = Context(self._store, self.policy, self.clock, request)
        return HANDLERS[request.code](context)

    # ------------------------------------------------------------ answers

    @property
    def handled(self) -> frozenset[str]:
        """Request codes the ACS answers (every request of SIP2 2.00)."""
        return _HANDLED

    async def handle(self, request: Message) -> Message:
        """The answer to a request that reads or changes the catalogue."""
        return await self._db(lambda: self._handle(request))

    def login_ok(self, request: Message) -> bool:
        if self.accounts is None:
            return True
        user, password = request.get("CN"), request.get("CO")
        return user in self.accounts and self.accounts[user] == (password or "")

    def acs_status(self) -> Message:
        p = self.policy
        return Message("98", {
            "online_status": True, "checkin_ok": True, "checkout_ok": True,
            "acs_renewal_policy": True, "status_update_ok": True, "offline_ok": True,
            "timeout_period": p.timeout_period, "retries_allowed": p.retries_allowed,
            "date_time_sync": SipDate.local(self.clock()), "protocol_version": "2.00",
        }, (("AO", p.institution_id), ("AM", p.library_name), ("BX", SUPPORTED),
            ("AN", p.location)))

    # ------------------------------------------------------------ inspection

    async def _read(self, query: Callable[[Session], T]) -> T:
        """Run ``query`` with a session of the catalogue on the database thread."""
        def run() -> T:
            assert self._store is not None
            with self._store.session() as session:
                return query(session)
        return await self._db(run)

    async def loans(self) -> dict[str, Loan]:
        """Every loan by PII."""
        return await self._read(lambda s: {loan.pii: loan for loan in s.exec(select(Loan))})

    async def loan(self, pii: str) -> Loan | None:
        return await self._read(lambda s: s.get(Loan, pii))

    async def holds(self, pii: str | None = None) -> list[Hold]:
        """Holds in queue order, all or on one item."""
        query = select(Hold).order_by(col(Hold.placed_at), col(Hold.id))
        if pii is not None:
            query = query.where(Hold.pii == pii)
        return await self._read(lambda s: list(s.exec(query)))

    async def patron(self, patron_id: str) -> Patron | None:
        return await self._read(lambda s: s.get(Patron, patron_id))

    async def events(self, kind: str | None = None) -> list[Event]:
        """The circulation log, oldest first."""
        query = select(Event).order_by(col(Event.id))
        if kind is not None:
            query = query.where(Event.kind == kind)
        return await self._read(lambda s: list(s.exec(query)))

    async def item_status(self, pii: str) -> str | None:
        """available, hold_shelf or in_transit (None: unknown item)."""
        item = await self._read(lambda s: s.get(Item, pii))
        return item.status if item else None
