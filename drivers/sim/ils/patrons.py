"""The demo ILS's answers about patrons and items: patron status (23),
patron information (63), end session (35), fee paid (37), block patron (01),
patron enable (25), item information (17), item status update (19)."""

from __future__ import annotations

from sqlmodel import Session

from drivers.sip2.fields import SUMMARY, SipDate
from drivers.sip2.messages import Message

from .common import (
    UNKNOWN_ITEM,
    UNKNOWN_PATRON,
    WRONG_PIN,
    Context,
    holds_of,
    holds_on,
    loans_of,
    money,
    status_flags,
    vnd,
)
from .store import Item, Loan, Patron


def _language(patron: Patron | None) -> str:
    return "001" if patron is not None and patron.language == "en" else "000"


def _screen(ctx: Context, patron: Patron | None) -> list[tuple[str, str | None]]:
    if patron is None:
        return [("AF", UNKNOWN_PATRON)]
    lines: list[tuple[str, str | None]] = []
    if ctx.pin_ok(patron) is False:
        lines.append(("AF", WRONG_PIN))
    if patron.blocked:
        lines.append(("AF", patron.blocked))
    if patron.fines_vnd:
        lines.append(("AF", f"Tiền phạt chưa trả: {vnd(patron.fines_vnd)} đ / "
                            f"Outstanding fines: {vnd(patron.fines_vnd)} VND"))
    return lines


def patron_status(ctx: Context, code: str = "24") -> Message:
    """23 → 24 (also 01 → 24 and 25 → 26 after their change)."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        pin = ctx.pin_ok(patron) if patron else None
        return ctx.answer(code, {
            "patron_status": status_flags(ctx.policy, session, patron),
            "language": _language(patron),
        }, [
            ("AO", ctx.policy.institution_id),
            ("AA", patron.id if patron else ctx.get("AA")),
            ("AE", patron.name if patron else ""),
            ("BL", "Y" if patron else "N"),
            ("CQ", None if pin is None else "Y" if pin else "N"),
            *([("BH", "VND"), ("BV", money(patron.fines_vnd))] if code == "24" and patron
              else []),
            *_screen(ctx, patron),
        ])


def patron_information(ctx: Context) -> Message:
    """63 → 64, with the one list the summary asks for (BP/BQ: 1-based range)."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        if patron is None:
            return ctx.answer("64", {
                "patron_status": status_flags(ctx.policy, session, None), "language": "000",
                **dict.fromkeys(("hold_items_count", "overdue_items_count",
                                 "charged_items_count", "fine_items_count",
                                 "recall_items_count", "unavailable_holds_count"), 0),
            }, [("AO", ctx.policy.institution_id), ("AA", ctx.get("AA")), ("AE", ""),
                ("BL", "N"), ("AF", UNKNOWN_PATRON)])
        loans = loans_of(session, patron.id)
        overdue = [loan for loan in loans if loan.due_at < ctx.now]
        holds = holds_of(session, patron.id)
        ready = [h for h in holds if h.ready_since is not None]
        waiting = [h for h in holds if h.ready_since is None]
        fines = [f"{patron.fines_vnd} VND"] if patron.fines_vnd else []
        lists = {"hold_items": ("AS", [h.pii for h in ready]),
                 "overdue_items": ("AT", [loan.pii for loan in overdue]),
                 "charged_items": ("AU", [loan.pii for loan in loans]),
                 "fine_items": ("AV", fines),
                 "recall_items": ("BU", []),
                 "unavailable_holds": ("CD", [h.pii for h in waiting])}
        wanted: list[tuple[str, str | None]] = []
        summary = ctx.request.fixed.get("summary")
        for name in SUMMARY:
            if isinstance(summary, frozenset) and name in summary:
                fid, values = lists[name]
                start = max(1, int(ctx.get("BP") or 1))
                end = int(ctx.get("BQ") or len(values))
                wanted += [(fid, v) for v in values[start - 1:end]]
                break
        pin = ctx.pin_ok(patron)
        return ctx.answer("64", {
            "patron_status": status_flags(ctx.policy, session, patron),
            "language": _language(patron),
            "hold_items_count": len(ready), "overdue_items_count": len(overdue),
            "charged_items_count": len(loans), "fine_items_count": len(fines),
            "recall_items_count": 0, "unavailable_holds_count": len(waiting),
        }, [
            ("AO", ctx.policy.institution_id), ("AA", patron.id), ("AE", patron.name),
            ("BZ", f"{ctx.policy.hold_limit:04d}"),
            ("CB", None if patron.max_loans is None else f"{patron.max_loans:04d}"),
            ("BL", "Y"), ("CQ", None if pin is None else "Y" if pin else "N"),
            ("BH", "VND"), ("BV", money(patron.fines_vnd)),
            ("CC", money(ctx.policy.fee_limit_vnd)),
            *wanted,
            ("BE", patron.email or None),
            ("PC", "staff" if patron.staff else "reader"),
            *_screen(ctx, patron),
        ])


