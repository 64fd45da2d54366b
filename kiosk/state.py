"""The session's state as one immutable value: what :mod:`kiosk.views`
builds the screens from. The flow (:mod:`kiosk.flow`) owns and replaces it;
nothing here calls the circulation service."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from edge.circulation import (
    OfflineStatus,
    Patron,
    PatronSummary,
    Reason,
    Stack,
    TransactionResult,
)
from edge.circulation.model import Step
from edge.store.control import FlushReport
from kiosk.views.model import Screen

Phase = Literal["ready", "working", "result"]


class KioskProblem(enum.StrEnum):
    """Problems of the kiosk itself (not refusals by circulation), with
    their own codes for staff."""

    TIMEOUT = "timeout"
    FAILED = "failed"
    STAFF_PIN_WRONG = "staff_pin_wrong"
    STAFF_LOCKED_OUT = "staff_locked_out"

    @property
    def code(self) -> str:
        return {"timeout": "K01", "failed": "K02", "staff_pin_wrong": "K03",
                "staff_locked_out": "K04"}[self.value]


Problem = Reason | KioskProblem


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    problem: Problem
    detail: str | None = None
    #: Where "OK" goes.
    back: Screen = Screen.WELCOME


@dataclass(frozen=True, slots=True)
class EntryState:
    kind: Literal["card", "pin", "staff_pin"]
    value: str = ""


@dataclass(frozen=True, slots=True)
class Component:
    """A line of the staff status table."""

    name: str
    status: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedError:
    """A problem for the staff screen: a kiosk problem or refusal (shown in
    the staff's language), or a device's own words (``text``)."""

    when: datetime
    code: str
    text: str
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class State:
    screen: Screen = Screen.WELCOME
    language: str = "vi"
    library: str = ""
    patron: Patron | None = None
    #: Borrow, return, renew: before, during and after the request.
    phase: Phase = "ready"
    stack: Stack = field(default_factory=Stack)
    progress: tuple[tuple[str, Step], ...] = ()
    #: The transaction shown on the current screen (its result phase).
    result: TransactionResult | None = None
    #: Every transaction of the session (for the receipt and goodbye).
    results: tuple[TransactionResult, ...] = ()
    summary: PatronSummary | None = None
    summary_problem: Reason | None = None
    selected: frozenset[str] = frozenset()
    stated_count: int = 0
    ask_item_count: bool = False
    entry: EntryState | None = None
    error: ErrorInfo | None = None
    busy: str | None = None
    idle_left_s: int | None = None
    notice: str | None = None
    receipt_print: bool = False
    receipt_email: bool = False
    receipt_taken: str | None = None
    offline: OfflineStatus | None = None
    reader_state: str = "connecting"
    locked: bool = False
    lock_reason: str | None = None
    staff: bool = False
    components: tuple[Component, ...] = ()
    errors: tuple[LoggedError, ...] = ()
    flush_report: FlushReport | None = None
    volume: float = 0.7
    high_contrast: bool = False
    large_text: bool = False

    @property
    def ils_online(self) -> bool:
        return self.offline is None or self.offline.ils_online

    def step(self, pii: str) -> Step | None:
        for key, step in self.progress:
            if key == pii:
                return step
        return None
