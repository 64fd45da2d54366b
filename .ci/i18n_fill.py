"""Fill Vietnamese translations into the vi catalogue.

    python .ci/i18n_fill.py TRANSLATIONS.py   a file defining VI = {msgid: msgstr}
    python .ci/i18n_fill.py OTHER.po          another vi catalogue (e.g. the other side
                                              of a merge): fills what ours lacks

Plural entries take a tuple msgid and a tuple of msgstr forms (Vietnamese
has one plural form). Then run `python .ci/i18n.py update`.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

po = Path(__file__).resolve().parent.parent / "edge/locale/vi/LC_MESSAGES/smartlib.po"
source = Path(sys.argv[1])
if source.suffix == ".po":
    with source.open("rb") as f:
        table = {m.id: m.string for m in read_po(f, locale="vi") if m.id and m.string
                 and not m.fuzzy}
    overwrite = False
else:
    table = runpy.run_path(str(source))["VI"]
    overwrite = True
with po.open("rb") as f:
    catalog = read_po(f, locale="vi")
for message in catalog:
    key = message.id
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if key in table and (overwrite or not all(strings)):
        message.string = table[key]
        message.flags.discard("fuzzy")
with po.open("wb") as f:
    write_po(f, catalog, width=100, sort_output=True, include_previous=False)
