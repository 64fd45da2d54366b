"""``smartlib reader``: IT staff checking an item-tag reader.

``scan`` lists the tags on the reader now (UID, DSFID, AFI, the decoded
item and its security state); ``watch`` streams arrivals and departures;
``read UID`` shows one tag's memory; ``write-afi UID XX`` writes the AFI and
verifies it; ``simulate`` runs the simulated reader, card slot and NFC field
of the demo as a server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from edge.cli.common import add_json, fail, print_json
from edge.errors import ExitCode
from edge.i18n import N_, _

if TYPE_CHECKING:
    from drivers.rfid import Reader
    from edge.cli.common import SubParsers
    from edge.config.models import ReaderSection, TagsSection


def _byte(text: str) -> int:
    value = int(text, 16)
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(_("{value} is not a byte (00..FF)").format(value=text))
    return value


def _hex_byte(text: str) -> int:
    try:
        return _byte(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a hexadecimal byte such as C2").format(value=text)) from None


def _uid(text: str) -> bytes:
    from drivers.rfid import ReaderConfigError, parse_uid

    try:
        return parse_uid(text)
    except ReaderConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _common(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help=_("reader URL, e.g. feig:///dev/ttyUSB0?baud=38400, "
                                       "feig+socket://HOST:PORT, pcsc://NAME, sim://demo"))
    where.add_argument("--config", metavar=_("FILE"),
                       help=_("take the reader URL and tag settings from this configuration"))
    add_json(parser)


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "reader", help=_("check an RFID reader: scan, watch, read a tag, write its AFI"),
        description=_("Check an item-tag RFID reader: list the tags on it, watch tags come "
                      "and go, read one tag's memory, write and verify its AFI, or run the "
                      "simulated reader. Exit code 3 when the reader cannot be reached."))
    commands = parser.add_subparsers(dest="reader_command", metavar=_("COMMAND"), required=True)

    scan = commands.add_parser("scan", help=_("list the tags on the reader now"),
                               description=_("List the tags on the reader now: UID, DSFID, AFI, "
                                             "the decoded item (PII, owner, set) and whether it "
                                             "is secured."))
    _common(scan)
    scan.add_argument("--afi", type=_hex_byte, help=_("only tags with this AFI (hexadecimal)"))
    scan.set_defaults(handler=_scan)

    watch = commands.add_parser("watch", help=_("show tags arriving and leaving"),
                                description=_("Show tags arriving on and leaving the reader, "
                                              "and the reader going away and coming back, until "
                                              "Ctrl-C (or --seconds). With --json, one JSON "
                                              "object per line."))
    _common(watch)
    watch.add_argument("--seconds", type=float, metavar=_("SECONDS"),
                       help=_("stop after this many seconds"))
    watch.add_argument("--afi", type=_hex_byte, help=_("only tags with this AFI (hexadecimal)"))
    watch.set_defaults(handler=_watch)

    read = commands.add_parser("read", help=_("show one tag's memory and decoded item"),
                               description=_("Read one tag: system information, its memory "
                                             "block by block, and the decoded item."))
    read.add_argument("uid", metavar="UID", type=_uid,
                      help=_("the tag's UID, 16 hexadecimal digits"))
    _common(read)
    read.set_defaults(handler=_read)

    afi = commands.add_parser("write-afi", help=_("write a tag's AFI and verify it"),
                              description=_("Write the AFI of one tag and read it back. C2 is "
                                            "'on loan', 07 'in the library' unless the "
                                            "library configured other values."))
    afi.add_argument("uid", metavar="UID", type=_uid,
                     help=_("the tag's UID, 16 hexadecimal digits"))
    afi.add_argument("afi", metavar="XX", type=_hex_byte, help=_("the AFI, hexadecimal (C2, 07)"))
    _common(afi)
    afi.set_defaults(handler=_write_afi)

    simulate = commands.add_parser(
        "simulate", help=_("run the simulated reader, card slot and NFC field"),
        description=_("Run the demo's simulated hardware: a FEIG reader with the demo books "
                      "(TCP, and a serial pty with --pty), a PC/SC card slot (with --vpcd-port) "
                      "and an NFC field (with --nfc-port), controlled through a JSON-lines "
                      "socket. Runs until Ctrl-C."))
    simulate.add_argument("--feig-port", type=int, default=0, metavar=_("PORT"),
                          help=_("TCP port of the FEIG reader (default: any free port)"))
    simulate.add_argument("--control-port", type=int, default=0, metavar=_("PORT"),
                          help=_("TCP port of the control socket (default: any free port)"))
    simulate.add_argument("--pty", metavar=_("PATH"),
                          help=_("also offer the reader as a serial device at PATH (needs socat)"))
    simulate.add_argument("--vpcd-port", type=int, metavar=_("PORT"),
                          help=_("vpcd port of the PC/SC slot where cards are tapped"))
    simulate.add_argument("--nfc-port", type=int, metavar=_("PORT"),
                          help=_("UDP port of the NFC field (0: any free port)"))
    simulate.add_argument("--timing", action="store_true",
                          help=_("answer after the ISO 15693 air time of each command"))
    simulate.add_argument("--place-all", action="store_true",
                          help=_("start with every demo book on the pad"))
    add_json(simulate)
    simulate.set_defaults(handler=_simulate)


# ------------------------------------------------------------------ helpers

def _settings(args: argparse.Namespace) -> tuple[str, ReaderSection | None, TagsSection]:
    from edge.config.models import TagsSection

    if args.url:
        return args.url, None, TagsSection()
    from edge.config import load
    from edge.errors import ConfigError

    device = load(args.config).device
    reader = getattr(device, "reader", None)
    if reader is None:
        raise ConfigError(args.config, [(args.config, _("this role has no [reader] section"))])
    return reader.url, reader, getattr(device, "tags", TagsSection())


async def _with_reader(args: argparse.Namespace,
                       work: Callable[[Reader, TagsSection, ReaderSection | None],
                                      Awaitable[int]]) -> int:
    from drivers.rfid import ReaderConfigError, ReaderError, TagError, TransportError, open_reader

    url, section, tags = _settings(args)
    try:
        reader = await open_reader(url)
    except ReaderConfigError as exc:
        return fail(_("reader URL {url}: {error}").format(url=url, error=exc), ExitCode.USAGE)
    except ReaderError as exc:
        return fail(_("cannot reach the reader {url}: {error}").format(url=url, error=exc),
                    ExitCode.UNAVAILABLE)
    try:
        return await work(reader, tags, section)
    except ValueError as exc:
        return fail(str(exc), ExitCode.USAGE)
    except TransportError as exc:
        return fail(_("the reader {url} stopped answering: {error}").format(url=url, error=exc),
                    ExitCode.UNAVAILABLE)
    except TagError as exc:
        return fail(_("tag problem: {error}").format(error=exc), ExitCode.FAILED)
    except ReaderError as exc:
        return fail(_("reader error: {error}").format(error=exc), ExitCode.FAILED)
    finally:
        await reader.close()


def _security(afi: int | None, tags: TagsSection) -> str:
    """secured, on_loan, unknown or inconsistent (the site's security values)."""
    from drivers.tags.security import SecurityPolicy

    if afi is None:
        return "unknown"
    policy = SecurityPolicy(tags.afi_secured, tags.afi_on_loan, tags.use_afi, tags.use_eas)
    return policy.state(afi).value


SECURITY_TEXT = {"secured": N_("secured"), "on_loan": N_("on loan"),
                 "unknown": N_("unknown AFI"), "inconsistent": N_("AFI and EAS disagree")}


def _decode(memory: bytes, dsfid: int | None, tags: TagsSection) -> tuple[dict[str, Any] | None,
                                                                          str | None]:
    """The item in the tag's memory (ISO 28560, :mod:`drivers.tags`), or why
    it cannot be decoded (blank, unknown format, corrupt)."""
    from drivers.tags import TagDataError, decode

    try:
        item = decode(memory, dsfid, model=tags.model)
    except TagDataError as exc:
        return None, str(exc)
    return {"model": item.model, "pii": item.pii, "owner_isil": item.owner_isil,
            "parts_in_item": item.parts_in_item, "part_number": item.part_number}, None


async def _describe(reader: Reader, uid: bytes, tags: TagsSection,
                    blocks: int | None = None) -> dict[str, Any]:
    info = await reader.system_info(uid)
    memory = await reader.read_memory(uid, blocks)
    item, problem = _decode(memory, info.dsfid, tags)
    return {"uid": uid.hex().upper(), "dsfid": info.dsfid, "afi": info.afi,
            "block_size": info.block_size, "block_count": info.block_count,
            "ic_ref": info.ic_ref, "memory": memory.hex().upper(), "item": item,
            "decode_error": problem, "security": _security(info.afi, tags)}


def _hex(value: int | None) -> str:
    return "--" if value is None else f"{value:02X}"


def _item_text(entry: dict[str, Any]) -> str:
    item = entry.get("item")
    if not item:
        return _("(not decoded: {reason})").format(reason=entry.get("decode_error"))
    parts = f"{item.get('part_number') or 1}/{item.get('parts_in_item') or 1}"
    return f"{item.get('pii')}  {item.get('owner_isil') or '-'}  {parts}"


# ----------------------------------------------------------------- handlers

async def _scan(args: argparse.Namespace) -> int:
    async def work(reader: Reader, tags: TagsSection, section: ReaderSection | None) -> int:
        from drivers.rfid import TagError

        found = await reader.inventory(args.afi)
        blocks = section.data_blocks if section else None
        entries = []
        for tag in found:
            try:
                entry = await _describe(reader, tag.uid, tags, blocks)
            except TagError as exc:
                entry = {"uid": tag.uid_hex, "dsfid": tag.dsfid, "afi": None, "item": None,
                         "decode_error": str(exc), "security": "unknown"}
            entries.append({**entry, "antenna": tag.antenna})
        if args.json:
            print_json({"reader": reader.url, "count": len(entries), "tags": entries})
            return int(ExitCode.OK)
        if not entries:
            print(_("no tags on the reader"))
        for e in entries:
            key = e["security"]
            state = _(SECURITY_TEXT[key])
            print(f"{e['uid']}  DSFID {_hex(e['dsfid'])}  AFI {_hex(e['afi'])}  "
                  f"{state:<12} {_item_text(e)}")
        return int(ExitCode.OK)

    return await _with_reader(args, work)


async def _events(reader: Reader, args: argparse.Namespace,
                  section: ReaderSection | None) -> AsyncGenerator[object, None]:
    from drivers.rfid import Pad, PadOptions

    options = PadOptions(afi=args.afi)
    if section is not None:
        options = PadOptions(poll_interval_s=section.poll_interval_s,
                             arrive_after=section.arrive_after_polls,
                             leave_after=section.leave_after_polls,
                             data_blocks=section.data_blocks, afi=args.afi)
    async with contextlib.aclosing(Pad(reader, options).events()) as events:
        async for event in events:
            yield event


def _event_json(event: object, tags: TagsSection) -> dict[str, Any]:
    from drivers.rfid import ReaderStatus, TagData

    data: dict[str, Any] = {"event": type(event).__name__}
    if isinstance(event, ReaderStatus):
        return {**data, "state": event.state.value, "error": event.error}
    for name in ("uid", "antenna", "dsfid", "previous", "error"):
        if hasattr(event, name):
            value = getattr(event, name)
            data[name] = value.hex().upper() if isinstance(value, bytes) else value
    if isinstance(event, TagData):
        data["item"], data["decode_error"] = _decode(event.memory, event.dsfid, tags)
    return data


def _event_text(data: dict[str, Any]) -> str:
    kind = data["event"]
    texts = {"TagArrived": _("arrived  {uid}  antenna {antenna}"),
             "TagLeft": _("left     {uid}  antenna {antenna}"),
             "TagMoved": _("moved    {uid}  antenna {previous} -> {antenna}"),
             "TagReadFailed": _("unread   {uid}  {error}"),
             "ReaderStatus": _("reader   {state} {error}")}
    if kind == "TagData":
        return _("item     {uid}  {item}").format(uid=data["uid"], item=_item_text(data))
    return texts[kind].format(**{k: ("" if v is None else v) for k, v in data.items()})


async def _watch(args: argparse.Namespace) -> int:
    async def work(reader: Reader, tags: TagsSection, section: ReaderSection | None) -> int:
        async def stream() -> None:
            async for event in _events(reader, args, section):
                data = _event_json(event, tags)
                line = json.dumps(data, ensure_ascii=False) if args.json else _event_text(data)
                print(line, flush=True)

        try:
            async with asyncio.timeout(args.seconds):
                await stream()
        except TimeoutError:
            pass  # --seconds elapsed
        except BrokenPipeError:
            pass  # the consumer of our output went away (| head)
        return int(ExitCode.OK)

    return await _with_reader(args, work)


async def _read(args: argparse.Namespace) -> int:
    uid: bytes = args.uid

    async def work(reader: Reader, tags: TagsSection, section: ReaderSection | None) -> int:
        entry = await _describe(reader, uid, tags)
        if args.json:
            print_json(entry)
            return int(ExitCode.OK)
        key = entry["security"]
        security = _(SECURITY_TEXT[key])
        print(_("UID {uid}  DSFID {dsfid}  AFI {afi} ({security})  {count} blocks of {size} "
                "bytes").format(uid=entry["uid"], dsfid=_hex(entry["dsfid"]),
                                afi=_hex(entry["afi"]), security=security,
                                count=entry["block_count"], size=entry["block_size"]))
        memory, size = bytes.fromhex(entry["memory"]), entry["block_size"] or 4
        for block in range(0, len(memory), size):
            chunk = memory[block:block + size]
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            print(f"  {block // size:3d}  {chunk.hex(' ').upper()}  {text}")
        print(_("item: {item}").format(item=_item_text(entry)))
        return int(ExitCode.OK)

    return await _with_reader(args, work)


async def _write_afi(args: argparse.Namespace) -> int:
    uid: bytes = args.uid

    async def work(reader: Reader, tags: TagsSection, section: ReaderSection | None) -> int:
        await reader.write_afi(uid, args.afi)
        if args.json:
            print_json({"uid": uid.hex().upper(), "afi": args.afi, "verified": True,
                        "security": _security(args.afi, tags)})
        else:
            print(_("AFI of {uid} is now {afi} ({security}), read back and verified").format(
                uid=uid.hex().upper(), afi=f"{args.afi:02X}",
                security=_(SECURITY_TEXT[_security(args.afi, tags)])))
        return int(ExitCode.OK)

    return await _with_reader(args, work)


async def _simulate(args: argparse.Namespace) -> int:
    from drivers.sim.errors import SimConfigError
    from drivers.sim.server import SimOptions, SimServer

    server = SimServer(SimOptions(feig_port=args.feig_port, control_port=args.control_port,
                                  pty_path=args.pty, vpcd_port=args.vpcd_port,
                                  nfc_port=args.nfc_port, timing=args.timing))
    try:
        await server.start()
    except (OSError, SimConfigError) as exc:
        return fail(_("cannot start the simulator: {error}").format(error=exc),
                    ExitCode.UNAVAILABLE)
    try:
        if args.place_all:
            for tag in server.catalog.values():
                server.pad.place(tag)
        if args.json:
            print_json(server.urls)
        else:
            for name, url in server.urls.items():
                print(f"{name:<14} {url}")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await server.close()
    return int(ExitCode.INTERRUPTED)
