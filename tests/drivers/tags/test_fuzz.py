"""Bad input: any byte string of any length gets a result or the codec's own
error (a TagDataError, a ValueError naming the byte), never another exception
and never a hang. 100,000 random and mutated inputs in a tight seeded loop,
plus hypothesis on arbitrary bytes."""

from __future__ import annotations

import json
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.tags import MODELS, ItemTag, TagDataError, decode, encode
from tests.drivers.tags.conftest import ANNEX_D, PART3_B1, memory_3m

RUNS = 100_000
MODEL_CHOICES = ("auto", "auto", "auto", *MODELS)
DSFIDS = (None, None, 0x00, 0x06, 0x3E, 0xFF)


def seeds() -> list[bytes]:
    rich = ItemTag.new("30012345678", "VN-HaNoi-1", 2, 1, 0x10, shelf_location="PL4378.9",
                       title="Truyện Kiều " * 12, extra={40: "x", 27: "y"}, lock=(1, 3, 17))
    part3 = ItemTag.new("30012345", "VN-HN1", 3, 2, 1, title="Số đỏ", media_format=1,
                        supplier_identifier="NXB Trẻ", ill_borrowing_institution="DK-710100",
                        local_data_a="A")
    return [ANNEX_D, PART3_B1, memory_3m(), encode(rich).memory,
            encode(rich, block_size=8).memory, encode(part3, model="28560-3").memory]


def mutate(rng: random.Random, memory: bytes) -> bytes:
    data = bytearray(memory)
    action = rng.randrange(6)
    if action == 0 and data:  # flip bytes
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif action == 1:  # cut
        del data[rng.randrange(len(data) + 1):]
    elif action == 2:  # grow
        data += rng.randbytes(rng.randint(1, 40))
    elif action == 3 and data:  # flip one bit
        index = rng.randrange(len(data))
        data[index] ^= 1 << rng.randrange(8)
    elif action == 4:  # splice two seeds' halves
        data = data[:rng.randrange(len(data) + 1)] + bytearray(rng.randbytes(rng.randint(0, 8)))
    else:  # a byte that means something structural
        if data:
            data[rng.randrange(len(data))] = rng.choice((0x00, 0x0F, 0x7F, 0x80, 0xFF, 0x01))
    return bytes(data)


def test_100000_random_and_mutated_inputs_only_raise_tag_data_errors() -> None:
    rng = random.Random(28560)
    base = seeds()
    outcomes: Counter[str] = Counter()
    for run in range(RUNS):
        if run % 5 < 2:
            memory = rng.randbytes(rng.randrange(141))
        else:
            memory = mutate(rng, rng.choice(base))
            if run % 7 == 0:
                memory = mutate(rng, memory)
        model = MODEL_CHOICES[run % len(MODEL_CHOICES)]
        dsfid = DSFIDS[run % len(DSFIDS)]
        try:
            tag = decode(memory, dsfid=dsfid, model=model)
        except TagDataError as exc:
            outcomes[type(exc).__name__] += 1
            assert exc.offset is None or 0 <= exc.offset <= len(memory), (memory.hex(), exc)
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test
            raise AssertionError(f"{type(exc).__name__}: {exc} on {model} {dsfid} "
                                 f"{memory.hex()}") from exc
        outcomes[tag.model] += 1
        assert isinstance(tag.pii, str) and tag.pii
        if run % 97 == 0:
            json.dumps(tag.to_dict(), ensure_ascii=False)
    assert sum(outcomes.values()) == RUNS
    # every kind of answer was reached, so the loop exercised every decoder
    for kind in ("28560-2", "28560-3", "3m", "BlankTagError", "UnknownFormatError",
                 "CorruptTagError"):
        assert outcomes[kind] > 50, outcomes


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(MODEL_CHOICES), st.sampled_from(DSFIDS))
def test_any_bytes_decode_or_raise_a_tag_data_error(memory: bytes, model: str,
                                                   dsfid: int | None) -> None:
    try:
        tag = decode(memory, dsfid=dsfid, model=model)
    except TagDataError:
        return
    assert tag.pii and tag.model in MODELS


@settings(max_examples=300, deadline=None)
@given(st.builds(ItemTag.new, st.text(min_size=1, max_size=20),
                 st.none() | st.text(max_size=20)),
       st.sampled_from(("28560-2", "28560-3", "3m")), st.sampled_from((4, 8)),
       st.none() | st.integers(0, 64))
def test_encoding_anything_gives_memory_or_an_encode_error(tag: ItemTag, model: str,
                                                          block_size: int,
                                                          capacity: int | None) -> None:
    try:
        encoded = encode(tag, model=model, block_size=block_size, capacity=capacity)
    except TagDataError:
        return
    assert decode(encoded.memory, dsfid=encoded.dsfid).pii == tag.pii
