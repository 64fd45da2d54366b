"""FEIG ISO-Host driver: an :class:`~drivers.rfid.reader.Reader` over a
serial port (``feig:///dev/ttyUSB0?baud=38400``) or TCP
(``feig+socket://host:port``).

Behaviour from FEIG's manuals (docs/readers.md has the sources):

* every exchange waits ``gap_ms`` (5 ms) after the previous reply;
* a reply with a bad CRC, a broken frame or no reply at all: wait for 15 ms
  of silence, flush, try again (``retries``); ``silent_limit`` silent
  exchanges in a row mean the reader is gone (state "disconnected",
  reconnection in the background);
* inventory follows status 94 with MORE until the list is complete, keeps a
  partial list after status 83, and shows "what is on the pad now": with
  ``ont=reset`` (default) it sends Reset to Ready after each inventory, with
  ``ont=clear`` it clears "only new tags" (CFG5) once at connect;
* the inventory AFI filter is written to CFG4 (RAM), only when it changes;
* block data is byte-reversed per block (``block_order=natural`` if an OEM
  reader differs); MEM counts in system information are ISO values minus one
  (``mem=true`` if a reader reports true counts);
* ``baud=auto`` finds the reader's baud rate with command 0x52, which a FEIG
  reader answers only at its own rate.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import (
    DeviceStatusError,
    FrameError,
    ProtocolError,
    ReaderConfigError,
    ReaderError,
    ReaderTimeoutError,
    TagError,
    TagLeftError,
    TagLockedError,
    TagNotPresentError,
    TagRfError,
    TagWriteError,
    TransportError,
)
from ..iso15693 import ISO_ERRORS
from ..model import InventoryTag, ReaderInfo, SystemInfo
from ..reader import Reader
from ..url import ReaderUrl, number
from . import commands as c
from . import frames
from .link import SerialLink

T = TypeVar("T")

BAUDS = (4800, 9600, 19200, 38400, 57600, 115200, 230400)
#: Order of baud detection: the factory default first.
DETECT_ORDER = (38400, 115200, 57600, 19200, 9600, 230400, 4800)
OPTIONS = ("baud", "parity", "adr", "timeout_s", "retries", "frame", "ont", "block_order", "mem",
           "antennas", "max_blocks", "gap_ms", "silent_limit", "write_retries", "reconnect_max_s")


@dataclass(frozen=True)
class FeigOptions:
    baud: int | None = 38400           # None: detect
    parity: str = "E"
    address: int = frames.BROADCAST
    timeout_s: float = 1.5
    retries: int = 2
    advanced: bool = False
    ont: str = "reset"                 # reset | clear | keep
    reverse_blocks: bool = True
    mem_raw: bool = True
    antennas: int | None = None        # bit mask of antennas (multi-antenna readers)
    max_blocks: int = 32
    gap_s: float = 0.005
    silent_limit: int = 2
    write_retries: int = 2
    reconnect_max_s: float = 5.0


def options_from_url(url: ReaderUrl) -> FeigOptions:
    url.check(OPTIONS)
    baud_text = url.options.get("baud", "38400")
    baud = None if baud_text == "auto" else url.get("baud", int, 38400, BAUDS)
    antennas = url.get("antennas", number, 0)
    return FeigOptions(
        baud=baud,
        parity=url.get("parity", str.upper, "E", ("E", "N", "O")),
        address=url.get("adr", number, frames.BROADCAST, range(256)),
        timeout_s=url.get("timeout_s", float, 1.5),
        retries=url.get("retries", int, 2, range(10)),
        advanced=url.get("frame", str, "standard", ("standard", "advanced")) == "advanced",
        ont=url.get("ont", str, "reset", ("reset", "clear", "keep")),
        reverse_blocks=url.get("block_order", str, "reversed", ("reversed", "natural"))
        == "reversed",
        mem_raw=url.get("mem", str, "raw", ("raw", "true")) == "raw",
        antennas=antennas or None,
        max_blocks=url.get("max_blocks", int, 32, range(1, 256)),
        gap_s=url.get("gap_ms", float, 5.0) / 1000,
        silent_limit=url.get("silent_limit", int, 2, range(1, 100)),
        write_retries=url.get("write_retries", int, 2, range(10)),
        reconnect_max_s=url.get("reconnect_max_s", float, 5.0),
    )


def from_url(url: ReaderUrl) -> FeigReader:
    if not url.target:
        raise ReaderConfigError(f"{url.scheme}: no device; e.g. feig:///dev/ttyUSB0 or "
                                "feig+socket://192.0.2.10:10001")
    port = f"socket://{url.target}" if url.scheme == "feig+socket" else url.target
    return FeigReader(url.url, port, options_from_url(url))


class FeigReader(Reader):
    """A FEIG ISO-Host reader. All serial I/O runs on one worker thread."""

    def __init__(self, url: str, port: str, options: FeigOptions | None = None) -> None:
        self.options = options or FeigOptions()
        super().__init__(url, write_retries=self.options.write_retries,
                         reconnect_max_s=self.options.reconnect_max_s)
        self.max_blocks = self.options.max_blocks
        self.port = port
        self._link = SerialLink(port, self.options.baud or 38400, self.options.parity,
                                self.options.timeout_s)
        self._executor: ThreadPoolExecutor | None = None
        self._io_lock = asyncio.Lock()
        self._last_reply = 0.0
        self._silent = 0
        self._cfg4: bytes | None = None
        self.version: c.SoftwareVersion | None = None

    # ------------------------------------------------------------ plumbing

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="feig")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _connect(self) -> None:
        await self._run(self._link.open)
        if self.options.baud is None:
            baud = await self._run(self._detect_baud)
            self._link.baud = baud
        self._silent = 0
        self._cfg4 = None
        reply = await self._exchange(c.Cmd.SOFTWARE_VERSION, b"", probing=True)
        self._check(reply, "software version")
        self.version = c.parse_software_version(reply.data)
        # the inventory AFI filter lives in the reader's RAM and outlives our
        # connection: know it, so an inventory without AFI can switch it off
        self._cfg4 = await self._read_config(4)
        if self.options.ont == "clear":
            cfg5 = await self._read_config(5)
            if cfg5[11] & 0x01:
                await self._write_config(5, cfg5[:11] + bytes([cfg5[11] & 0xFE]) + cfg5[12:])
        if self.options.ont != "keep":
            # tags quieted before a disconnection would stay hidden
            await self._iso(c.reset_to_ready(None), "reset to ready", None,
                            frozenset({c.OK, c.NO_TRANSPONDER}), probing=True)

    async def _disconnect(self) -> None:
        if self._executor is not None:
            await self._run(self._link.close)

    async def close(self) -> None:
        await super().close()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _detect_baud(self) -> int:
        """Blocking (worker thread): try each rate with 0x52 until one answers."""
        request = frames.encode_request(self.options.address, c.Cmd.BAUD_DETECT, b"\x00")
        for baud in DETECT_ORDER:
            self._link.set_baud(baud)
            self._link.drain_silence(limit_s=0.05)
            try:
                reply = frames.decode_reply(self._link.exchange(request, 0.3))
            except (ReaderTimeoutError, FrameError):
                continue
            if reply.command == c.Cmd.BAUD_DETECT and reply.status == c.OK:
                return baud
        raise ReaderTimeoutError(f"{self.port}: no FEIG reader answers at any baud rate "
                                 f"({', '.join(map(str, DETECT_ORDER))})")

    async def _exchange(self, command: int, data: bytes, probing: bool = False,
                        timeout_s: float | None = None, retries: int | None = None
                        ) -> frames.Frame:
        """One request and its reply, retried after a broken or missing reply."""
        request = frames.encode_request(self.options.address, command, data, self.options.advanced)
        tries = 1 + (self.options.retries if retries is None else retries)
        async with self._io_lock:
            last: ReaderError | None = None
            for _ in range(tries):
                wait = self._last_reply + self.options.gap_s - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    raw = await self._run(self._link.exchange, request, timeout_s)
                    reply = frames.decode_reply(raw)
                    c.expect_reply(reply.command, command)
                    self._last_reply = time.monotonic()
                    self._silent = 0
                    return reply
                except (ReaderTimeoutError, FrameError, ProtocolError) as exc:
                    last = exc
                except TransportError as exc:
                    if not probing:
                        self._link_lost(exc)
                    raise
                try:
                    await self._run(self._link.drain_silence)
                except TransportError as exc:
                    if not probing:
                        self._link_lost(exc)
                    raise
            assert last is not None
            if isinstance(last, ReaderTimeoutError):
                self._silent += 1
                if not probing and self._silent >= self.options.silent_limit:
                    self._link_lost(last)
            raise last

    def _check(self, reply: frames.Frame, what: str, uid: bytes | None = None,
               ok: frozenset[int] = frozenset({c.OK}), write: bool = False) -> None:
        status = reply.status if reply.status is not None else c.OK
        if status in ok:
            return
        raise self._error(status, reply.data, what, uid, write)

    @staticmethod
    def _error(status: int, data: bytes, what: str, uid: bytes | None,
               write: bool = True) -> ReaderError:
        if status == c.NO_TRANSPONDER:
            return TagNotPresentError(uid, f"{what}: no answer (not in the field)")
        if status in (c.DATA_ERROR, c.RF_ERROR):
            return TagRfError(uid, f"{what}: {c.status_name(status)}")
        if status == c.ISO_ERROR and data:
            code = data[0]
            text = f"{what}: ISO error {code:02X} ({ISO_ERRORS.get(code, 'unknown')})"
            block = data[1] if len(data) > 1 else None
            if code in (0x11, 0x12) and write:
                return TagLockedError(uid, text, block, code)
            if write:
                return TagWriteError(uid, text, block, code)
            return TagError(uid, text, code)
        if status == c.WRITE_ERROR:
            block = data[0] if data else None
            return TagWriteError(uid, f"{what}: write error" + (f" at block {block}"
                                                                 if block is not None else ""),
                                 block)
        return DeviceStatusError(status, c.status_name(status), data, what)

    async def _iso(self, payload: bytes, what: str, uid: bytes | None,
                   ok: frozenset[int] = frozenset({c.OK}), command: int = c.Cmd.ISO,
                   probing: bool = False, write: bool = False) -> frames.Frame:
        reply = await self._exchange(command, payload, probing=probing)
        self._check(reply, what, uid, ok, write)
        return reply

    async def _read_config(self, address: int) -> bytes:
        reply = await self._exchange(c.Cmd.READ_CONFIG, c.read_config(address))
        self._check(reply, f"read CFG{address}")
        return c.parse_config(reply.data)

    async def _write_config(self, address: int, block: bytes) -> None:
        reply = await self._exchange(c.Cmd.WRITE_CONFIG, c.write_config(address, block))
        self._check(reply, f"write CFG{address}")

    # ---------------------------------------------------------- commands

    async def _info(self) -> ReaderInfo:
        version = self.version
        if version is None:
            return ReaderInfo("feig")
        return ReaderInfo("feig", version.model, version.firmware, {
            "sw_type": f"{version.sw_type:02X}", "port": self.port,
            "baud": str(self._link.baud)})

    async def _afi_filter(self, afi: int | None) -> None:
        if self._cfg4 is None:
            self._cfg4 = await self._read_config(4)
        cfg4 = bytearray(self._cfg4)
        enabled = bool(cfg4[4] & 0x20)
        if afi is None and not enabled or afi is not None and enabled and cfg4[5] == afi:
            return
        if afi is None:
            cfg4[4] &= ~0x20 & 0xFF
        else:
            cfg4[4] |= 0x20
            cfg4[5] = afi
        await self._write_config(4, bytes(cfg4))
        self._cfg4 = bytes(cfg4)

    async def _inventory(self, afi: int | None) -> list[InventoryTag]:
        await self._afi_filter(afi)
        last: ReaderError | None = None
        for _ in range(self.options.retries + 1):
            if last is not None:
                # The lost reply may have left the tags it listed quiet ("only
                # new tags"): wake them all, then ask again from the start.
                await self._iso(c.reset_to_ready(None), "reset to ready", None,
                                frozenset({c.OK, c.NO_TRANSPONDER}))
            try:
                found = await self._inventory_once()
            except (ReaderTimeoutError, FrameError, ProtocolError) as exc:
                last = exc
                continue
            if self.options.ont == "reset":
                await self._iso(c.reset_to_ready(None), "reset to ready", None,
                                frozenset({c.OK, c.NO_TRANSPONDER}))
            return found
        assert last is not None
        raise last

    async def _inventory_once(self) -> list[InventoryTag]:
        antenna_mode = self.options.antennas is not None
        found: dict[bytes, InventoryTag] = {}
        more = False
        for _ in range(256):
            reply = await self._exchange(c.Cmd.ISO, c.inventory(more, self.options.antennas),
                                         retries=0)
            self._check(reply, "inventory", None,
                        frozenset({c.OK, c.MORE_DATA, c.RF_ERROR, c.NO_TRANSPONDER}))
            if reply.status == c.NO_TRANSPONDER:
                break
            for record in c.parse_inventory(reply.data, antenna_mode):
                found.setdefault(record.uid, InventoryTag(record.uid, record.dsfid, record.antenna))
            if reply.status != c.MORE_DATA:
                break
            more = True
        return list(found.values())

    async def _read(self, uid: bytes, first: int, count: int) -> list[bytes]:
        reply = await self._iso(c.read_multiple(uid, first, count), "read blocks", uid)
        parsed = c.parse_read_multiple(reply.data, self.options.reverse_blocks)
        if len(parsed.blocks) != count:
            raise ProtocolError(f"asked {count} blocks, the reader sent {len(parsed.blocks)}")
        return parsed.blocks

    async def block_security(self, uid: bytes, first: int, count: int) -> list[bool]:
        """Lock status of each block (read with security status)."""
        self._require_connected()
        reply = await self._iso(c.read_multiple(uid, first, count, security=True),
                                "read block security", uid)
        parsed = c.parse_read_multiple(reply.data, self.options.reverse_blocks)
        if parsed.security is None:
            raise ProtocolError("the reader sent no security status")
        return [bool(sec & 0x01) for sec in parsed.security]

    async def _present(self, uid: bytes) -> bool:
        try:
            await self._iso(c.system_info(uid), "presence check", uid)
        except TagNotPresentError:
            return False
        except TagError:
            return True
        return True

    async def _write(self, uid: bytes, first: int, blocks: list[bytes], block_size: int) -> None:
        payload = c.write_multiple(uid, first, blocks, block_size, self.options.reverse_blocks)
        reply = await self._exchange(c.Cmd.ISO, payload)
        status = reply.status if reply.status is not None else c.OK
        if status == c.OK:
            return
        error = self._error(status, reply.data, "write blocks", uid)
        if status == c.WRITE_ERROR and not await self._present(uid):
            # The reader got no answer while writing: the tag has gone.
            assert isinstance(error, TagWriteError)
            if error.block is not None and error.block > first:
                raise TagLeftError(uid, f"left the field while block {error.block} was written")
            raise TagNotPresentError(uid, "does not answer (not in the field)")
        raise error

    async def _system_info(self, uid: bytes) -> SystemInfo:
        reply = await self._iso(c.system_info(uid), "system information", uid)
        info = c.parse_system_info(reply.data, self.options.mem_raw)
        return SystemInfo(uid, info.dsfid, info.afi, info.block_size, info.block_count,
                          info.ic_ref)

    async def _write_afi(self, uid: bytes, afi: int) -> None:
        await self._iso(c.write_afi(uid, afi), "write AFI", uid, write=True)

    async def _lock(self, uid: bytes, first: int, count: int) -> None:
        try:
            await self._iso(c.lock_multiple(uid, first, count), "lock blocks", uid, write=True)
        except TagLockedError as exc:
            if exc.iso_error != 0x11:  # 11: already locked, which is what was asked
                raise

    async def _eas(self, uid: bytes, armed: bool) -> None:
        op = c.Nxp.SET_EAS if armed else c.Nxp.RESET_EAS
        await self._iso(c.nxp(op, uid), "set EAS" if armed else "reset EAS", uid,
                        command=c.Cmd.CUSTOM, write=True)

    async def _eas_alarm(self) -> bool:
        reply = await self._iso(c.nxp(c.Nxp.EAS_ALARM, None), "EAS alarm", None,
                                frozenset({c.OK, c.NO_TRANSPONDER}), command=c.Cmd.CUSTOM)
        return reply.status == c.OK

    async def rf_reset(self) -> None:
        """Switch the field off for 15 ms: every tag powers up again."""
        self._require_connected()
        self._check(await self._exchange(c.Cmd.RF_RESET, b""), "RF reset")
