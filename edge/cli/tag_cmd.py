"""``smartlib tag decode HEX`` and ``smartlib tag encode --pii P``: ISO 28560
item-tag data on the command line, for staff checking a tag or a tagging
station's output (the codecs are :mod:`drivers.tags`)."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from edge.cli.common import add_json, fail, print_json
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from drivers.tags import ItemTag
    from edge.cli.common import SubParsers

DECODE_MODELS = ("auto", "28560-2", "28560-3", "3m")
ENCODE_MODELS = ("28560-2", "28560-3", "3m")
_SEPARATORS = re.compile(r"[\s:,-]+")


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "tag", help=_("decode or encode item-tag data (ISO 28560-2, -3, 3M)"),
        description=_("Decode the user memory of an item's RFID tag, or encode an item's data "
                      "for a tag, in the library data models: ISO 28560-2, ISO 28560-3 (the "
                      "Danish model) and, read only, 3M's legacy layout."))
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"), required=True)

    decode = actions.add_parser(
        "decode", help=_("show what a tag's memory holds"),
        description=_("Decode tag memory given in hexadecimal from block 0. Exit code 2 if "
                      "the data is blank, unknown or corrupt, with the byte where it went "
                      "wrong."))
    decode.add_argument("hex", nargs="+", metavar="HEX",
                        help=_("tag memory in hexadecimal; spaces and colons may separate "
                               "bytes"))
    decode.add_argument("--dsfid", metavar="XX",
                        help=_("the tag's DSFID in hexadecimal (06 = ISO 28560-2)"))
    decode.add_argument("--model", choices=DECODE_MODELS, default="auto",
                        help=_("data model; auto decides from the DSFID and the content"))
    add_json(decode)
    decode.set_defaults(handler=_decode)

    encode = actions.add_parser(
        "encode", help=_("print the memory to write for an item"),
        description=_("Encode an item's data for its tag and print the bytes to write from "
                      "block 0 and the blocks to lock afterwards."))
    encode.add_argument("--pii", required=True, metavar="P",
                        help=_("primary item identifier (the item's barcode)"))
    encode.add_argument("--owner", metavar="ISIL", help=_("owner institution's ISIL"))
    encode.add_argument("--set", metavar="N/M", dest="set_info",
                        help=_("part N of an item of M parts, e.g. 2/3"))
    encode.add_argument("--type-of-usage", type=hex_byte, metavar="XX",
                        help=_("type of usage code in hexadecimal"))
    encode.add_argument("--shelf-location", metavar=_("TEXT"), help=_("shelf location"))
    encode.add_argument("--title", metavar=_("TEXT"), help=_("title"))
    encode.add_argument("--lock-owner", action="store_true",
                        help=_("also lay out the owner ISIL for locking (ISO 28560-2)"))
    encode.add_argument("--model", choices=ENCODE_MODELS, default="28560-2",
                        help=_("data model to write"))
    encode.add_argument("--block-size", type=int, choices=(4, 8), default=4,
                        help=_("the tag's block size in bytes"))
    encode.add_argument("--capacity", type=int, metavar=_("BYTES"),
                        help=_("the tag's user memory; when the data fills it exactly no "
                               "terminator is written"))
    add_json(encode)
    encode.set_defaults(handler=_encode)


def hex_byte(text: str) -> int:
    value = int(text, 16)
    if not 0 <= value <= 0xFF:
        raise ValueError(text)
    return value


def parse_hex(words: list[str]) -> bytes:
    """Bytes from hexadecimal words; ``ValueError`` names the byte offset."""
    digits = "".join(_SEPARATORS.sub("", word) for word in words)
    if digits[:2].lower() == "0x":
        digits = digits[2:]
    for index, char in enumerate(digits):
        if char not in "0123456789abcdefABCDEF":
            raise ValueError(_("byte {offset}: {char!r} is not a hexadecimal digit").format(
                offset=index // 2, char=char))
    if len(digits) % 2:
        raise ValueError(_("byte {offset}: odd number of hexadecimal digits").format(
            offset=len(digits) // 2))
    return bytes.fromhex(digits)


def _decode(args: argparse.Namespace) -> int:
    from drivers.tags import TagDataError, decode

    try:
        memory = parse_hex(args.hex)
    except ValueError as exc:
        return fail(str(exc), ExitCode.USAGE)
    try:
        dsfid = None if args.dsfid is None else hex_byte(args.dsfid.removeprefix("0x"))
    except ValueError:
        return fail(_("--dsfid {value}: not one byte in hexadecimal").format(value=args.dsfid),
                    ExitCode.USAGE)
    try:
        tag = decode(memory, dsfid=dsfid, model=args.model)
    except TagDataError as exc:
        return fail(_("tag data: {error}").format(error=exc), ExitCode.USAGE)
    if args.json:
        print_json(tag.to_dict())
    else:
        _print_tag(tag)
    return int(ExitCode.OK)


def _print_tag(tag: ItemTag) -> None:
    unset = "-"
    rows = [
        (_("model"), tag.model),
        (_("PII"), tag.pii),
        (_("owner ISIL"), tag.owner_isil or unset),
        (_("set"), unset if tag.parts_in_item is None else _("part {part} of {parts}").format(
            part=tag.part_number, parts=tag.parts_in_item)),
        (_("type of usage"), unset if tag.type_of_usage is None else f"{tag.type_of_usage:X}"),
    ]
    if tag.crc_ok is not None:
        rows.append((_("CRC"), _("correct") if tag.crc_ok else _("WRONG")))
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(_("elements:"))
    for element in tag.elements:
        oid = "-" if element.oid is None else str(element.oid)
        print(f"  {oid:>3}  @{element.offset!s:<4} {element.compaction:<20} "
              f"{element.name}: {element.value}")
    for problem in tag.problems:
        print(_("note: {problem}").format(problem=problem))


def _encode(args: argparse.Namespace) -> int:
    from drivers.tags import ItemTag, TagDataError, encode

    parts = part = None
    if args.set_info is not None:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", args.set_info)
        if match is None or not 1 <= int(match[1]) <= int(match[2]) <= 255:
            return fail(_("--set {value}: give part N of M parts as N/M, 1 <= N <= M <= 255")
                        .format(value=args.set_info), ExitCode.USAGE)
        part, parts = int(match[1]), int(match[2])
    more = {key: value for key, value in (("shelf_location", args.shelf_location),
                                          ("title", args.title)) if value is not None}
    lock = ("pii", "owner_isil") if args.lock_owner else ("pii",)
    try:
        tag = ItemTag.new(args.pii, args.owner, parts, part, args.type_of_usage, lock=lock,
                          model=args.model, **more)
        encoded = encode(tag, model=args.model, block_size=args.block_size,
                         capacity=args.capacity)
    except TagDataError as exc:
        return fail(_("tag data: {error}").format(error=exc), ExitCode.USAGE)
    if args.json:
        print_json({"model": encoded.model, "dsfid": f"{encoded.dsfid:02X}",
                    "hex": encoded.memory.hex().upper(), "lock_blocks": list(encoded.lock_blocks),
                    "lock_map": encoded.lock_map(), "block_size": encoded.block_size})
        return int(ExitCode.OK)
    size = encoded.block_size
    locked = set(encoded.lock_blocks)
    print(_("model {model}, DSFID {dsfid:02X}, {count} blocks of {size} bytes").format(
        model=encoded.model, dsfid=encoded.dsfid, count=len(encoded.memory) // size, size=size))
    for block in range(len(encoded.memory) // size):
        chunk = encoded.memory[block * size:(block + 1) * size].hex(" ").upper()
        mark = _("lock") if block in locked else ""
        print(f"{block:>4}  {chunk}  {mark}".rstrip())
    return int(ExitCode.OK)
