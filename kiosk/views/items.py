"""Borrow, return and renew: the stack on the pad as it is read, each
item's progress, and the results with due dates, routing and reasons."""

from __future__ import annotations

from collections.abc import Callable

from edge.circulation import CheckinRouting, ItemResult, Reason, Stack, StackItem
from edge.i18n import N_
from kiosk.state import State
from kiosk.texts import Texts
from kiosk.views.model import Action, Line, Row, Screen, ScreenView, Style

WAITING = N_("Waiting…")
STEP_TEXT = {
    "started": WAITING,
    "ils": N_("Asking the library…"),
    "tag": N_("Updating the label…"),
}


def parts_text(t: Texts, item: StackItem) -> str:
    if item.parts_in_item <= 1:
        return ""
    return t._("{present} of {total} parts").format(present=len(item.parts_present),
                                                    total=item.parts_in_item)


def missing_text(t: Texts, missing: tuple[int, ...], total: int) -> str:
    parts = ", ".join(str(n) for n in missing)
    return t.ngettext("Part {parts} of {total} is missing", "Parts {parts} of {total} are missing",
                      len(missing)).format(parts=parts, total=total)


def stack_rows(t: Texts, state: State) -> tuple[Row, ...]:
    rows = []
    for item in state.stack.items:
        title = item.title or t._("Item {pii}").format(pii=item.pii)
        detail = " · ".join(x for x in (item.pii, parts_text(t, item)) if x)
        step = state.step(item.pii)
        style: Style = "normal"
        if item.missing_parts:
            status = missing_text(t, item.missing_parts, item.parts_in_item)
            style = "warn"
        elif step in STEP_TEXT:
            status = t._(STEP_TEXT[step])
            style = "muted"
        else:
            status = t._("Ready")
            style = "ok"
        rows.append(Row(item.pii, title, detail, status, style))
    return tuple(rows)


def stack_lines(t: Texts, stack: Stack) -> tuple[Line, ...]:
    lines = []
    if stack.reading:
        lines.append(Line(t.ngettext("Reading {n} label…", "Reading {n} labels…",
                                     stack.reading).format(n=stack.reading), "muted"))
    for problem in stack.problems:
        if problem.reason is Reason.SET_INCOMPLETE:
            continue  # shown on the item's row, explained once below
        lines.append(Line(f"{t.reason(problem.reason)} ({problem.reason.code})", "warn"))
    if any(item.missing_parts for item in stack.items):
        lines.append(Line(f"{t.reason(Reason.SET_INCOMPLETE)} "
                          f"({Reason.SET_INCOMPLETE.code})", "warn"))
    return tuple(lines)


def routing_text(t: Texts, routing: CheckinRouting | None) -> str:
    if routing is None:
        return ""
    if not routing.known:
        return t._("Leave it in the returns box: the library will sort it.")
    if routing.action == "hold":
        return t._("Put it on the hold shelf: another reader is waiting for it.")
    if routing.action == "transit":
        return t._("Put it in the transit box for {library}.").format(
            library=routing.destination or t._("another library"))
    if routing.action == "alert":
        return t._("Please take it to the desk.")
    return t._("Put it on the returns shelf.")


def result_status(t: Texts, operation: str, item: ItemResult) -> tuple[str, Style]:
    if item.status == "done":
        done = {"checkout": N_("Borrowed"), "checkin": N_("Returned"),
                "renew": N_("Renewed")}[operation]
        return t._(done), "ok"
    if item.status == "queued":
        return t._("Recorded offline"), "ok"
    code = f" ({item.reason.code})" if item.reason else ""
    if item.status == "alert":
        return t._("Staff alerted") + code, "error"
    return t._("Not done") + code, "error"


def result_rows(t: Texts, state: State) -> tuple[Row, ...]:
    result = state.result
    if result is None:
        return ()
    rows = []
    for item in result.items:
        status, style = result_status(t, result.operation, item)
        if item.ok and result.operation == "checkin":
            detail = routing_text(t, item.routing)
        elif item.ok and item.due is not None:
            detail = t._("Due {date}").format(date=t.date(item.due))
        elif item.reason is not None:
            detail = t.reason(item.reason)
            if item.reason is Reason.SET_INCOMPLETE and item.missing_parts:
                parts = ", ".join(str(n) for n in item.missing_parts)
                detail += " " + t.ngettext("Missing part: {parts}.", "Missing parts: {parts}.",
                                           len(item.missing_parts)).format(parts=parts)
        else:
            detail = ""
        if item.status == "alert" and result.operation == "checkin":
            detail = routing_text(t, item.routing) or t._("Please take it to the desk.")
        rows.append(Row(item.pii, item.title or t._("Item {pii}").format(pii=item.pii),
                        detail, status, style))
    return tuple(rows)


