"""The contract's pure codecs: UUIDv7 ids, topics, the envelope, commands."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.contract import PayloadError, decode_json_object, encode_envelope, encode_payload
from edge.contract.commands import decode_reply, decode_request, encode_request, error, ok
from edge.contract.ids import Uuid7Source, uuid7, uuid7_time_ms
from edge.contract.topics import (
    Topic,
    TopicError,
    command_topic,
    event_topic,
    parse_topic,
    reply_topic,
    state_topic,
)


def test_uuid7_layout_follows_rfc_9562() -> None:
    text = uuid7(0x017F22E279B0, 0xCC3, 0x18C4DC0C0C07398F & ((1 << 62) - 1))
    assert text[14] == "7" and text[19] in "89ab"
    assert uuid7_time_ms(text) == 0x017F22E279B0
    with pytest.raises(ValueError, match="48 bits"):
        uuid7(1 << 48, 0, 0)


def test_ids_from_one_source_strictly_increase_even_when_time_stands_still() -> None:
    rng = random.Random(7)
    source = Uuid7Source(lambda: rng.getrandbits(62))
    ids = [source.next(1_700_000_000_000) for _ in range(5000)]  # > 4096 in one ms
    ids += [source.next(1_699_999_999_000)]  # the clock stepped back
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_topics_round_trip() -> None:
    assert event_topic("hn", "k1", "loan") == "smartlib/v1/hn/k1/evt/loan"
    assert event_topic("hn", "k1", "health") == "smartlib/v1/hn/k1/health"
    assert parse_topic("smartlib/v1/hn/k1/evt/loan") == Topic("hn", "k1", "evt", "loan")
    assert parse_topic(state_topic("hn", "k1")) == Topic("hn", "k1", "state")
    assert parse_topic(command_topic("hn", "k1", "ping")).name == "ping"
    assert parse_topic(reply_topic("hn", "k1", "op-1")).kind == "reply"


@pytest.mark.parametrize(("topic", "level"), [
    ("other/v1/hn/k1/state", 0), ("smartlib/v1/hn", 1), ("smartlib/v1/h n/k1/state", 0),
    ("smartlib/v1/hn/k1/evt", 3), ("smartlib/v1/hn/k1/evt/Loan", 3),
    ("smartlib/v1/hn/k1/state/x", 3), ("smartlib/v1/hn/k1/what", 2),
])
def test_bad_topics_say_which_level(topic: str, level: int) -> None:
    with pytest.raises(TopicError) as exc:
        parse_topic(topic)
    assert exc.value.level == level


def test_envelope_keeps_vietnamese_and_splices_the_payload() -> None:
    payload = encode_payload({"item": "3001", "title": "Nhật ký trong tù", "due": "2026-12-05"})
    data = encode_envelope(event_id="01a1fed1-c2f9-7000-aaf7-6970ab0771a9", seq=7, site="hn",
                           device="k1", event_type="loan", schema=1,
                           time="2026-11-21T09:00:00.000+07:00", payload_json=payload)
    assert "Nhật ký trong tù".encode() in data
    obj = decode_json_object(data)
    assert obj["payload"]["title"] == "Nhật ký trong tù" and obj["seq"] == 7


@pytest.mark.parametrize(("data", "reason", "where"), [
    (b'{"a": \xff}', "not_utf8", "byte 6"),
    (b'{"title": "Ti\xc3\xaan", x}', "not_json", "byte 19"),
    (b"[1, 2]", "not_object", "byte 0"),
    (b'{"a": NaN}', "not_json", ""),
    (b"{" + b" " * 70_000 + b"}", "oversized", "byte 65536"),
])
def test_decoding_errors_say_where(data: bytes, reason: str, where: str) -> None:
    with pytest.raises(PayloadError) as exc:
        decode_json_object(data)
    assert (exc.value.reason, exc.value.where) == (reason, where)
    assert isinstance(exc.value, ValueError)


def test_100k_random_payloads_only_ever_raise_the_codec_error() -> None:
    rng = random.Random(2026)
    seeds = [b'{"v":1,"id":"x","payload":{"title":"Truy\xe1\xbb\x87n"}}', b"{}", b'{"a":[1,2]}']
    for _ in range(100_000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data) + 1)
            action = rng.random()
            if action < 0.4 and data:
                data[min(pos, len(data) - 1)] = rng.randrange(256)
            elif action < 0.7:
                data.insert(pos, rng.randrange(256))
            elif data:
                del data[min(pos, len(data) - 1)]
        try:
            decode_json_object(bytes(data))
        except PayloadError:
            pass


def test_commands_round_trip() -> None:
    request = decode_request("lock_kiosk", encode_request({"reason": "bảo trì"}))
    assert (request.version, request.args) == (1, {"reason": "bảo trì"})
    assert decode_request("ping", b"").args == {}
    assert decode_reply(ok({"pong": True}).encode()).result == {"pong": True}
    failed = decode_reply(error("invalid", "bad", problems=["x"]).encode())
    assert (failed.ok, failed.code, failed.details) == (False, "invalid", {"problems": ["x"]})


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.one_of(st.text(max_size=20), st.integers(), st.booleans()),
                       max_size=5))
def test_any_json_args_round_trip(args: dict[str, object]) -> None:
    assert decode_request("x", encode_request(args)).args == json.loads(json.dumps(args))
