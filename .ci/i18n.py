"""Keep the gettext catalogues (edge/locale/{vi,en}/LC_MESSAGES/smartlib.po
and .mo) in step with the source.

    python .ci/i18n.py update   extract messages, merge them into both .po
                                files (English msgstr = msgid), compile .mo
    python .ci/i18n.py check    exit 1 if a message is missing, untranslated,
                                fuzzy or obsolete, or a .mo is stale

Messages come from ``_()``, ``N_()`` and ``ngettext()`` in edge/ and kiosk/,
and from the standard library's argparse (so usage errors and ``--help`` are
translated too).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "edge" / "locale"
SOURCES = ("edge", "kiosk", "drivers", "firmware_bridge")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None}
LANGUAGES = ("vi", "en")


def template() -> Catalog:
    catalog = Catalog(project="smartlib-edge", domain="smartlib", charset="utf-8")
    for package in SOURCES:
        found = extract_from_dir(
            str(ROOT / package), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True)
        for filename, lineno, message, comments, context in found:
            catalog.add(message, None, [(f"{package}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    for lineno, message, comments, context in extract_from_file(
            "python", argparse.__file__, keywords=KEYWORDS):
        catalog.add(message, None, [("argparse.py", lineno)], auto_comments=comments,
                    context=context)
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "smartlib.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=lang, domain="smartlib")
    return Catalog(locale=lang, domain="smartlib", project="smartlib-edge")


def render_po(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_output=True, omit_header=False,
             ignore_obsolete=True, include_previous=False)
    return out.getvalue()


def render_mo(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def merged(lang: str) -> Catalog:
    catalog = load(lang)
    source = template()
    source.creation_date = catalog.creation_date  # no churn from timestamps
    catalog.update(source, no_fuzzy_matching=True)
    catalog.revision_date = catalog.creation_date
    catalog.fuzzy = False
    catalog.project, catalog.version = "smartlib-edge", ""
    catalog.copyright_holder = "smartlib-edge contributors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "smartlib-edge contributors"
    catalog.language_team = {"vi": "Vietnamese", "en": "English"}[lang]
    catalog.header_comment = (
        f"# {catalog.language_team} messages of smartlib-edge.\n"
        "# This file is distributed under the same license as smartlib-edge (Apache-2.0).\n"
        "# Update with: python .ci/i18n.py update")
    if lang == "en":
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, (list, tuple)):
                if not any(message.string or ()):
                    message.string = tuple(message.id)
            elif not message.string:
                message.string = message.id
    return catalog


def update() -> None:
    for lang in LANGUAGES:
        catalog = merged(lang)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_po(catalog))
        with path.open("rb") as f:
            path.with_suffix(".mo").write_bytes(render_mo(read_po(f, locale=lang)))


def problems() -> list[str]:
    found: list[str] = []
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    for lang in LANGUAGES:
        catalog = load(lang)
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        found += [f"{lang}: not in the catalogue: {m!r}" for m in sorted(wanted - have)]
        found += [f"{lang}: no longer used: {m!r}" for m in sorted(have - wanted)]
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{lang}: untranslated: {message.id!r}")
            if message.fuzzy:
                found.append(f"{lang}: fuzzy: {message.id!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != render_mo(catalog):
            found.append(f"{lang}: {mo.relative_to(ROOT)} is stale; run .ci/i18n.py update")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("update", "check"))
    action = parser.parse_args().action
    if action == "update":
        update()
    left = problems()
    for line in left:
        sys.stderr.write(line + "\n")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
