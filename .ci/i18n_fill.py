"""Fill Vietnamese translations from a Python dict file into the vi catalogue.

    python .ci/i18n_fill.py TRANSLATIONS.py   (defines VI = {msgid: msgstr})

Plural entries take a tuple msgid and a tuple of msgstr forms (Vietnamese
has one plural form). Then run `python .ci/i18n.py update`.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

po = Path(__file__).resolve().parent.parent / "edge/locale/vi/LC_MESSAGES/smartlib.po"
table = runpy.run_path(sys.argv[1])["VI"]
with po.open("rb") as f:
    catalog = read_po(f, locale="vi")
for message in catalog:
    key = message.id
    if key in table:
        message.string = table[key]
        message.flags.discard("fuzzy")
with po.open("wb") as f:
    write_po(f, catalog, width=100, sort_output=True, include_previous=False)
