"""View models from the circulation service's values, in both languages:
what a reader reads for routing, refusals, progress, offline, idle, and
that every screen is translated."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from edge.circulation import (
    CheckinRouting,
    ItemResult,
    OfflineStatus,
    Patron,
    Reason,
    Stack,
    StackItem,
    StackProblem,
    StackTag,
    TransactionResult,
)
from kiosk.state import Component, ErrorInfo, KioskProblem, State
from kiosk.views.build import BUILDERS, build_view
from kiosk.views.model import Screen

PATRON = Patron("P0001", "Nguyễn Thị Minh Anh", language="vi", email="a@example.vn")
DUE = datetime(2026, 12, 5, 23, 59)


def returned(routing: CheckinRouting) -> State:
    result = TransactionResult("checkin", (ItemResult("30000006", "done", "Đất rừng phương Nam",
                                                      routing=routing),))
    return State(screen=Screen.RETURN, phase="result", result=result, results=(result,))


@pytest.mark.parametrize(("routing", "vi", "en"), [
    (CheckinRouting("shelf"), "Để lên giá sách trả.", "Put it on the returns shelf."),
    (CheckinRouting("hold", hold_patron_id="P0002", hold_patron_name="Trần Văn Đức"),
     "Để lên giá giữ sách: có bạn đọc khác đang chờ cuốn này.",
     "Put it on the hold shelf: another reader is waiting for it."),
    (CheckinRouting("transit", destination="VN-TVQG"), "Để vào hộp chuyển về VN-TVQG.",
     "Put it in the transit box for VN-TVQG."),
    (CheckinRouting("alert"), "Vui lòng mang tài liệu đến quầy thủ thư.",
     "Please take it to the desk."),
    (CheckinRouting("shelf", known=False), "Để sách vào hộp trả sách: thư viện sẽ phân loại sau.",
     "Leave it in the returns box: the library will sort it."),
])
def test_a_return_says_where_the_book_goes(routing: CheckinRouting, vi: str, en: str) -> None:
    state = returned(routing)
    assert build_view(state).screen.rows[0].detail == vi
    assert build_view(replace(state, language="en")).screen.rows[0].detail == en


def test_a_hold_for_someone_else_never_shows_their_name() -> None:
    view = build_view(returned(CheckinRouting("hold", hold_patron_name="Trần Văn Đức")))
    assert "Trần Văn Đức" not in str(view)


def test_the_stack_shows_reading_incomplete_sets_and_unreadable_labels() -> None:
    stack = Stack(
        tags=(StackTag("E004015000000071", pii="30000007", parts_in_item=2, part_number=1),
              StackTag("E004015000000001", pii="30000001"), StackTag("E004015000000099"),
              StackTag("E004015000000098", problem=Reason.TAG_BLANK)),
        items=(StackItem("30000007", ("E004015000000071",), "Việt Nam sử lược", parts_in_item=2,
                         parts_present=(1,), missing_parts=(2,)),
               StackItem("30000001", ("E004015000000001",), None)),
        problems=(StackProblem(Reason.SET_INCOMPLETE, pii="30000007", missing_parts=(2,)),
                  StackProblem(Reason.TAG_BLANK, uid="E004015000000098")))
    state = State(screen=Screen.BORROW, language="en", patron=PATRON, stack=stack)
    view = build_view(state).screen
    lines = [line.text for line in view.lines]
    assert "Reading 1 label…" in lines
    assert "An item has an empty label. Please take it to the desk. (S04)" in lines
    assert any("(S01)" in line for line in lines)
    rows = {row.key: row for row in view.rows}
    assert rows["30000007"].status == "Part 2 of 2 is missing"
    assert rows["30000007"].detail == "30000007 · 1 of 2 parts"
    assert rows["30000001"].title == "Item 30000001"  # its title is on its way
    checkout = next(a for a in view.actions if a.id == "checkout")
    assert checkout.label == "Borrow 1 item" and not checkout.enabled  # still reading
    state = replace(state, stack=replace(stack, tags=stack.tags[:2]),
                    progress=(("30000001", "tag"),))
    assert {r.key: r.status for r in build_view(state).screen.rows}["30000001"] == \
        "Updating the label…"


def test_refusals_carry_their_code_and_the_reason() -> None:
    result = TransactionResult("checkout", patron_id="P0001", reason=Reason.COUNT_MISMATCH)
    state = State(screen=Screen.BORROW, phase="result", result=result, patron=PATRON)
    view = build_view(state).screen
    assert view.code == "S02"
    assert view.lines[0].text.endswith("(S02)") and view.lines[0].style == "error"
    item = ItemResult("30000006", "refused", "Đất rừng phương Nam", Reason.ITEM_ON_HOLD)
    state = replace(state, result=TransactionResult("checkout", (item,), "P0001"))
    row = build_view(state).screen.rows[0]
    assert (row.status, row.style) == ("Chưa thực hiện (I02)", "error")
    assert row.detail == "Tài liệu này đang được giữ cho bạn đọc khác."


def test_the_offline_banner_says_what_still_works() -> None:
    since = datetime(2026, 11, 21, 9, 0)
    state = State(offline=OfflineStatus(False, since, 2, 0, 0, True))
    assert "still borrow and return" in (build_view(replace(state, language="en")).frame.banner
                                          or "")
    closed = replace(state, offline=OfflineStatus(False, since, 2, 0, 0, False))
    assert "not possible now" in (build_view(replace(closed, language="en")).frame.banner or "")
    assert build_view(State()).frame.banner is None


def test_the_idle_warning_counts_down_in_both_languages() -> None:
    state = State(screen=Screen.ACCOUNT, patron=PATRON, idle_left_s=1, language="en")
    frame = build_view(state).frame
    assert frame.idle_warning == "Are you still there? This session ends in 1 second."
    assert frame.idle_action is not None and frame.idle_action.id == "continue"
    frame = build_view(replace(state, idle_left_s=12, language="vi")).frame
    assert frame.idle_warning == "Bạn vẫn đang ở đây chứ? Phiên sẽ kết thúc sau 12 giây."


def test_goodbye_sums_up_the_session() -> None:
    later = datetime(2026, 12, 19, 23, 59)
    results = (TransactionResult("checkout", (ItemResult("1", "done", due=later),
                                              ItemResult("2", "done", due=DUE),
                                              ItemResult("3", "refused",
                                                         reason=Reason.LOAN_LIMIT))),
               TransactionResult("checkin", (ItemResult("4", "done",
                                                        routing=CheckinRouting("shelf")),)))
    view = build_view(State(screen=Screen.DONE, language="en", results=results,
                            receipt_taken="print")).screen
    assert [line.text for line in view.lines] == [
        "You borrowed 2 items.", "You returned 1 item.", "Next return date: 5 Dec 2026",
        "Please take your receipt.", "Goodbye, and enjoy your reading!"]


def every_state() -> list[State]:
    base = State(patron=PATRON, components=(Component("reader", "connected"),),
                 error=ErrorInfo(KioskProblem.TIMEOUT))
    return [replace(base, screen=screen) for screen in BUILDERS]


@pytest.mark.parametrize("state", every_state(), ids=lambda s: s.screen.value)
def test_every_screen_is_translated_and_its_buttons_are_distinct(state: State) -> None:
    vi = build_view(state)
    en = build_view(replace(state, language="en"))
    ids = [action.id for action in vi.screen.actions]
    assert len(ids) == len(set(ids))
    assert ids == [action.id for action in en.screen.actions]
    assert vi.screen.title and en.screen.title and vi.screen.title != en.screen.title
    vi_labels = [action.label for action in vi.screen.actions]
    en_labels = [action.label for action in en.screen.actions]
    assert all(a != b for a, b in zip(vi_labels, en_labels, strict=True) if a not in (
        "Tiếng Việt", "English", "OK"))
