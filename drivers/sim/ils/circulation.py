"""The demo ILS's circulation: checkout (11), check-in (09), renew (29),
renew all (65) and hold (15), with the rules a real ILS applies and the SIP2
no-block flag (an offline transaction replayed with its original date is
accepted unless it is impossible, and recorded with that date)."""

from __future__ import annotations

from sqlmodel import Session

from drivers.sip2.fields import SipDate
from drivers.sip2.messages import Message

from .common import (
    UNKNOWN_ITEM,
    UNKNOWN_PATRON,
    WRONG_PIN,
    Context,
    due_date,
    holds_on,
    loans_of,
    overdue_fine,
    vnd,
)
from .store import Hold, Item, Loan, Patron

ON_HOLD_FOR_OTHER = "Tài liệu đang được giữ cho bạn đọc khác / Item is on hold for another patron"


def _refusal_for_checkout(ctx: Context, session: Session, patron: Patron, item: Item,
                          loan: Loan | None) -> str | None:
    """Why this (online) checkout is refused, or None."""
    if ctx.pin_ok(patron) is False:
        return WRONG_PIN
    if patron.blocked:
        return patron.blocked
    if patron.fines_vnd > ctx.policy.fee_limit_vnd:
        return "Tiền phạt vượt mức cho phép / Fines over the limit"
    if loan is not None and loan.patron_id != patron.id:
        return "Tài liệu đang được mượn / Item is on loan to another patron"
    holds = holds_on(session, item.pii)
    if holds and holds[0].patron_id != patron.id:
        return ON_HOLD_FOR_OTHER
    if patron.max_loans is not None and len(loans_of(session, patron.id)) >= patron.max_loans:
        return (f"Đã mượn tối đa {patron.max_loans} tài liệu / "
                f"Loan limit of {patron.max_loans} items reached")
    return None


def checkout(ctx: Context) -> Message:
    """11 → 12."""
    no_block = ctx.flag("no_block")
    when = ctx.transaction_date
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        item = session.get(Item, ctx.get("AB"))
        if patron is None or item is None:
            ctx.log(session, "checkout", False, pii=ctx.get("AB"), patron_id=ctx.get("AA"),
                    no_block=no_block, detail="unknown patron or item")
            return _checkout_answer(ctx, False, ctx.get("AA"), item, None,
                                    UNKNOWN_PATRON if patron is None else UNKNOWN_ITEM)
        loan = session.get(Loan, item.pii)
        if loan is not None and loan.patron_id == patron.id:
            # Asked twice (a resend, a replay): the loan stands, nothing changes.
            ctx.log(session, "checkout", True, pii=item.pii, patron_id=patron.id,
                    no_block=no_block, detail="already on loan to this patron")
            return _checkout_answer(ctx, True, patron.id, item, loan,
                                    "Bạn đã mượn tài liệu này / Already on loan to you")
        notes: list[str] = []
        if no_block:
            refusal = None
            holds = holds_on(session, item.pii)
            if holds and holds[0].patron_id != patron.id:
                notes.append(ON_HOLD_FOR_OTHER)
        else:
            refusal = _refusal_for_checkout(ctx, session, patron, item, loan)
        if refusal is not None:
            ctx.log(session, "checkout", False, pii=item.pii, patron_id=patron.id,
                    detail=refusal)
            return _checkout_answer(ctx, False, patron.id, item, None, refusal)
        if loan is not None:  # offline replay: the item was in the library after all
            ctx.log(session, "checkin", True, pii=item.pii, patron_id=loan.patron_id,
                    no_block=True, detail="implicit check-in before an offline checkout")
            session.delete(loan)
            session.flush()
        nb_due = ctx.date("nb_due_date")
        loan = Loan(pii=item.pii, patron_id=patron.id, loaned_at=when,
                    due_at=nb_due.replace(tzinfo=None) if no_block and nb_due
                    else due_date(when, ctx.policy.loan_days),
                    renewals_left=ctx.policy.max_renewals, no_block=no_block)
        session.add(loan)
        for hold in holds_on(session, item.pii):
            if hold.patron_id == patron.id:  # the patron collects their hold
                session.delete(hold)
        item.status = "available"
        session.add(item)
        ctx.log(session, "checkout", True, pii=item.pii, patron_id=patron.id,
                when=when, no_block=no_block)
        return _checkout_answer(ctx, True, patron.id, item, loan,
                                "Mượn thành công / Checked out", *notes)


