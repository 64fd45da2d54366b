"""The wire examples in docs/firmware_bridge.md are what the codec sends."""

from __future__ import annotations

import pytest

from firmware_bridge.frames import Frame, Kind, cobs_decode, encode_frame
from firmware_bridge.messages import Hello, Info, Message, Sort, SortDone, SortStatus
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "firmware_bridge.md").read_text(encoding="utf-8")


def data(seq: int, message: Message) -> Frame:
    return Frame(Kind.DATA, seq, message.TYPE, message.encode())  # type: ignore[union-attr]


@pytest.mark.parametrize("frame", [
    Frame(Kind.RESET, 0), Frame(Kind.ACK, 0), data(1, Hello()), Frame(Kind.ACK, 1),
    data(1, Info(1, 4, 4, 3, "fw 1.0", "RP2040")), data(2, Sort(7, 2, 5000)),
    data(2, SortDone(7, 2, SortStatus.OK)),
])
def test_each_example_frame_is_in_the_doc(frame: Frame) -> None:
    assert encode_frame(frame).hex(" ") in " ".join(DOC.split())


def test_the_decoded_sort_frame_in_the_doc() -> None:
    wire = encode_frame(data(2, Sort(7, 2, 5000)))
    assert cobs_decode(wire[:-1]).hex(" ") == "20 02 11 00 07 02 13 88 0c 7c"
    assert "`20 02 11 00 07 02 13 88 0c 7c`" in DOC
