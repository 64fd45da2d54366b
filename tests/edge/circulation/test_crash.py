"""Crash consistency: checkout and return run in a child process that is
SIGKILLed at every durable step of the transaction (online and offline);
a new service on the same store then finishes or undoes what was left. Item
by item, the ILS and the tag must agree (or staff have an alert naming the
item), and no transaction is lost or doubled."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from edge.circulation.service import CirculationService
from edge.store import open_store
from tests.conftest import ROOT
from tests.edge.circulation.conftest import start_service
from tests.peers.circulation import Rig, wait_for

BORROW = ["30000001", "30000002", "E004015000000071", "E004015000000072"]
RETURN = ["30000009", "30000010", "30000011"]  # on loan at the start


@pytest.fixture(scope="module")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store already at the head revision: children skip the migration."""
    path = tmp_path_factory.mktemp("template") / "device.db"
    open_store(path).close()
    return path


@pytest.fixture(autouse=True)
def fresh_store(rig: Rig, migrated_store: Path) -> None:
    shutil.copyfile(migrated_store, rig.directory / "device.db")


async def run_child(rig: Rig, operation: str, step: str, nth: int, items: list[str]) -> int:
    config = rig.write_config()
    uids = [rig.tag(item).uid.hex().upper() for item in items]
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.edge.circulation.crash_child", str(config), operation,
        step, str(nth), *uids, cwd=ROOT, env={**os.environ, **rig.environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await child.communicate()
    assert child.returncode in (0, -signal.SIGKILL), err.decode()
    return child.returncode


def events_of(service: CirculationService) -> list[tuple[str, dict[str, object]]]:
    return [(p.type, json.loads(p.payload)) for p in service.store.outbox.pending()]


async def check_invariant(rig: Rig, service: CirculationService, items: list[str],
                          patron: str | None) -> None:
    """Item by item: ILS and tags agree, or an alert names the item; one
    event per transaction that stands."""
    sent = events_of(service)
    alerted = {p["item"] for kind, p in sent if kind == "staff_alert"}
    loans = await rig.ils.loans()
    for pii in dict.fromkeys(_pii(rig, i) for i in items):
        uids = [i for i in items if _pii(rig, i) == pii]
        afis = {rig.tag(u).afi for u in uids}
        loaned = pii in loans and (patron is None or loans[pii].patron_id == patron)
        consistent = ((loaned and afis == {AFI_ON_LOAN})
                      or (not loaned and afis == {AFI_IN_LIBRARY}))
        assert consistent or pii in alerted, (pii, loaned, afis, sent)
        if patron is not None:  # a checkout: a loan event exactly when the loan stands
            loan_events = [p for kind, p in sent if kind == "loan" and p["item"] == pii]
            assert len(loan_events) == (1 if loaned else 0), (pii, loaned, loan_events)
            ok_checkouts = [e for e in await rig.ils.events("checkout")
                            if e.pii == pii and e.ok and e.patron_id == patron]
            assert len(ok_checkouts) <= 1, ok_checkouts  # never lent twice
        else:
            returns = [p for kind, p in sent if kind == "return" and p["item"] == pii]
            assert len(returns) == (0 if loaned else 1), (pii, loaned, returns)
    counts = service.journal.counts()
    assert counts.unfinished == 0


def _pii(rig: Rig, item: str) -> str:
    return str(next(i["pii"] for i in rig.hardware.library["items"]
                    if item in (i["pii"], i["tag_uid"])))


#: (step, which time it is reached): the first item's and later ones', while
#: the ILS stage runs ahead of the tag stage.
CHECKOUT_STEPS = [("journaled", 1), ("ils_answered", 2), ("ils_recorded", 1),
                  ("tag_written", 2), ("completed", 1), ("completed", 3)]


@pytest.mark.parametrize(("step", "nth"), CHECKOUT_STEPS)
async def test_checkout_killed_at_each_step(rig: Rig, step: str, nth: int) -> None:
    for item in BORROW:
        rig.hardware.place(item)
    code = await run_child(rig, "checkout", step, nth, BORROW)
    assert code == -signal.SIGKILL
    service = await start_service(rig)  # recovery runs at start
    try:
        await check_invariant(rig, service, BORROW, "P0001")
    finally:
        await service.close()


RETURN_STEPS = [("journaled", 1), ("ils_answered", 2), ("ils_recorded", 2),
                ("tag_written", 1), ("completed", 2)]


@pytest.mark.parametrize(("step", "nth"), RETURN_STEPS)
async def test_return_killed_at_each_step(rig: Rig, step: str, nth: int) -> None:
    for item in RETURN:
        rig.hardware.place(item)
    assert await run_child(rig, "checkin", step, nth, RETURN) == -signal.SIGKILL
    service = await start_service(rig)
    try:
        await check_invariant(rig, service, RETURN, None)
    finally:
        await service.close()


@pytest.mark.parametrize(("step", "nth"), [("journaled", 1), ("tag_written", 2),
                                           ("completed", 1)])
async def test_offline_checkout_killed_at_each_step_then_replayed(
        rig: Rig, step: str, nth: int) -> None:
    await rig.ils.go_offline()
    items = BORROW[:2]
    for item in items:
        rig.hardware.place(item)
    assert await run_child(rig, "checkout", step, nth, items) == -signal.SIGKILL
    service = await start_service(rig)  # recovery, still offline
    try:
        await rig.ils.come_back()
        await wait_for(lambda: service.status().offline.ils_online
                       and service.status().offline.queued == 0, what="the replay")
        await check_invariant(rig, service, items, "P0001")
    finally:
        await service.close()


async def test_a_book_taken_away_during_the_crash_is_alerted(rig: Rig) -> None:
    for item in BORROW[:2]:
        rig.hardware.place(item)
    assert await run_child(rig, "checkout", "ils_recorded", 1, BORROW[:2]) == -signal.SIGKILL
    rig.hardware.remove("30000001")  # the reader walked off with it meanwhile
    service = await start_service(rig)
    try:
        sent = events_of(service)
        alerts = [p for kind, p in sent if kind == "staff_alert"]
        assert [(a["item"], a["alert"]) for a in alerts] == [("30000001", "tag_state_unknown")]
        assert (await rig.ils.loan("30000001")) is not None  # the loan stands
        assert [p["item"] for kind, p in sent if kind == "loan"] == ["30000001"]
        assert service.journal.counts().unfinished == 0
    finally:
        await service.close()
