"""Message payloads: every type both ways, errors with offsets, unknown
types passed on, extra trailing bytes (a newer peer) ignored."""

from __future__ import annotations

import random

import pytest

from firmware_bridge.errors import MessageError
from firmware_bridge.messages import (
    TYPES,
    Fault,
    Hello,
    Info,
    InputChanged,
    Inputs,
    Message,
    Ping,
    Pong,
    QueryInputs,
    SetOutput,
    Sort,
    SortDone,
    SortStatus,
    Unknown,
    decode_message,
    encode_message,
)

SAMPLES: list[Message] = [
    Hello(), Ping(0xDEADBEEF), SetOutput(2, True, 1500), Sort(65535, 2, 4000), QueryInputs(),
    Info(1, 4, 4, 3, "smartlib-fw 0.3", "RP2040 sorter rev B"), Pong(7),
    InputChanged(0, True, 2**32 - 1), SortDone(12, 1, SortStatus.JAM), Inputs(0b1011),
    Fault(3, "động cơ kẹt"),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(message: Message) -> None:
    msg_type, payload = encode_message(message)
    assert decode_message(msg_type, payload) == message
    assert decode_message(msg_type, payload + b"\x99\x98") == message  # newer peer's fields


def test_directions_and_exact_bytes() -> None:
    assert all(t < 0x80 for t, cls in TYPES.items() if cls in (Hello, Ping, SetOutput, Sort,
                                                                   QueryInputs))
    assert encode_message(Sort(7, 2, 5000)) == (0x11, bytes.fromhex("0007021388"))
    assert encode_message(InputChanged(1, True, 1000)) == (0x83, bytes.fromhex("0101000003e8"))
    assert encode_message(Info(1, 4, 4, 3, "a", "b")) == (0x81, bytes.fromhex("01040403016101"
                                                                              "62"))


def test_errors_name_the_type_and_byte() -> None:
    with pytest.raises(MessageError, match="message 84, byte 2: payload ends after 2 bytes"):
        decode_message(0x84, b"\x00\x01")
    with pytest.raises(MessageError, match="message 84, byte 3: unknown sort status 9"):
        decode_message(0x84, b"\x00\x01\x02\x09")
    with pytest.raises(MessageError, match="message 81, byte 4: text of 9 bytes runs past"):
        decode_message(0x81, b"\x01\x01\x01\x01\x09ab")
    with pytest.raises(MessageError, match="byte 6: text is not UTF-8"):
        decode_message(0x81, b"\x01\x01\x01\x01\x02a\xff\x00")
    with pytest.raises(MessageError, match="does not fit"):
        encode_message(Sort(70000, 1))


def test_unknown_types_are_passed_on() -> None:
    assert decode_message(0xC0, b"\x01") == Unknown(0xC0, b"\x01")


def test_long_text_is_cut_at_a_character() -> None:
    _, payload = encode_message(Fault(1, "đ" * 200))
    assert payload[1] == 254 and decode_message(0x86, payload).text == "đ" * 127


def test_fuzzing_raises_only_message_errors() -> None:
    rng = random.Random(5)
    for _ in range(100_000):
        msg_type = rng.choice(list(TYPES))
        try:
            decode_message(msg_type, rng.randbytes(rng.randint(0, 12)))
        except MessageError:
            pass
