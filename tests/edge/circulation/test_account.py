"""The account screen and renewals: loans with due dates, holds, fines,
blocks; renew one, renew all (each renewal journaled, refusals explained)."""

from __future__ import annotations

import json

from edge.circulation.model import TypedNumber
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from tests.edge.circulation.conftest import CARD_P0001, CARD_P0002, only, patron, place
from tests.peers.circulation import Rig


async def test_the_summary_lists_loans_with_due_dates_holds_and_fines(
        rig: Rig, service: CirculationService) -> None:
    duc = await patron(service, CARD_P0002)
    found = await service.summary(duc)
    assert found.summary is not None
    summary = found.summary
    assert [(loan.pii, loan.title, loan.overdue) for loan in summary.loans] == [
        ("30000009", "Cánh đồng bất tận", False)]
    assert summary.loans[0].due is not None
    assert summary.fines == "25000" and summary.currency == "VND"
    assert [(h.pii, h.ready) for h in summary.holds] == [("30000006", False)]
    anh = await patron(service, CARD_P0001)
    mine = (await service.summary(anh)).summary
    assert mine is not None
    assert [(loan.pii, loan.overdue) for loan in mine.loans] == [
        ("30000010", True), ("30000011", False)]  # soonest due first
    assert mine.overdue_count == 1


async def test_renew_all_then_one(rig: Rig, service: CirculationService) -> None:
    anh = await patron(service, CARD_P0001)
    before = await rig.ils.loan("30000010")
    assert before is not None
    everything = await service.renew_all(anh)
    by_pii = {i.pii: i for i in everything.items}
    assert by_pii["30000010"].status == "done" and by_pii["30000010"].due is not None
    after = await rig.ils.loan("30000010")
    assert after is not None and after.due_at > before.due_at
    # 30000011 has no renewals left
    assert (by_pii["30000011"].status, by_pii["30000011"].reason) == (
        "refused", Reason.RENEWAL_REFUSED)
    assert by_pii["30000011"].detail and "No renewals left" in by_pii["30000011"].detail
    again = await service.renew(anh, ["30000010"])  # that was its last renewal
    assert again.items[0].reason is Reason.RENEWAL_REFUSED
    renewals = [json.loads(p.payload) for p in service.store.outbox.pending()
                if p.type == "renewal"]
    assert [r["item"] for r in renewals] == ["30000010"]


async def test_refusals_are_explained(rig: Rig, service: CirculationService) -> None:
    anh = await patron(service, CARD_P0001)
    not_mine = await service.renew(anh, ["30000009"])  # on loan to P0002
    assert not_mine.items[0].reason is Reason.RENEWAL_REFUSED  # SIP2 does not say whose
    await place(rig, service, "30000009")
    taken = await service.checkout(anh)
    assert taken.items[0].reason is Reason.ITEM_ON_LOAN
    john = (await service.identify(TypedNumber("P0004"))).patron
    assert john is not None
    await only(rig, service, "30000001", "30000002", "30000003")
    limited = await service.checkout(john)
    assert [(i.status, i.reason) for i in limited.items] == [
        ("done", None), ("done", None), ("refused", Reason.LOAN_LIMIT)]
