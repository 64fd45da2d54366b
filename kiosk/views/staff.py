"""Staff screens: the PIN, device status, reader test, and the
out-of-service screen the centre's lock shows."""

from __future__ import annotations

from edge.i18n import N_
from kiosk.state import State
from kiosk.texts import Texts
from kiosk.views.items import WAITING
from kiosk.views.model import Action, Entry, Line, Row, Screen, ScreenView, Style
from kiosk.views.reader import problem_text

COMPONENT_NAMES = {
    "reader": N_("Item reader"),
    "ils": N_("Library system (SIP2)"),
    "broker": N_("Broker (MQTT, from the agent)"),
    "queue": N_("Offline queue"),
}

STATUS_NAMES = {
    "ok": N_("working"), "connected": N_("connected"), "online": N_("online"),
    "offline": N_("offline"), "degraded": N_("degraded"), "down": N_("not working"),
    "disconnected": N_("disconnected"), "connecting": N_("connecting"),
    "closed": N_("closed"), "absent": N_("not configured"), "unknown": N_("no report"),
    "empty": N_("empty"), "waiting": N_("waiting"),
}

STYLES: dict[str, Style] = {
    "ok": "ok", "connected": "ok", "online": "ok", "empty": "ok",
    "degraded": "warn", "waiting": "warn", "connecting": "warn", "unknown": "muted",
    "absent": "muted",
}


def staff_login_view(t: Texts, state: State) -> ScreenView:
    value = state.entry.value if state.entry is not None else ""
    return ScreenView(
        Screen.STAFF_LOGIN, t._("Staff"),
        (Line(t._("Enter the staff PIN, or put a staff card on the reader.")),),
        actions=(Action("cancel", t._("Back"), "secondary"),),
        entry=Entry("staff_pin", t._("Staff PIN"), "•" * len(value), "digits",
                    len(value) >= 4, t._("Delete"), t._("OK")))


def staff_view(t: Texts, state: State) -> ScreenView:
    rows = []
    for component in state.components:
        name = COMPONENT_NAMES.get(component.name, component.name)
        status = STATUS_NAMES.get(component.status, component.status)
        detail = component.detail or ""
        offline = state.offline
        if component.name == "queue" and offline is not None:
            detail = t._("{queued} waiting · {conflicts} conflicts · {unfinished} unfinished"
                         ).format(queued=offline.queued, conflicts=offline.conflicts,
                                  unfinished=offline.unfinished)
        elif component.name == "ils" and offline is not None and offline.offline_since:
            detail = t._("offline since {time} {date}").format(
                time=t.time(offline.offline_since), date=t.date(offline.offline_since))
        rows.append(Row("component:" + component.name, t._(name), detail,
                        t._(status), STYLES.get(component.status, "error")))
    for error in state.errors:
        words = problem_text(t, error.problem) if error.problem is not None else error.text
        detail = " · ".join(x for x in (t.time(error.when) + " " + t.date(error.when),
                                        error.text if error.problem is not None else "") if x)
        rows.append(Row(f"error:{error.when.isoformat()}:{error.code}",
                        f"{error.code} {words}", detail, t._("error"), "muted"))
    lines = []
    report = state.flush_report
    if report is not None:
        lines.append(Line(t._("Offline queue sent: {replayed} replayed, {conflicts} conflicts, "
                              "{remaining} still waiting.").format(
            replayed=report.replayed, conflicts=report.conflicts, remaining=report.remaining),
            "warn" if report.conflicts or report.remaining else "ok"))
    lines.append(Line(t._("Language for new sessions: {language}. Volume: {volume} %.").format(
        language="Tiếng Việt" if state.language == "vi" else "English",
        volume=round(state.volume * 100))))
    if state.locked:
        lines.append(Line(t._("The kiosk is locked by the centre: readers see the "
                              "out-of-service screen."), "warn"))
    actions = (
        Action("staff:reader", t._("Reader test"), "secondary"),
        Action("staff:flush", t._("Send offline queue now"), "secondary",
               state.phase != "working"),
        Action("staff:lang:vi", "Tiếng Việt", "secondary", state.language != "vi"),
        Action("staff:lang:en", "English", "secondary", state.language != "en"),
        Action("staff:volume:-", t._("Volume −"), "secondary", state.volume > 0),
        Action("staff:volume:+", t._("Volume +"), "secondary", state.volume < 1),
        Action("staff:quit", t._("Close the kiosk program"), "danger"),
        Action("staff:close", t._("Leave staff mode"), "primary"),
    )
    return ScreenView(Screen.STAFF, t._("Staff mode"), tuple(lines), t._("Device status"),
                      tuple(rows), actions=actions)


def staff_reader_view(t: Texts, state: State) -> ScreenView:
    status = STATUS_NAMES.get(state.reader_state, state.reader_state)
    lines = [Line(t._("Item reader: {state}").format(state=t._(status)),
                  STYLES.get(state.reader_state, "error")),
             Line(t._("Put items on the pad: each label should appear below."))]
    rows = []
    titles = {item.pii: item.title for item in state.stack.items if item.title}
    for tag in state.stack.tags:
        if tag.problem is not None:
            status_text, style = f"{t.reason(tag.problem)} ({tag.problem.code})", "warn"
        elif not tag.read:
            status_text, style = t._(WAITING), "muted"
        else:
            status_text, style = t._("Read"), "ok"
        parts = (f" · {tag.part_number}/{tag.parts_in_item}"
                 if tag.parts_in_item and tag.parts_in_item > 1 else "")
        title = tag.title or (titles.get(tag.pii) if tag.pii else None)
        rows.append(Row(tag.uid, title or tag.pii or tag.uid,
                        f"UID {tag.uid} · PII {tag.pii or '-'}{parts}", status_text,
                        style))  # type: ignore[arg-type]
    return ScreenView(Screen.STAFF_READER, t._("Reader test"), tuple(lines),
                      t._("Labels on the pad"), tuple(rows), t._("No label on the pad."),
                      (Action("staff:back", t._("Back"), "secondary"),))


def locked_view(t: Texts, state: State) -> ScreenView:
    lines = [Line(t._("This machine is out of service. Please use another one or ask at "
                      "the desk."), "strong")]
    if state.lock_reason:
        lines.append(Line(state.lock_reason, "muted"))
    return ScreenView(Screen.LOCKED, t._("Out of service"), tuple(lines))
