"""FEIG ISO-Host frames: every frame of ../shared/vectors/feig.json decodes,
re-encodes byte for byte and is what the command builders produce; damaged
frames raise FrameError saying where; random bytes never raise anything else."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.rfid.errors import CrcError, FrameError, LengthError
from drivers.rfid.feig import commands as c
from drivers.rfid.feig import frames as f
from tests.conftest import ROOT

VECTORS = json.loads((ROOT / "tests" / "vectors" / "feig.json").read_text())
UID_AFI = bytes.fromhex("E00700000147677E")
UID_INV = bytes.fromhex("E01680FF08005024")


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_crc_check_value() -> None:
    check = VECTORS["crc_check"]
    assert f.crc16(check["ascii"].encode()) == int(check["crc"], 16) == 0x6F91


def _all_frames() -> list[tuple[str, bytes, bool]]:
    out = []
    for vector in VECTORS["frames"]:
        is_reply = "reply" in vector["what"] and "request" not in vector["what"]
        out.append((vector["what"], h(vector["hex"]), is_reply))
        if "reply" in vector:
            out.append((vector["what"] + " (reply)", h(vector["reply"]), True))
    return out


@pytest.mark.parametrize(("what", "raw", "is_reply"), _all_frames(), ids=lambda v: str(v)[:40])
def test_every_vector_decodes_and_reencodes(what: str, raw: bytes, is_reply: bool) -> None:
    frame = f.decode(raw, reply=is_reply)
    assert f.encode(frame) == raw
    assert frame.advanced == (raw[0] == f.STX)


#: (vector "what", the frame our builders make)
BUILT = {
    "get software version, any reader": f.encode_request(0xFF, c.Cmd.SOFTWARE_VERSION),
    "get software version, advanced frame": f.encode_request(
        0xFF, c.Cmd.SOFTWARE_VERSION, advanced=True),
    "baud detect request / reply": f.encode_request(0xFF, c.Cmd.BAUD_DETECT, b"\x00"),
    "CPU reset request / reply": f.encode_request(0xFF, c.Cmd.CPU_RESET),
    "inventory, one tag found (DSFID 00, UID E0 16 80 FF 08 00 50 24)": f.encode_request(
        0xFF, c.Cmd.ISO, c.inventory()),
    "write AFI C2 to UID E0 07 00 00 01 47 67 7E (addressed)": f.encode_request(
        0xFF, c.Cmd.ISO, c.write_afi(UID_AFI, 0xC2)),
    "reset to ready, non-addressed": f.encode_request(0xFF, c.Cmd.ISO, c.reset_to_ready()),
    "NXP set EAS, addressed": f.encode_request(0xFF, c.Cmd.CUSTOM, c.nxp(c.Nxp.SET_EAS, UID_AFI)),
    "NXP EAS alarm, non-addressed": f.encode_request(
        0xFF, c.Cmd.CUSTOM, c.nxp(c.Nxp.EAS_ALARM, None)),
    "RF on": f.encode_request(0xFF, c.Cmd.RF_ONOFF, b"\x01"),
    "RF reset": f.encode_request(0xFF, c.Cmd.RF_RESET),
}
REPLIES = {
    "baud detect request / reply": f.encode_reply(0x00, c.Cmd.BAUD_DETECT, 0x00),
    "CPU reset request / reply": f.encode_reply(0x00, c.Cmd.CPU_RESET, 0x00),
    "inventory, one tag found (DSFID 00, UID E0 16 80 FF 08 00 50 24)": f.encode_reply(
        0x00, c.Cmd.ISO, 0x00, bytes([1, 0x03, 0x00]) + UID_INV),
}


@pytest.mark.parametrize("vector", VECTORS["frames"], ids=lambda v: v["what"][:40])
def test_builders_produce_every_vector_byte_for_byte(vector: dict[str, str]) -> None:
    what = vector["what"]
    if what == "inventory reply, no transponder":
        assert f.encode_reply(0x00, c.Cmd.ISO, c.NO_TRANSPONDER) == h(vector["hex"])
        return
    assert BUILT[what] == h(vector["hex"])
    if "reply" in vector:
        assert REPLIES[what] == h(vector["reply"])


def test_inventory_vector_parses_to_its_tag() -> None:
    vector = next(v for v in VECTORS["frames"] if v["what"].startswith("inventory, one tag"))
    frame = f.decode_reply(h(vector["reply"]))
    assert (frame.address, frame.command, frame.status) == (0x00, 0xB0, 0x00)
    records = c.parse_inventory(frame.data)
    assert records == [c.InventoryRecord(0x03, 0x00, UID_INV, 1)]


def test_no_transponder_reply_has_status_01_and_no_data() -> None:
    frame = f.decode_reply(h("06 00 B0 01 5C 63"))
    assert (frame.status, frame.data) == (c.NO_TRANSPONDER, b"")


def test_crc_error_names_the_crc_bytes() -> None:
    raw = bytearray(h("07 FF B0 01 00 1C 56"))
    raw[3] ^= 0x01
    with pytest.raises(CrcError) as info:
        f.decode_request(bytes(raw))
    assert info.value.offset == 5 and str(info.value).startswith("byte 5: CRC")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("raw", "offset"), [
    (h("08 FF B0 01 00 1C 56"), 0),         # LEN says 8, 7 present
    (h("03 FF 65"), 3),                     # too short for any frame
    (h("02 00 08 FF 65 6E 61"), 1),         # advanced LEN disagrees
])
def test_length_errors_say_where(raw: bytes, offset: int) -> None:
    with pytest.raises(LengthError) as info:
        f.decode_request(raw)
    assert info.value.offset == offset


def test_standard_reply_switches_to_advanced_above_255_bytes() -> None:
    data = bytes(range(256)) * 1
    raw = f.encode_reply(0x00, c.Cmd.ISO, 0x00, data)
    assert raw[0] == f.STX and raw[1] << 8 | raw[2] == len(raw) == 256 + 8
    assert f.decode_reply(raw).data == data


def test_splitter_cuts_a_stream_byte_by_byte() -> None:
    stream = h("05 FF 65 E5 CB") + h("02 00 07 FF 65 6E 61") + h("06 FF 6A 01 E4 07")
    splitter, frames = f.FrameSplitter(), []
    for byte in stream:
        frames += splitter.feed(bytes([byte]))
    assert frames == [h("05 FF 65 E5 CB"), h("02 00 07 FF 65 6E 61"), h("06 FF 6A 01 E4 07")]
    assert splitter.pending == 0


@given(address=st.integers(0, 255), command=st.integers(0, 255),
       status=st.one_of(st.none(), st.integers(0, 255)), data=st.binary(max_size=600),
       advanced=st.booleans())
def test_round_trip(address: int, command: int, status: int | None, data: bytes,
                    advanced: bool) -> None:
    frame = f.Frame(address, command, data, status, advanced)
    raw = f.encode(frame)
    back = f.decode(raw, reply=status is not None)
    assert (back.address, back.command, back.data, back.status) == (address, command, data, status)


def test_fuzz_random_bytes_raise_only_frame_errors() -> None:
    rng = random.Random(15693)
    valid = [raw for _, raw, _ in _all_frames()]
    for i in range(100_000):
        if i % 2:
            raw = bytearray(rng.choice(valid))
            raw[rng.randrange(len(raw))] = rng.randrange(256)
            if rng.random() < 0.3:
                del raw[rng.randrange(len(raw)):]
        else:
            raw = bytearray(rng.randbytes(rng.randrange(0, 12)))
        try:
            frame = f.decode(bytes(raw), reply=bool(i % 3))
        except FrameError:
            continue
        assert f.encode(frame) == bytes(raw)
