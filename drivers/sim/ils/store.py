"""The demo ILS's catalogue: a small SQLite database through sqlmodel.

Patrons (PIN, card, blocks, fines, loan limit), items (Vietnamese titles,
locations, owning library ISIL), loans (due date, renewals left), holds and
a circulation log. Seeded from ``drivers/sim/data/demo_library.json``.

Every method is synchronous and must run on the demo ILS's database thread
(see :class:`drivers.sim.ils.server.DemoIls`).
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import NaiveDatetime
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, create_engine, select

DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo_library.json"


class Patron(SQLModel, table=True):
    id: str = Field(primary_key=True)
    card_uid: str | None = Field(default=None, index=True)
    pin: str
    name: str
    email: str = ""
    language: str = "vi"
    #: None: no limit (staff).
    max_loans: int | None = 10
    fines_vnd: int = 0
    #: Why the card is blocked; None when it is not.
    blocked: str | None = None
    staff: bool = False


class Item(SQLModel, table=True):
    pii: str = Field(primary_key=True)
    title: str
    author: str = ""
    call_number: str = ""
    owner_isil: str
    location: str = ""
    parts_in_item: int = 1
    #: available | hold_shelf | in_transit (on loan: there is a Loan row).
    status: str = "available"
    properties: str = ""


class Loan(SQLModel, table=True):
    pii: str = Field(primary_key=True, foreign_key="item.pii")
    patron_id: str = Field(foreign_key="patron.id", index=True)
    loaned_at: NaiveDatetime
    due_at: NaiveDatetime
    renewals_left: int
    #: Recorded from an offline replay (SIP2 no block).
    no_block: bool = False


class Hold(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pii: str = Field(foreign_key="item.pii", index=True)
    patron_id: str = Field(foreign_key="patron.id", index=True)
    placed_at: NaiveDatetime
    pickup_location: str = ""
    #: When the item reached the hold shelf; None while it is not there.
    ready_since: NaiveDatetime | None = None


class Event(SQLModel, table=True):
    """The circulation log: what the ILS did, with the SC's own dates."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    ok: bool
    pii: str = ""
    patron_id: str = ""
    #: The transaction date the SC sent (an offline transaction's original date).
    transaction_date: NaiveDatetime | None = None
    recorded_at: NaiveDatetime
    no_block: bool = False
    detail: str = ""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def open_engine(path: Path | None) -> Engine:
    """An engine on ``path`` (a file) or, when None, on a private in-memory DB."""
    if path is None:
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               connect_args={"check_same_thread": False})
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    SQLModel.metadata.create_all(engine)
    return engine


class Store:
    """Sessions on the catalogue, and its seeding."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    def is_empty(self) -> bool:
        with self.session() as session:
            return session.exec(select(Patron).limit(1)).first() is None

    def seed(self, data: dict[str, Any], now: datetime, *, loan_days: int = 14) -> None:
        """Fill an empty catalogue from demo data (demo_library.json's shape)."""
        with self.session() as session:
            for p in data["patrons"]:
                session.add(Patron(
                    id=p["id"], card_uid=p.get("card_uid"), pin=p["pin"], name=p["name"],
                    email=p.get("email", ""), language=p.get("language", "vi"),
                    max_loans=None if p.get("staff") else p.get("max_loans", 10),
                    fines_vnd=p.get("fines_vnd", 0), blocked=p.get("blocked"),
                    staff=bool(p.get("staff"))))
            seen: set[str] = set()
            for i in data["items"]:
                if i["pii"] in seen:  # the parts of a set share one PII
                    continue
                seen.add(i["pii"])
                session.add(Item(
                    pii=i["pii"], title=i["title"], author=i.get("author", ""),
                    call_number=i.get("call_number", ""), owner_isil=i["owner_isil"],
                    location=i.get("location", ""), parts_in_item=i.get("parts_in_item", 1)))
            session.flush()
            for i in data["items"]:
                if "on_loan_to" in i and i["pii"] not in {
                        loan.pii for loan in session.exec(select(Loan)).all()}:
                    due = (now + timedelta(days=i.get("due_in_days", loan_days))).replace(
                        hour=23, minute=59, second=59, microsecond=0)
                    session.add(Loan(pii=i["pii"], patron_id=i["on_loan_to"],
                                     loaned_at=due - timedelta(days=loan_days), due_at=due,
                                     renewals_left=i.get("renewals_left", 2)))
                if "hold_for" in i:
                    session.add(Hold(pii=i["pii"], patron_id=i["hold_for"], placed_at=now,
                                     pickup_location=data["library"]["isil"]))


def load_demo_data(path: Path = DEMO_DATA) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
