"""``smartlib bookdrop``: run the book drop, look at or empty its bins, or
test its hardware."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from typing import TYPE_CHECKING, Any

from edge.cli.common import add_json, fail, print_json
from edge.cli.service import (
    config_arg,
    load_role,
    open_device_store,
    open_gpio_board,
    serve_until_stopped,
)
from edge.errors import ExitCode
from edge.i18n import _

if TYPE_CHECKING:
    from drivers.gpio import GpioBoard
    from edge.cli.common import SubParsers
    from edge.config import LoadedConfig
    from edge.config.models import BookdropConfig


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "bookdrop", help=_("run the book drop, or look at its bins"),
        description=_("Run the book drop: each item put in the slot is read, checked in "
                      "through circulation (the ILS, the tag secured again), and sorted into "
                      "the bin its routing names (shelf, hold, transit, problem). Bins are "
                      "counted; staff are alerted when one is full or the sorter jams. Runs "
                      "until SIGTERM or Ctrl-C."))
    config_arg(parser)
    actions = parser.add_subparsers(dest="action", metavar=_("ACTION"))
    bins = actions.add_parser("bins", help=_("show how full each bin is"),
                              description=_("Show each bin's count, capacity and whether it "
                                            "is full, as the book drop last recorded them."))
    config_arg(bins, argparse.SUPPRESS)
    add_json(bins)
    bins.set_defaults(handler=_bins)
    empty = actions.add_parser(
        "empty", help=_("record that staff emptied a bin"),
        description=_("Set a bin's count back to zero after emptying it. The running book "
                      "drop is told at once; if it is not running, the next start reads it."))
    config_arg(empty, argparse.SUPPRESS)
    empty.add_argument("bin", metavar=_("BIN"), help=_("the bin's name, e.g. shelf"))
    add_json(empty)
    empty.set_defaults(handler=_empty)
    test = actions.add_parser(
        "test", help=_("test the lights, diverters, sensors, sorter board and reader"),
        description=_("Installation test: the ready light and each diverter come on for a "
                      "moment, the conveyor runs, the slot and bin-full sensors are read, the "
                      "sorter board (if any) is greeted, and the reader lists the tags in "
                      "the chute. Exit code 1 if a sensor reads active with the chute empty, "
                      "3 if the reader, the board or the GPIO cannot be reached."))
    config_arg(test, argparse.SUPPRESS)
    test.add_argument("--seconds", type=float, default=0.5,
                      help=_("how long each output stays on (default 0.5)"))
    add_json(test)
    test.set_defaults(handler=_test)
    board = actions.add_parser(
        "simulate-board", help=_("run an emulated sorter board on a serial pty"),
        description=_("Run an emulated book-drop sorter board (the firmware bridge's device "
                      "side) on a socat pty pair, for trying the book drop or rehearsing the "
                      "hardware acceptance checks without a board: set mcu_port to PATH. "
                      "Until Ctrl-C or SIGTERM."))
    board.add_argument("--pty", required=True, metavar=_("PATH"),
                       help=_("the serial device to create, e.g. /tmp/ttySORTER"))
    board.add_argument("--bins", type=int, default=4, help=_("bins on the board (default 4)"))
    board.add_argument("--capacity", type=int, default=None,
                       help=_("items a bin holds before its full sensor trips"))
    add_json(board)
    board.set_defaults(handler=_simulate_board)
    parser.set_defaults(handler=_run)


def _load(args: argparse.Namespace) -> tuple[LoadedConfig, BookdropConfig]:
    from edge.config.models import BookdropConfig

    loaded = load_role(args, "bookdrop")
    assert isinstance(loaded.device, BookdropConfig)
    return loaded, loaded.device


def _run(args: argparse.Namespace) -> int:
    loaded, device = _load(args)
    return asyncio.run(_serve(loaded, device))


async def _serve(loaded: LoadedConfig, device: BookdropConfig) -> int:
    from drivers.gpio import GpioError
    from drivers.rfid import ReaderConfigError, make_reader
    from edge.bookdrop.service import BookdropService
    from edge.bookdrop.wiring import check_in_for, make_sorter

    try:
        reader = make_reader(device.reader.url)
    except ReaderConfigError as exc:
        return fail(_("reader URL {url}: {error}").format(url=device.reader.url, error=exc),
                    ExitCode.USAGE)
    store = await open_device_store(loaded)
    board: GpioBoard | int | None = None
    try:
        board = open_gpio_board(device.gpio.pin_factory)
        if isinstance(board, int):
            return board
        async with check_in_for(loaded, store, reader) as check_in:
            service = BookdropService(device, store, reader, make_sorter(device, board),
                                      check_in)
            await serve_until_stopped(service.run, service.request_stop)
    except GpioError as exc:
        return fail(_("GPIO: {error}").format(error=exc), ExitCode.USAGE)
    finally:
        if board is not None and not isinstance(board, int):
            await board.close()
        store.close()
    return int(ExitCode.OK)


def _read_counts(device: BookdropConfig) -> dict[str, int]:
    from edge.bookdrop.service import counts_file

    try:
        data = json.loads(counts_file(device).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


def _bins(args: argparse.Namespace) -> int:
    device = _load(args)[1]
    counts = _read_counts(device)
    rows: list[dict[str, Any]] = [
        {"bin": b.name, "routes": b.takes, "count": counts.get(b.name, 0),
             "capacity": b.capacity,
         "full": b.capacity is not None and counts.get(b.name, 0) >= b.capacity}
        for b in device.bookdrop.bins]
    if args.json:
        print_json({"bins": rows})
        return int(ExitCode.OK)
    for row in rows:
        capacity = f"/{row['capacity']}" if row["capacity"] else ""
        full = "  " + _("FULL") if row["full"] else ""
        print(f"{row['bin']:<12} {row['count']}{capacity}  ({', '.join(row['routes'])}){full}")
    return int(ExitCode.OK)


def _empty(args: argparse.Namespace) -> int:
    loaded, device = _load(args)
    names = [b.name for b in device.bookdrop.bins]
    if args.bin not in names:
        return fail(_("no bin {name!r}; the bins are: {names}").format(
            name=args.bin, names=", ".join(names)), ExitCode.USAGE)
    return asyncio.run(_empty_bin(loaded, device, args.bin, args.json))


async def _empty_bin(loaded: LoadedConfig, device: BookdropConfig, name: str,
                     as_json: bool) -> int:
    from edge.bookdrop.bins import Bins
    from edge.bookdrop.service import counts_file

    store = await open_device_store(loaded)
    try:
        outcome = await store.requests.call("bookdrop_empty_bin", {"bin": name}, timeout_s=3.0)
    finally:
        store.close()
    if outcome.state == "failed":
        return fail(outcome.error or "", ExitCode.FAILED)
    told = outcome.state == "done"
    if not told:  # the book drop is not running: change the file it reads at start
        bins = Bins(device.bookdrop, counts_file(device))
        bins.load()
        bins.emptied(name)
        await asyncio.to_thread(bins.save)
    if as_json:
        print_json({"bin": name, "count": 0, "running_book_drop_told": told})
    else:
        print(_("bin {name} emptied: count 0").format(name=name))
    return int(ExitCode.OK)


def _test(args: argparse.Namespace) -> int:
    device = _load(args)[1]
    return asyncio.run(_hardware_test(args, device))


async def _hardware_test(args: argparse.Namespace, device: BookdropConfig) -> int:
    from drivers.gpio import GpioError
    from edge.gate.service import pin

    board = open_gpio_board(device.gpio.pin_factory)
    if isinstance(board, int):
        return board
    section = device.bookdrop
    say = (lambda text: None) if args.json else print
    report: dict[str, Any] = {"outputs": {}, "sensors": {}}
    code = ExitCode.OK
    high = not section.outputs_active_low
    try:
        outputs = [("ready light", _("ready light"), section.pins.ready_light),
                   ("slot lock", _("slot lock"), section.pins.slot_lock),
                   ("conveyor", _("conveyor"), section.pins.conveyor),
                   *((f"diverter {b.name}", _("diverter {bin}").format(bin=b.name),
                      b.diverter_pin) for b in section.bins)]
        for name, label, where in outputs:
            at = pin(where)
            if at is None or (section.sorter == "mcu" and name.startswith("diverter")):
                continue
            output = board.output(at, name, active_high=high)
            say(_("{name} (pin {pin}): on for {seconds} s").format(name=label, pin=at,
                                                                   seconds=args.seconds))
            await output.pulse(args.seconds)
            report["outputs"][name] = f"pin {at}"
        sensors = [("slot", _("slot"), section.pins.slot),
                   *((f"bin {b.name} full", _("bin {bin} full").format(bin=b.name), b.full_pin)
                     for b in section.bins)]
        for name, label, where in sensors:
            at = pin(where)
            if at is None or section.sorter == "mcu":
                continue
            active = board.input(at, name, pull=section.sensor_pull,
                                 active=section.sensor_active_level).active
            report["sensors"][name] = "active" if active else "inactive"
            say(_("{name} sensor (pin {pin}): {state}").format(
                name=label, pin=at, state=_("ACTIVE") if active else _("inactive")))
            if active:
                code = ExitCode.FAILED
    except GpioError as exc:
        return fail(_("GPIO: {error}").format(error=exc), ExitCode.USAGE)
    finally:
        await board.close()
    if section.sorter == "mcu":
        code = max(code, await _board_check(device, report, say))
    code = max(code, await _reader_check(device, report, say))
    if args.json:
        print_json(report | {"ok": code == ExitCode.OK})
    return int(code)


async def _board_check(device: BookdropConfig, report: dict[str, Any], say: Any) -> ExitCode:
    from firmware_bridge import Inputs, LinkError, LinkOptions, McuLink, QueryInputs

    section = device.bookdrop
    assert section.mcu_port is not None
    try:
        async with McuLink(section.mcu_port, LinkOptions(baud=section.mcu_baud,
                                                         ping_interval_s=0)) as link:
            info = link.info
            assert info is not None
            answer = await link.call(QueryInputs(), lambda m: isinstance(m, Inputs))
    except LinkError as exc:
        fail(_("the sorter board on {port} does not answer: {error}").format(
            port=section.mcu_port, error=exc), ExitCode.UNAVAILABLE)
        return ExitCode.UNAVAILABLE
    assert isinstance(answer, Inputs)
    report["board"] = {"firmware": info.firmware, "board": info.board, "bins": info.bins,
                       "inputs": [answer.active(i) for i in range(info.inputs)]}
    say(_("sorter board: {board}, firmware {firmware}, {bins} bins").format(
        board=info.board, firmware=info.firmware, bins=info.bins))
    if answer.active(0):
        say(_("the board's slot sensor is ACTIVE with the chute empty"))
        return ExitCode.FAILED
    return ExitCode.OK


async def _reader_check(device: BookdropConfig, report: dict[str, Any], say: Any) -> ExitCode:
    from drivers.rfid import ReaderError, open_reader

    try:
        reader = await open_reader(device.reader.url)
    except ReaderError as exc:
        fail(_("cannot reach the reader {url}: {error}").format(url=device.reader.url,
                                                                 error=exc), ExitCode.UNAVAILABLE)
        return ExitCode.UNAVAILABLE
    try:
        tags = await reader.inventory()
    except ReaderError as exc:
        fail(_("reader error: {error}").format(error=exc), ExitCode.FAILED)
        return ExitCode.FAILED
    finally:
        await reader.close()
    report["tags"] = [t.uid_hex for t in tags]
    say(_("reader {url}: connected, {count} tags in the chute").format(
        url=device.reader.url, count=len(tags)))
    return ExitCode.OK


async def _simulate_board(args: argparse.Namespace) -> int:
    import shutil
    import signal
    import sys

    from firmware_bridge.emulator import BookdropBoard, PtyBoard

    socat = shutil.which("socat")
    if socat is None:
        return fail(_("socat is needed for a serial pty (apt install socat)"),
                    ExitCode.UNAVAILABLE)
    device = args.pty + ".device"
    taken = _clear_stale_links(args.pty, device)
    if taken is not None:
        return fail(_("{path} exists; is another simulator running?").format(path=taken),
                    ExitCode.USAGE)
    proc = await asyncio.create_subprocess_exec(
        socat, f"pty,raw,echo=0,link={args.pty}", f"pty,raw,echo=0,link={device}",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    port: PtyBoard | None = None
    try:
        for _attempt in range(500):
            if _all_exist(args.pty, device):
                break
            await asyncio.sleep(0.01)
        else:
            return fail(_("socat did not create the pty pair"), ExitCode.UNAVAILABLE)
        port = await PtyBoard(BookdropBoard(bins=args.bins, bin_capacity=args.capacity),
                              device).start()
        if args.json:
            print_json({"mcu_port": args.pty, "bins": args.bins})
        else:
            print(_("sorter board on {path} ({bins} bins)").format(path=args.pty,
                                                                  bins=args.bins))
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        if port is not None:
            await port.close()
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
        _clear_stale_links(args.pty, device, all_links=True)
    return int(ExitCode.INTERRUPTED)


def _all_exist(*paths: str) -> bool:
    return all(os.path.exists(p) for p in paths)


def _clear_stale_links(*paths: str, all_links: bool = False) -> str | None:
    """Remove the links a killed simulator left (or, with ``all_links``, our
    own); return a path that exists and is not such a link."""
    for path in paths:
        if os.path.islink(path) and (all_links or not os.path.exists(path)):
            with contextlib.suppress(OSError):
                os.unlink(path)
        elif os.path.lexists(path) and not all_links:
            return path
    return None
