"""The SIP2 codec against public vectors, every message of SIP2 2.00 in both
directions, the tolerances real servers need, and its errors."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.sip2 import checksum
from drivers.sip2.codec import CR, CRLF, decode, encode, encode_raw, split_trailer
from drivers.sip2.errors import Sip2ChecksumError, Sip2EncodeError, Sip2ProtocolError
from drivers.sip2.fields import PATRON_STATUS, SUMMARY, SipDate, parse_free_date
from drivers.sip2.folding import encode_text, fold
from drivers.sip2.messages import COUNT, DATE, FLAG, MASK, OK, REPEATABLE, SPECS, Message

VECTORS = json.loads((Path(__file__).parent / "data" / "sip2_vectors.json").read_text())
WHEN = SipDate.local(datetime(2025, 3, 14, 9, 26, 53))


def sample(code: str) -> Message:
    """A message with every fixed field and every listed variable field set
    (repeatable ones twice), plus a vendor field."""
    fixed: dict[str, object] = {}
    for f in SPECS[code].fixed:
        if f.kind == DATE:
            fixed[f.name] = WHEN
        elif f.kind == FLAG:
            fixed[f.name] = True
        elif f.kind == OK:
            fixed[f.name] = False
        elif f.kind == COUNT:
            fixed[f.name] = 7
        elif f.kind == MASK:
            fixed[f.name] = frozenset({SUMMARY[2]} if f.name == "summary" else PATRON_STATUS[:3])
        else:
            fixed[f.name] = "0" * f.width
    fields: list[tuple[str, str]] = []
    for fid in SPECS[code].fields:
        fields.append((fid, f"giá trị {fid} Tiếng Việt"))
        if fid in REPEATABLE:
            fields.append((fid, f"dòng hai {fid}"))
    fields.append(("ZZ", "vendor"))
    return Message(code, fixed, tuple(fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("vector", VECTORS["valid_checksums"], ids=lambda v: v["msg"][:12])
def test_public_vectors_decode_and_their_checksums_verify(vector: dict[str, str]) -> None:
    frame = vector["msg"].encode("ascii")
    assert checksum.verify(frame)
    message = decode(frame)
    assert message.checksum == vector["msg"][-4:]
    body = frame[:-4]
    assert checksum.checksum(body) == vector["msg"][-4:]


@pytest.mark.parametrize("vector", VECTORS["invalid_checksums"], ids=lambda v: v["msg"][:12])
def test_a_bad_checksum_is_refused_naming_the_message(vector: dict[str, str]) -> None:
    with pytest.raises(Sip2ChecksumError) as caught:
        decode(vector["msg"].encode("ascii"))
    assert caught.value.code == "93" and caught.value.field == "AZ"
    assert "byte 30" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_vectors_reencode_to_the_same_bytes() -> None:
    for vector in VECTORS["valid_checksums"]:
        text = vector["msg"]
        message = decode(text.encode("ascii"))
        if text.startswith("990 40"):  # a space-padded width re-encodes as 040
            continue
        assert encode(message, encoding="ascii", error_detection=True) == text.encode() + CR


@pytest.mark.parametrize("code", sorted(SPECS))
def test_every_message_round_trips(code: str) -> None:
    message = sample(code)
    for encoding in ("utf-8", "cp850", "latin-1", "ascii"):
        frame = encode(message, encoding=encoding, error_detection=True, sequence=4)
        assert frame.endswith(b"\r") and checksum.verify(frame[:-1])
        back = decode(frame, encoding=encoding)
        assert back.code == code and back.fixed == message.fixed
        assert [fid for fid, _ in back.fields] == [fid for fid, _ in message.fields]
        assert back.get("ZZ") == "vendor"
        if encoding == "utf-8":
            assert back == Message(code, message.fixed, message.fields,
                                   None if code in ("96", "97") else 4)
            assert encode(back, error_detection=True) == frame


def test_requests_and_responses_cover_sip2_2_00() -> None:
    pairs = {"93": "94", "99": "98", "23": "24", "01": "24", "11": "12", "09": "10",
             "29": "30", "65": "66", "63": "64", "17": "18", "19": "20", "25": "26",
             "15": "16", "35": "36", "37": "38"}
    for request, response in pairs.items():
        assert SPECS[request].response == response
        assert response in SPECS
    assert {"96", "97"} <= set(SPECS)


def test_fixed_fields_are_typed() -> None:
    m = decode(b"64Y   Y         00120250314    092653000200000003000100000000AOlib|AAP1|AEName|")
    assert m.fixed["patron_status"] == frozenset({"charge_privileges_denied",
                                                  "card_reported_lost"})
    assert m.fixed["hold_items_count"] == 2 and m.fixed["charged_items_count"] == 3
    assert m.fixed["language"] == "001"
    date = m.fixed["transaction_date"]
    assert isinstance(date, SipDate) and date.when == datetime(2025, 3, 14, 9, 26, 53)
    m = decode(b"121NUY20250314    092653AOlib|AAP1|AB1|AJT|AH|")
    assert m.fixed["ok"] is True and m.fixed["renewal_ok"] is False
    assert m.fixed["magnetic_media"] is None and m.fixed["desensitize"] is True


@pytest.mark.parametrize(("raw", "expected", "zone"), [
    ("20250314    092653", datetime(2025, 3, 14, 9, 26, 53), "    "),
    ("20250314   Z092653", datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC), "   Z"),
    ("201610210000142637", datetime(2016, 10, 21, 14, 26, 37), "0000"),  # Sierra
])
def test_date_zones(raw: str, expected: datetime, zone: str) -> None:
    m = decode(b"23000" + raw.encode() + b"AOx|AAy|AC|AD|")
    date = m.fixed["transaction_date"]
    assert isinstance(date, SipDate)
    assert date.when == expected and date.zone == zone and date.raw == raw


def test_blank_and_junk_dates_do_not_lose_the_message() -> None:
    m = decode(b"11NN20250314    092653" + b" " * 18 + b"AOx|AAp|ABi|AC|")
    assert m.fixed["nb_due_date"] is None
    m = decode(b"121NNY20251399    999999AOx|AAp|ABi|AJt|AH|")
    date = m.fixed["transaction_date"]
    assert isinstance(date, SipDate) and date.when is None
    assert date.raw == "20251399    999999" and m.get("AJ") == "t"


def test_free_text_due_dates() -> None:
    assert parse_free_date("20250401    235900") == datetime(2025, 4, 1, 23, 59)
    assert parse_free_date("2011-10-28 23:59:59") == datetime(2011, 10, 28, 23, 59, 59)  # Evergreen
    assert parse_free_date("2025-04-01") == datetime(2025, 4, 1)
    assert parse_free_date("next Tuesday") is None


def test_unknown_fields_are_kept_in_order_and_round_trip() -> None:
    frame = b"101YNY20250314    092653AOlib|ZZfirst|AB30000008|QQ|AQshelf|CV04|CTVN-TVQG|XYz|"
    message = decode(frame)
    assert [f for f, _ in message.fields] == ["AO", "ZZ", "AB", "QQ", "AQ", "CV", "CT", "XY"]
    assert encode(message, error_detection=False) == frame + CR


def test_free_text_is_kept_verbatim() -> None:
    frame = ("121NNY20250314    092653AOlib|AAp|ABi|AJ  Truyện  Kiều ; (tập 1) "
             "|AH2011-10-28 23:59:59|")
    message = decode(frame.encode())
    assert message.get("AJ") == "  Truyện  Kiều ; (tập 1) "
    assert message.get("AH") == "2011-10-28 23:59:59"


def test_terminators_and_missing_final_delimiter_are_tolerated() -> None:
    for ending in (b"\r", b"\r\n", b"\n", b""):
        m = decode(b"941" + ending)
        assert m.code == "94" and m.fixed["ok"] is True
    m = decode(b"24              00020250314    092653AOlib|AAp|AEName|BLY")
    assert m.get("BL") == "Y"


def test_lower_case_checksum_digits_verify() -> None:
    frame = b"941AY0AZfdfd"
    assert decode(frame).sequence == 0


def test_sequence_and_checksum_trailer() -> None:
    frame = encode(Message("94", {"ok": True}), error_detection=True, sequence=13)
    assert frame == b"941AY3AZFDFA\r"
    assert split_trailer(frame[:-1]) == (b"941", 3, "FDFA")
    assert encode(Message("96"), error_detection=True) == b"96AZFEF6\r"
    assert encode(Message("94", {"ok": True}), terminator=CRLF) == b"941\r\n"


def test_raw_text_gets_a_trailer_when_error_detection_is_on() -> None:
    assert encode_raw("9900302.00", error_detection=True, sequence=1) == b"9900302.00AY1AZFCA5\r"
    assert encode_raw("9900302.00AY1AZFCA5", error_detection=True) == b"9900302.00AY1AZFCA5\r"
    assert encode_raw("9900302.00") == b"9900302.00\r"


@pytest.mark.parametrize(("frame", "code", "field", "offset"), [
    (b"12X", "12", "renewal_ok", 3),
    (b"12XNNY20250314    092653", "12", "ok", 2),
    (b"121NN", "12", "desensitize", 5),
    (b"64              000", "64", "transaction_date", 19),
    (b"64              00020250314    092653000A00000000000000000000", "64",
     "hold_items_count", 37),
    (b"941AOx|Q|", "94", "", 7),
    (b"XX123", "", "", 0),
])
def test_protocol_errors_say_where(frame: bytes, code: str, field: str, offset: int) -> None:
    with pytest.raises(Sip2ProtocolError) as caught:
        decode(frame)
    error = caught.value
    assert (error.code, error.field, error.offset) == (code, field, offset)
    assert f"byte {offset}" in str(error)


def test_invalid_bytes_name_the_field() -> None:
    with pytest.raises(Sip2ProtocolError) as caught:
        decode(b"121NNY20250314    092653AOlib|AJ\xff\xfe|", encoding="utf-8")
    assert caught.value.field == "AJ" and caught.value.offset == 32
    message = decode(b"121NNY20250314    092653AOlib|AJ\xff|", errors="replace")
    assert message.get("AJ") == "\ufffd"


def test_values_that_cannot_go_on_the_wire_are_refused() -> None:
    for fields in ((("AJ", "a|b"),), (("AJ", "line\r"),), (("A", "x"),), (("AJ", "x\n"),)):
        with pytest.raises(Sip2EncodeError):
            encode(Message("94", {"ok": True}, fields))
    with pytest.raises(Sip2EncodeError) as caught:
        encode(Message("98", {"timeout_period": 12345}))
    assert caught.value.field == "timeout_period"
    with pytest.raises(Sip2EncodeError):
        encode(Message("ZZ"))


@pytest.mark.parametrize(("encoding", "expected"), [
    ("ascii", "Tieng Viet - Dat rung phuong Nam"),
    ("cp850", "Tiêng Viêt - Dât rung phuong Nam"),
    ("latin-1", "Tiêng Viêt - Dât rung phuong Nam"),
    ("utf-8", "Tiếng Việt - Đất rừng phương Nam"),
])
def test_diacritics_fold_readably(encoding: str, expected: str) -> None:
    title = "Tiếng Việt - Đất rừng phương Nam"
    frame = encode(Message("94", {"ok": True}, (("AF", title),)), encoding=encoding)
    assert decode(frame, encoding=encoding).get("AF") == expected


def test_folding_examples_from_the_issue() -> None:
    assert fold("Tiếng Việt") == "Tieng Viet"
    assert fold("Đ") == "D" and fold("đ") == "d"
    assert fold("Nguyễn Nhật Ánh — “Mắt biếc”") == 'Nguyen Nhat Anh - "Mat biec"'
    assert encode_text("Ưu tiên", "ascii") == b"Uu tien"
    assert fold("\u4e2d") == "?"


@given(st.text(alphabet=st.characters(blacklist_characters="|\r\n",
                                      blacklist_categories=("Cs",)), max_size=60))
def test_any_text_round_trips_in_utf8(text: str) -> None:
    message = Message("94", {"ok": True}, (("AF", text),))
    assert decode(encode(message, error_detection=True, sequence=2)).getall("AF") == [text]


@given(st.text(alphabet=st.characters(blacklist_characters="|\r\n",
                                      blacklist_categories=("Cs",)), max_size=60),
       st.sampled_from(["ascii", "cp850", "latin-1"]))
def test_any_text_survives_narrow_encodings(text: str, encoding: str) -> None:
    frame = encode(Message("94", {"ok": True}, (("AF", text),)), encoding=encoding,
                   error_detection=True)
    assert checksum.verify(frame[:-1])
    value = decode(frame, encoding=encoding).get("AF") or ""
    value.encode(encoding)
    assert len(value) >= len(text.replace("\u2026", "")) // 3


@given(st.builds(
    lambda ok, seq, fields: Message("12", {"ok": ok, "renewal_ok": not ok,
                                           "magnetic_media": None, "desensitize": ok,
                                           "transaction_date": WHEN}, tuple(fields), seq),
    st.booleans(), st.integers(0, 9),
    st.lists(st.tuples(st.from_regex(r"[A-Z]{2}", fullmatch=True),
                       st.text(alphabet=st.characters(blacklist_characters="|\r\n",
                                                      blacklist_categories=("Cs",)),
                               max_size=20)), max_size=8)))
def test_checkout_responses_round_trip(message: Message) -> None:
    frame = encode(message, error_detection=True)
    assert decode(frame) == message


def test_a_checksum_summed_over_characters_is_accepted() -> None:
    text = "9300CNkiosk01|COmật-khẩu|CPTANG1|AY0AZ"
    by_characters = f"{-sum(map(ord, text)) & 0xFFFF:04X}"
    frame = (text + by_characters).encode("utf-8")
    assert not checksum.verify(frame)  # the spec's byte sum differs
    assert checksum.verify_characters(frame, "utf-8")
    assert decode(frame).get("CO") == "mật-khẩu"
    with pytest.raises(Sip2ChecksumError):
        decode((text + "0000").encode("utf-8"))


def test_byte_sum_is_the_exact_sum_of_the_bytes_at_every_length() -> None:
    # The checksum sums bytes through Adler-32 in 256-byte pieces: exact at
    # the piece boundaries and with every byte at its largest value.
    rng = random.Random(4)
    for length in (*range(0, 600), 5552, 65_536, 70_001):
        for data in (bytes([0xFF]) * length, rng.randbytes(length)):
            assert checksum.byte_sum(data) == sum(data)
    frame = b"09N20250314    092653" + bytes([0xFF]) * 1000 + b"AY1AZ"
    assert checksum.verify(frame + checksum.checksum(frame).encode())
    assert checksum.checksum(frame) == f"{-sum(frame) & 0xFFFF:04X}"


def test_a_field_that_is_not_an_id_and_a_value_is_refused() -> None:
    with pytest.raises(ValueError):
        encode(Message("94", {"ok": True}, (("AJ", "x", "y"),)))  # type: ignore[arg-type]
    with pytest.raises(Sip2EncodeError):
        encode(Message("94", {"ok": True}, (("Ấ1", "x"),)))
