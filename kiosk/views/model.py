"""The values a screen is drawn from. Every text is already in the session's
language; every button is an :class:`Action` whose ``id`` the flow
understands (``KioskFlow.act``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

Style = Literal["normal", "ok", "warn", "error", "muted", "strong"]
ActionStyle = Literal["primary", "secondary", "danger", "quiet"]


class Screen(enum.StrEnum):
    WELCOME = "welcome"
    IDENTIFY = "identify"
    HOME = "home"
    BORROW = "borrow"
    RETURN = "return"
    RENEW = "renew"
    ACCOUNT = "account"
    RECEIPT = "receipt"
    DONE = "done"
    ERROR = "error"
    STAFF_LOGIN = "staff_login"
    STAFF = "staff"
    STAFF_READER = "staff_reader"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    style: Style = "normal"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a list: a book on the pad, a result, a loan, a status."""

    key: str
    title: str
    detail: str = ""
    status: str = ""
    style: Style = "normal"
    #: Touching the row toggles it (``toggle:KEY``); ``selected`` shows a tick.
    selectable: bool = False
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    label: str
    style: ActionStyle = "primary"
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Entry:
    """A field typed on the on-screen keyboard (``key:C``, ``backspace``,
    ``submit``)."""

    kind: Literal["card", "pin", "staff_pin"]
    label: str
    shown: str
    layout: Literal["alnum", "digits"]
    can_submit: bool
    delete_label: str = "Delete"
    submit_label: str = "OK"


@dataclass(frozen=True, slots=True)
class ScreenView:
    screen: Screen
    title: str
    lines: tuple[Line, ...] = ()
    rows_title: str = ""
    rows: tuple[Row, ...] = ()
    #: Shown where the list would be when it is empty.
    empty: str = ""
    actions: tuple[Action, ...] = ()
    entry: Entry | None = None
    #: The code staff look up, on error screens and refusals.
    code: str | None = None
    #: A count stepper (``count:-`` / ``count:+``) when the reader says how
    #: many pieces they put down.
    count: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class FrameView:
    """Around every screen: the header, the offline banner, progress, the
    idle warning, and the display choices."""

    library: str
    greeting: str
    language: str
    #: The other language, as a button (``lang:XX``), on reader screens.
    language_action: Action | None
    banner: str | None
    busy: str | None
    idle_warning: str | None
    idle_action: Action | None
    notice: str | None
    high_contrast: bool
    large_text: bool
    display_actions: tuple[Action, ...]
    #: The discreet corner button to staff mode (``staff``).
    staff_action: Action | None


@dataclass(frozen=True, slots=True)
class KioskView:
    frame: FrameView
    screen: ScreenView
