"""The session flow without a window: the screens a reader goes through,
built from the real circulation service (demo ILS, simulated pad)."""

from __future__ import annotations

from edge.circulation import CardUid
from kiosk.flow import KioskFlow
from kiosk.views.model import Screen
from tests.kiosk.conftest import CARD_P0001
from tests.peers.circulation import Rig, wait_for


def texts(flow: KioskFlow) -> str:
    view = flow.view.screen
    return "\n".join([view.title, *(line.text for line in view.lines),
                      *(f"{row.title} | {row.detail} | {row.status}" for row in view.rows),
                      *(a.label for a in view.actions)])


async def test_borrow_a_set_and_return_it(rig: Rig, flow: KioskFlow) -> None:
    cues: list[str] = []
    flow.on_cue(cues.append)
    assert flow.view.screen.screen is Screen.WELCOME
    await flow.present(CardUid(bytes.fromhex(CARD_P0001)))
    assert flow.view.screen.screen is Screen.HOME, texts(flow)
    assert "Nguyễn Thị Minh Anh" in flow.view.screen.title
    await flow.act("borrow")
    rig.hardware.place("30000001")
    rig.hardware.place(rig.tag("E004015000000071").uid.hex())
    await wait_for(lambda: len(flow.view.screen.rows) == 2 and all(
        "Item" not in r.title and "Tài liệu" not in r.title for r in flow.view.screen.rows),
        what="two rows with titles")
    print(texts(flow))
    rig.hardware.place(rig.tag("E004015000000072").uid.hex())
    await wait_for(lambda: flow.state.stack.ready and len(flow.state.stack.items) == 2,
                   what="set complete")
    print(texts(flow))
    await flow.act("checkout")
    print(texts(flow))
    assert flow.state.phase == "result"
    await flow.act("finish")
    print(texts(flow))
    await flow.act("receipt:none")
    print(texts(flow))
    print(cues)
