"""Catalogues: no message missing or stale in either language, and every
translation keeps the placeholders of its original."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

from edge import i18n
from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / ".ci" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogues_are_complete_and_compiled() -> None:
    problems = load_tool().problems()
    assert problems == [], "\n".join(problems) + "\n(run: python .ci/i18n.py update)"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_translations_keep_placeholders(language: str) -> None:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "smartlib.po"
    with Path(path).open("rb") as f:
        catalog = read_po(f, locale=language)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def test_vietnamese_is_the_default_and_english_is_there() -> None:
    assert i18n.DEFAULT_LANGUAGE == "vi"
    assert i18n.translator("vi").gettext("interrupted") == "bị ngắt"
    assert i18n.translator("en").gettext("interrupted") == "interrupted"
    with pytest.raises(ValueError):
        i18n.translator("fr")


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "vi"),
    ({"LANG": "C.UTF-8"}, "vi"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "fr:en", "LANG": "vi_VN.UTF-8"}, "en"),
    ({"SMARTLIB_LANG": "vi", "LANG": "en_US.UTF-8"}, "vi"),
])
def test_language_from_environment(environ: dict[str, str], expected: str) -> None:
    assert i18n.language_from_environment(environ) == expected
