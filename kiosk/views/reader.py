"""The reader's screens around the transactions: welcome, identify, the
menu, the account, the receipt, goodbye and error screens."""

from __future__ import annotations

from edge.circulation import Reason
from edge.i18n import N_
from kiosk.state import KioskProblem, Problem, State
from kiosk.texts import Texts
from kiosk.views.model import Action, Entry, Line, Row, Screen, ScreenView

PROBLEM_TEXT = {
    KioskProblem.TIMEOUT: N_("The library system is taking too long to answer. What was "
                             "started will be finished: check your account later or ask at "
                             "the desk."),
    KioskProblem.FAILED: N_("Something went wrong on this machine. Please ask at the desk."),
    KioskProblem.STAFF_PIN_WRONG: N_("The staff PIN is not right."),
    KioskProblem.STAFF_LOCKED_OUT: N_("Too many wrong PINs. Please wait a minute."),
}


def problem_text(t: Texts, problem: Problem) -> str:
    if isinstance(problem, Reason):
        return t.reason(problem)
    return t._(PROBLEM_TEXT[problem])


def welcome_view(t: Texts, state: State) -> ScreenView:
    return ScreenView(
        Screen.WELCOME, t._("Welcome to the library"),
        (Line(t._("Borrow, return and renew books here, and see your account.")),
         Line(t._("Put your library card on the reader, or show its barcode to the camera, "
                  "to begin."), "strong")),
        actions=(Action("start", t._("Borrow, renew, my account")),
                 Action("return", t._("Return books"), "secondary")))


def identify_view(t: Texts, state: State) -> ScreenView:
    entry = state.entry
    if entry is not None and entry.kind == "pin":
        shown = "•" * len(entry.value)
        field = Entry("pin", t._("PIN"), shown, "digits", len(entry.value) >= 4,
                      t._("Delete"), t._("OK"))
        lines = (Line(t.reason(Reason.PIN_REQUIRED), "strong"),)
    else:
        value = entry.value if entry is not None else ""
        field = Entry("card", t._("Card number"), value, "alnum", len(value) >= 3,
                      t._("Delete"), t._("OK"))
        lines = (Line(t._("Put your library card on the reader, show its barcode or QR code "
                          "to the camera, or type your card number.")),)
    return ScreenView(Screen.IDENTIFY, t._("Your library card"), lines,
                      actions=(Action("cancel", t._("Back"), "secondary"),), entry=field)


def home_view(t: Texts, state: State) -> ScreenView:
    patron = state.patron
    name = (patron.name if patron else None) or t._("reader")
    lines: list[Line] = []
    blocked = bool(patron and patron.blocked)
    if patron is not None and blocked:
        lines.append(Line(f"{t.reason(Reason.PATRON_BLOCKED)} ({Reason.PATRON_BLOCKED.code})",
                          "warn"))
        if patron.block_reason:
            lines.append(Line(patron.block_reason, "muted"))
    if patron is not None and Texts.has_money(patron.fines):
        lines.append(Line(t._("Fines to pay: {amount}").format(
            amount=t.money(patron.fines, patron.currency)), "warn"))
    if patron is not None and patron.offline:
        lines.append(Line(t._("The library system is offline: you were recognised by this "
                              "machine."), "muted"))
    lines.append(Line(t._("What would you like to do?")))
    actions = (Action("borrow", t._("Borrow"), "primary", not blocked),
               Action("return", t._("Return")),
               Action("renew", t._("Renew")),
               Action("account", t._("My account")),
               Action("finish", t._("Finish"), "secondary"))
    return ScreenView(Screen.HOME, t._("Hello, {name}").format(name=name), tuple(lines),
                      actions=actions)