def _checkout_answer(ctx: Context, ok: bool, patron_id: str, item: Item | None,
                     loan: Loan | None, *screen: str, code: str = "12",
                     renewal: bool = False) -> Message:
    return ctx.answer(code, {
        "ok": ok, "renewal_ok": renewal, "magnetic_media": False, "desensitize": ok,
    }, [
        ("AO", ctx.policy.institution_id), ("AA", patron_id), ("AB", ctx.get("AB")),
        ("AJ", item.title if item else ""),
        ("AH", SipDate.local(loan.due_at).raw if loan else ""),
        ("CK", "001" if item else None), ("CI", "N" if item else None),
        *[("AF", line) for line in screen],
        *([("AG", f"{item.title} - {loan.due_at:%d/%m/%Y}")] if ok and item and loan else []),
    ])


def checkin(ctx: Context) -> Message:
    """09 → 10, with the routing a book drop sorts by: a hold (CV 01, CY,
    DA, CT) goes to the hold shelf; another library's item (CV 04, CT) to
    transit."""
    no_block = ctx.flag("no_block")
    returned = (ctx.date("return_date") or ctx.transaction_date).replace(tzinfo=None)
    policy = ctx.policy
    with ctx.store.session() as session:
        item = session.get(Item, ctx.get("AB"))
        if item is None:
            ctx.log(session, "checkin", False, pii=ctx.get("AB"), no_block=no_block,
                    detail="unknown item")
            return ctx.answer("10", {"ok": False, "resensitize": False,
                                     "magnetic_media": False, "alert": True}, [
                ("AO", policy.institution_id), ("AB", ctx.get("AB")), ("AQ", ""),
                ("CV", "99"), ("AF", UNKNOWN_ITEM)])
        loan = session.get(Loan, item.pii)
        screen = ["Đã trả / Checked in"]
        patron_id = ""
        if loan is None:
            screen = ["Tài liệu chưa được mượn / Item was not on loan"]
        else:
            patron_id = loan.patron_id
            fine = overdue_fine(policy, loan, returned)
            if fine:
                patron = session.get(Patron, loan.patron_id)
                if patron is not None:
                    patron.fines_vnd += fine
                    session.add(patron)
                screen.append(f"Quá hạn, phạt {vnd(fine)} đ / Overdue, fine {vnd(fine)} VND")
            session.delete(loan)
        routing: list[tuple[str, str | None]] = []
        hold: Hold | None = next(iter(holds_on(session, item.pii)), None)
        if hold is not None:
            holder = session.get(Patron, hold.patron_id)
            local = hold.pickup_location in ("", policy.library_isil)
            hold.ready_since = hold.ready_since or ctx.now
            session.add(hold)
            item.status = "hold_shelf" if local else "in_transit"
            routing = [("CT", hold.pickup_location or policy.library_isil),
                       ("CV", "01" if local else "02"), ("CY", hold.patron_id),
                       ("DA", holder.name if holder else None)]
            screen.append("Chuyển lên giá giữ sách / To the hold shelf")
        elif item.owner_isil != policy.library_isil:
            item.status = "in_transit"
            routing = [("CT", item.owner_isil), ("CV", "04")]
            screen.append(f"Chuyển về {item.owner_isil} / Transit to {item.owner_isil}")
        else:
            item.status = "available"
        session.add(item)
        ctx.log(session, "checkin", True, pii=item.pii, patron_id=patron_id, when=returned,
                no_block=no_block, detail=dict(routing).get("CV") or "")
        return ctx.answer("10", {"ok": True, "resensitize": True, "magnetic_media": False,
                                 "alert": bool(routing)}, [
            ("AO", policy.institution_id), ("AB", item.pii), ("AQ", item.location),
            ("AJ", item.title), ("AA", patron_id or None), ("CK", "001"),
            ("CS", item.call_number or None), *routing,
            *[("AF", line) for line in screen]])


def _renew_one(ctx: Context, session: Session, patron: Patron, loan: Loan,
               no_block: bool) -> str | None:
    """Renew ``loan``; the refusal's text, or None when renewed."""
    if not no_block:
        if patron.blocked:
            return patron.blocked
        if loan.renewals_left <= 0:
            return "Đã hết lượt gia hạn / No renewals left"
        holds = holds_on(session, loan.pii)
        if holds and holds[0].patron_id != patron.id:
            return ON_HOLD_FOR_OTHER
    start = max(loan.due_at, ctx.transaction_date)
    loan.due_at = due_date(start, ctx.policy.loan_days)
    loan.renewals_left = max(0, loan.renewals_left - 1)
    session.add(loan)
    ctx.log(session, "renew", True, pii=loan.pii, patron_id=patron.id, no_block=no_block)
    return None