def result_lines(t: Texts, state: State) -> tuple[Line, ...]:
    result = state.result
    if result is None:
        return ()
    lines = []
    if result.reason is not None:
        lines.append(Line(f"{t.reason(result.reason)} ({result.reason.code})", "error"))
    done = len(result.done)
    if done:
        text = {"checkout": N_("{n} of {total} borrowed."),
                "checkin": N_("{n} of {total} returned."),
                "renew": N_("{n} of {total} renewed.")}[result.operation]
        lines.append(Line(t._(text).format(n=done, total=len(result.items)), "ok"))
    if result.offline and done:
        lines.append(Line(t._("The library system is offline: these are recorded on this "
                              "machine and sent to it as soon as it is back."), "muted"))
    if result.operation == "checkout" and done:
        lines.append(Line(t._("You may take the books now."), "strong"))
    return tuple(lines)


def _count(t: Texts, state: State) -> tuple[str, int] | None:
    if not state.ask_item_count or state.phase != "ready":
        return None
    return t._("How many pieces did you put on the pad?"), state.stated_count


def _after_result(t: Texts, again: str, again_label: str) -> tuple[Action, ...]:
    return (Action(again, again_label, "secondary"),
            Action("home", t._("Menu"), "secondary"),
            Action("finish", t._("Finish"), "primary"))


def borrow_view(t: Texts, state: State) -> ScreenView:
    return _pad_view(t, state, Screen.BORROW, t._("Borrow"), "checkout",
                     lambda n: t.ngettext("Borrow {n} item", "Borrow {n} items", n),
                     t._("Put the books you want to borrow on the pad. Spread them out a "
                         "little."))


def return_view(t: Texts, state: State) -> ScreenView:
    return _pad_view(t, state, Screen.RETURN, t._("Return"), "checkin",
                     lambda n: t.ngettext("Return {n} item", "Return {n} items", n),
                     t._("Put the books you are returning on the pad."))


def _pad_view(t: Texts, state: State, screen: Screen, title: str, verb: str,
              label: Callable[[int], str], hint: str) -> ScreenView:
    if state.phase == "result":
        again = "borrow" if screen is Screen.BORROW else "return"
        more = t._("Borrow more") if screen is Screen.BORROW else t._("Return more")
        return ScreenView(screen, title, result_lines(t, state), t._("Result"),
                          result_rows(t, state), actions=_after_result(t, again, more),
                          code=state.result.reason.code if state.result and
                          state.result.reason else None)
    stack = state.stack
    n = sum(1 for item in stack.items if item.complete)
    working = state.phase == "working"
    can = n > 0 and stack.reading == 0 and not working and (
        not state.ask_item_count or state.stated_count > 0)
    lines = (Line(hint),) + stack_lines(t, stack)
    if working:
        lines += (Line(t._("Please leave the books on the pad until they are done."),
                       "strong"),)
    back = "home" if state.patron is not None else "cancel"
    actions = (Action(back, t._("Back"), "secondary", not working),
               Action(verb, label(n).format(n=n), "primary", can))
    return ScreenView(screen, title, lines, t._("On the pad"), stack_rows(t, state),
                      t._("Nothing on the pad yet."), actions, count=_count(t, state))


def renew_view(t: Texts, state: State) -> ScreenView:
    title = t._("Renew")
    if state.phase == "result":
        return ScreenView(Screen.RENEW, title, result_lines(t, state), t._("Result"),
                          result_rows(t, state),
                          actions=_after_result(t, "renew", t._("Renew more")))
    summary = state.summary
    working = state.phase == "working"
    rows = []
    if summary is not None:
        for loan in summary.loans:
            due = t._("Due {date}").format(date=t.date(loan.due)) if loan.due else ""
            status = t._("Overdue") if loan.overdue else ""
            step = state.step(loan.pii)
            if step in STEP_TEXT:
                status = t._(STEP_TEXT[step])
            rows.append(Row(loan.pii, loan.title or loan.pii, due, status,
                            "error" if loan.overdue else "normal", selectable=not working,
                            selected=loan.pii in state.selected))
    lines: tuple[Line, ...] = (Line(t._("Touch the loans you want to renew.")),)
    if state.summary_problem is not None:
        lines += (Line(f"{t.reason(state.summary_problem)} "
                       f"({state.summary_problem.code})", "error"),)
    elif summary is not None and summary.offline:
        lines += (Line(t.reason(Reason.OFFLINE_NOT_ALLOWED), "warn"),)
    n = len(state.selected)
    actions = (Action("home", t._("Back"), "secondary", not working),
               Action("renew_all", t._("Renew all"), "secondary", bool(rows) and not working),
               Action("renew_selected", t.ngettext("Renew {n} loan", "Renew {n} loans",
                                                   n).format(n=n), "primary",
                      n > 0 and not working))
    return ScreenView(Screen.RENEW, title, lines, t._("Your loans"), tuple(rows),
                      t._("You have no loans."), actions)
