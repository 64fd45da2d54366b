"""Typed results: built from a decoded message without the dataclass
``__init__`` (a speed path), they are the same values the constructor makes."""

from __future__ import annotations

import dataclasses

import pytest

from drivers.sip2 import results
from drivers.sip2.codec import decode, encode

from .test_codec import sample

CLASSES = [c for c in vars(results).values()
           if isinstance(c, type) and issubclass(c, results.Sip2Result) and c.CODES]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_result_equals_the_one_its_constructor_makes(cls: type[results.Sip2Result]) -> None:
    for code in cls.CODES:
        message = decode(encode(sample(code), error_detection=True, sequence=2))
        result = cls.from_message(message)
        built = cls(**{f.name: getattr(result, f.name) for f in dataclasses.fields(cls)})
        assert result == built
        assert repr(result) == repr(built)
        assert hash(result) == hash(built)
        assert result.named() == built.named()
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.ok = not result.ok  # type: ignore[misc]
