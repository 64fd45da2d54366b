"""The whole display from the session's state: :func:`build_view`."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.state import State
from kiosk.texts import Texts
from kiosk.views import items, reader, staff
from kiosk.views.model import Action, FrameView, KioskView, Screen, ScreenView

BUILDERS: dict[Screen, Callable[[Texts, State], ScreenView]] = {
    Screen.WELCOME: reader.welcome_view,
    Screen.IDENTIFY: reader.identify_view,
    Screen.HOME: reader.home_view,
    Screen.BORROW: items.borrow_view,
    Screen.RETURN: items.return_view,
    Screen.RENEW: items.renew_view,
    Screen.ACCOUNT: reader.account_view,
    Screen.RECEIPT: reader.receipt_view,
    Screen.DONE: reader.done_view,
    Screen.ERROR: reader.error_view,
    Screen.STAFF_LOGIN: staff.staff_login_view,
    Screen.STAFF: staff.staff_view,
    Screen.STAFF_READER: staff.staff_reader_view,
    Screen.LOCKED: staff.locked_view,
}

STAFF_SCREENS = frozenset({Screen.STAFF_LOGIN, Screen.STAFF, Screen.STAFF_READER})
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def frame_view(t: Texts, state: State) -> FrameView:
    banner = None
    if not state.ils_online and state.offline is not None:
        if state.offline.accepting:
            banner = t._("The library system is offline. You can still borrow and return: "
                         "it gets your transactions as soon as it is back.")
        else:
            banner = t._("The library system is offline. Borrowing and returning are not "
                         "possible now.")
    other = "en" if state.language == "vi" else "vi"
    reader_screen = state.screen not in STAFF_SCREENS and state.screen is not Screen.LOCKED
    idle = None
    if state.idle_left_s is not None:
        idle = t.ngettext("Are you still there? This session ends in {n} second.",
                          "Are you still there? This session ends in {n} seconds.",
                          state.idle_left_s).format(n=state.idle_left_s)
    greeting = ""
    if state.staff:
        greeting = t._("Staff mode")
    elif state.patron is not None:
        greeting = state.patron.name or state.patron.id
    return FrameView(
        library=state.library, greeting=greeting, language=state.language,
        language_action=Action("lang:" + other, LANGUAGE_NAMES[other], "quiet")
        if reader_screen else None,
        banner=banner, busy=t._(state.busy) if state.busy else None,
        idle_warning=idle,
        idle_action=Action("continue", t._("I am still here")) if idle else None,
        notice=t._(state.notice) if state.notice else None,
        high_contrast=state.high_contrast, large_text=state.large_text,
        display_actions=(
            Action("contrast", t._("Contrast"), "quiet"),
            Action("textsize", t._("Larger text") if not state.large_text
                   else t._("Normal text"), "quiet")),
        staff_action=Action("staff", t._("Staff"), "quiet")
        if state.screen in (Screen.WELCOME, Screen.LOCKED) else None)


def build_view(state: State) -> KioskView:
    t = Texts(state.language)
    return KioskView(frame_view(t, state), BUILDERS[state.screen](t, state))