def account_view(t: Texts, state: State) -> ScreenView:
    lines: list[Line] = []
    rows: list[Row] = []
    summary = state.summary
    if state.summary_problem is not None:
        lines.append(Line(f"{t.reason(state.summary_problem)} ({state.summary_problem.code})",
                          "error"))
    if summary is not None:
        lines.append(Line(t.ngettext("You have {n} loan.", "You have {n} loans.",
                                     len(summary.loans)).format(n=len(summary.loans))))
        if summary.overdue_count:
            lines.append(Line(t.ngettext("{n} is overdue: please return or renew it.",
                                         "{n} are overdue: please return or renew them.",
                                         summary.overdue_count).format(
                n=summary.overdue_count), "error"))
        ready = sum(1 for hold in summary.holds if hold.ready)
        if ready:
            lines.append(Line(t.ngettext("{n} reserved item is waiting for you at the hold "
                                         "shelf.", "{n} reserved items are waiting for you at "
                                         "the hold shelf.", ready).format(n=ready), "ok"))
        if Texts.has_money(summary.fines):
            lines.append(Line(t._("Fines to pay: {amount}").format(
                amount=t.money(summary.fines, summary.currency)), "warn"))
        if summary.blocked:
            lines.append(Line(t.reason(Reason.PATRON_BLOCKED), "warn"))
        if summary.offline:
            lines.append(Line(t._("The library system is offline: only loans made on this "
                                  "machine are shown."), "muted"))
        for loan in summary.loans:
            due = t._("Due {date}").format(date=t.date(loan.due)) if loan.due else ""
            rows.append(Row(loan.pii, loan.title or loan.pii, due,
                            t._("Overdue") if loan.overdue else t._("On loan"),
                            "error" if loan.overdue else "normal"))
        for hold in summary.holds:
            rows.append(Row("hold:" + hold.pii, hold.title or hold.pii, t._("Reserved"),
                            t._("Ready to collect") if hold.ready else t._("Waiting"),
                            "ok" if hold.ready else "muted"))
    actions = (Action("home", t._("Back"), "secondary"),
               Action("renew", t._("Renew"), "primary", bool(summary and summary.loans)))
    return ScreenView(Screen.ACCOUNT, t._("My account"), tuple(lines),
                      t._("Loans and reservations"), tuple(rows), t._("Nothing on loan."),
                      actions)


def receipt_view(t: Texts, state: State) -> ScreenView:
    actions = []
    if state.receipt_print:
        actions.append(Action("receipt:print", t._("Print")))
    if state.receipt_email and state.patron is not None and state.patron.email:
        actions.append(Action("receipt:email", t._("E-mail")))
    actions.append(Action("receipt:none", t._("No receipt"), "secondary"))
    return ScreenView(Screen.RECEIPT, t._("Receipt"),
                      (Line(t._("Would you like a receipt?")),), actions=tuple(actions))


def done_view(t: Texts, state: State) -> ScreenView:
    lines: list[Line] = []
    counts = {"checkout": 0, "checkin": 0, "renew": 0}
    due = []
    offline = False
    for result in state.results:
        counts[result.operation] += len(result.done)
        due += [item.due for item in result.done if item.due is not None
                and result.operation != "checkin"]
        offline = offline or (result.offline and bool(result.done))
    if counts["checkout"]:
        lines.append(Line(t.ngettext("You borrowed {n} item.", "You borrowed {n} items.",
                                     counts["checkout"]).format(n=counts["checkout"]), "ok"))
    if counts["renew"]:
        lines.append(Line(t.ngettext("You renewed {n} loan.", "You renewed {n} loans.",
                                     counts["renew"]).format(n=counts["renew"]), "ok"))
    if counts["checkin"]:
        lines.append(Line(t.ngettext("You returned {n} item.", "You returned {n} items.",
                                     counts["checkin"]).format(n=counts["checkin"]), "ok"))
    if due:
        lines.append(Line(t._("Next return date: {date}").format(date=t.date(min(due))),
                          "strong"))
    if offline:
        lines.append(Line(t._("Recorded offline: the library system gets them as soon as it "
                              "is back."), "muted"))
    if state.receipt_taken == "print":
        lines.append(Line(t._("Please take your receipt.")))
    elif state.receipt_taken == "email":
        lines.append(Line(t._("Your receipt has been sent by e-mail.")))
    lines.append(Line(t._("Goodbye, and enjoy your reading!")))
    return ScreenView(Screen.DONE, t._("Thank you"), tuple(lines),
                      actions=(Action("done", t._("Finish"), "secondary"),))


def error_view(t: Texts, state: State) -> ScreenView:
    error = state.error
    if error is None:
        return ScreenView(Screen.ERROR, t._("Sorry"), actions=(Action("ok", t._("OK")),))
    lines = [Line(problem_text(t, error.problem), "strong")]
    if error.detail:
        lines.append(Line(error.detail, "muted"))
    lines.append(Line(t._("If you need help, show this code at the desk: {code}").format(
        code=error.problem.code), "muted"))
    return ScreenView(Screen.ERROR, t._("Sorry, that did not work"), tuple(lines),
                      actions=(Action("ok", t._("OK")),), code=error.problem.code)