def end_patron_session(ctx: Context) -> Message:
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
    return ctx.answer("36", {"end_session": True}, [
        ("AO", ctx.policy.institution_id), ("AA", patron.id if patron else ctx.get("AA")),
        ("AF", "Tạm biệt / Goodbye")])


def fee_paid(ctx: Context) -> Message:
    """37 → 38: the amount (BV, whole VND) is taken off the patron's fines."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        try:
            amount = int(float(ctx.get("BV")))
        except ValueError:
            amount = -1
        accepted = patron is not None and 0 < amount <= patron.fines_vnd
        if accepted and patron is not None:
            patron.fines_vnd -= amount
            session.add(patron)
        ctx.log(session, "fee_paid", accepted, patron_id=patron.id if patron else ctx.get("AA"),
                detail=str(amount))
    return ctx.answer("38", {"payment_accepted": accepted}, [
        ("AO", ctx.policy.institution_id), ("AA", ctx.get("AA")),
        ("BK", ctx.get("BK") or None),
        ("AF", "Đã nhận tiền / Payment accepted" if accepted
         else "Không nhận được khoản thanh toán / Payment refused")])


def block_patron(ctx: Context) -> Message:
    """01 → 24: the card is blocked with AL as the reason."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        if patron is not None:
            patron.blocked = ctx.get("AL") or "Thẻ bị khoá / Card blocked"
            session.add(patron)
        ctx.log(session, "block_patron", patron is not None, patron_id=ctx.get("AA"),
                detail=ctx.get("AL"))
    return patron_status(ctx, "24")


def patron_enable(ctx: Context) -> Message:
    """25 → 26: the block is lifted."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        if patron is not None and ctx.pin_ok(patron) is not False:
            patron.blocked = None
            session.add(patron)
        ctx.log(session, "patron_enable", patron is not None, patron_id=ctx.get("AA"))
    return patron_status(ctx, "26")


def _circulation_status(session: Session, item: Item) -> str:
    if session.get(Loan, item.pii) is not None:
        return "04"
    return {"hold_shelf": "08", "in_transit": "10"}.get(item.status, "03")


def item_information(ctx: Context) -> Message:
    """17 → 18."""
    with ctx.store.session() as session:
        item = session.get(Item, ctx.get("AB"))
        if item is None:
            return ctx.answer("18", {"circulation_status": "01", "security_marker": "00",
                                     "fee_type": "01"},
                              [("AB", ctx.get("AB")), ("AJ", ""), ("AF", UNKNOWN_ITEM)])
        loan = session.get(Loan, item.pii)
        holds = holds_on(session, item.pii)
        ready = next((h for h in holds if h.ready_since is not None), None)
        return ctx.answer("18", {
            "circulation_status": _circulation_status(session, item),
            "security_marker": "00", "fee_type": "01",
        }, [
            ("CF", str(len(holds))),
            ("AH", SipDate.local(loan.due_at).raw if loan else None),
            ("CM", SipDate.local(ready.ready_since).raw if ready and ready.ready_since
             else None),
            ("AB", item.pii), ("AJ", item.title), ("BG", item.owner_isil), ("CK", "001"),
            ("AQ", item.location), ("AP", item.location),
            ("CH", item.properties or None),
            ("CS", item.call_number or None),
            ("CT", item.owner_isil if item.status == "in_transit" else None),
        ])


def item_status_update(ctx: Context) -> Message:
    """19 → 20: CH replaces the item's properties."""
    with ctx.store.session() as session:
        item = session.get(Item, ctx.get("AB"))
        if item is not None:
            item.properties = ctx.get("CH")
            session.add(item)
        ctx.log(session, "item_status_update", item is not None, pii=ctx.get("AB"))
        return ctx.answer("20", {"item_properties_ok": item is not None}, [
            ("AB", ctx.get("AB")), ("AJ", item.title if item else None),
            ("CH", item.properties if item else None),
            ("AF", None if item else UNKNOWN_ITEM)])