def renew(ctx: Context) -> Message:
    """29 → 30."""
    no_block = ctx.flag("no_block")
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        item = session.get(Item, ctx.get("AB"))
        loan = session.get(Loan, item.pii) if item else None
        if patron is None or item is None or loan is None or loan.patron_id != patron.id:
            why = (UNKNOWN_PATRON if patron is None else UNKNOWN_ITEM if item is None
                   else "Bạn không mượn tài liệu này / Not on loan to you")
            ctx.log(session, "renew", False, pii=ctx.get("AB"), patron_id=ctx.get("AA"),
                    no_block=no_block, detail=why)
            return _checkout_answer(ctx, False, ctx.get("AA"), item, None, why, code="30")
        if ctx.pin_ok(patron) is False:
            return _checkout_answer(ctx, False, patron.id, item, None, WRONG_PIN, code="30")
        refusal = _renew_one(ctx, session, patron, loan, no_block)
        if refusal is not None:
            ctx.log(session, "renew", False, pii=item.pii, patron_id=patron.id, detail=refusal)
            return _checkout_answer(ctx, False, patron.id, item, loan, refusal, code="30")
        return _checkout_answer(ctx, True, patron.id, item, loan,
                                "Gia hạn thành công / Renewed", code="30", renewal=True)


def renew_all(ctx: Context) -> Message:
    """65 → 66."""
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        renewed: list[str] = []
        unrenewed: list[str] = []
        if patron is not None and ctx.pin_ok(patron) is not False:
            for loan in loans_of(session, patron.id):
                refusal = _renew_one(ctx, session, patron, loan, False)
                (unrenewed if refusal else renewed).append(loan.pii)
        ok = patron is not None
        return ctx.answer("66", {"ok": ok, "renewed_count": len(renewed),
                                 "unrenewed_count": len(unrenewed)}, [
            ("AO", ctx.policy.institution_id), *[("BM", pii) for pii in renewed],
            *[("BN", pii) for pii in unrenewed],
            ("AF", UNKNOWN_PATRON if patron is None
             else f"Đã gia hạn {len(renewed)} / Renewed {len(renewed)}")])


def hold(ctx: Context) -> Message:
    """15 → 16: + places a hold on AB, - cancels it."""
    mode = str(ctx.request.fixed.get("hold_mode") or "+")
    with ctx.store.session() as session:
        patron = ctx.patron(session, ctx.get("AA"))
        item = session.get(Item, ctx.get("AB"))
        ok, available, position, note = False, False, None, UNKNOWN_ITEM
        if patron is None:
            note = UNKNOWN_PATRON
        elif item is not None:
            holds = holds_on(session, item.pii)
            mine = [h for h in holds if h.patron_id == patron.id]
            if mode == "-":
                for h in mine:
                    session.delete(h)
                ok, note = bool(mine), "Đã huỷ đặt giữ / Hold cancelled"
            elif mine:
                ok, position = True, holds.index(mine[0]) + 1
                note = "Bạn đã đặt giữ tài liệu này / Already on hold for you"
            elif patron.blocked:
                note = patron.blocked
            else:
                session.add(Hold(pii=item.pii, patron_id=patron.id, placed_at=ctx.now,
                                 pickup_location=ctx.get("BS") or ctx.policy.library_isil))
                ok, position = True, len(holds) + 1
                note = "Đặt giữ thành công / Hold placed"
            available = ok and mode != "-" and session.get(Loan, item.pii) is None \
                and position == 1
        ctx.log(session, "hold", ok, pii=ctx.get("AB"), patron_id=ctx.get("AA"), detail=mode)
        return ctx.answer("16", {"ok": ok, "available": available}, [
            ("BR", None if position is None else str(position)),
            ("BS", ctx.policy.library_isil if ok and mode != "-" else None),
            ("AO", ctx.policy.institution_id), ("AA", ctx.get("AA")),
            ("AB", ctx.get("AB") or None), ("AJ", item.title if item else None),
            ("AF", note)])
