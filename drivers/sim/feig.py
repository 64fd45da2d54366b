"""Emulator of a FEIG ISO-Host reader: the device side of
:mod:`drivers.rfid.feig.frames` and :mod:`drivers.rfid.feig.commands`, acting
on a :class:`~drivers.sim.pad.VirtualPad`.

It answers the way the manuals describe: no reply to a frame with a bad CRC
or to another bus address; status 94 and MORE for long inventories; "only
new tags" (CFG5 ONT) quiets each tag it reports; the inventory AFI filter
comes from CFG4; block data byte-reversed per block; the multi-block write
done block by block on the air, reporting the failing block. Personalities
(reader models) load from ``data/feig_readers.json``.

Host-visible faults for tests (bellows-style): a silent reader, dropped or
corrupted replies, replies trickling out byte by byte, a wrong baud rate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any

from drivers.rfid.errors import FrameError
from drivers.rfid.feig import commands as c
from drivers.rfid.feig import frames as f

from .errors import IsoError, NoResponse, SimConfigError
from .pad import VirtualPad
from .tags import SimTag

BAUD_TO_CODE = {baud: code for code, baud in c.BAUD_CODES.items()}


@dataclass(frozen=True, slots=True)
class FeigPersonality:
    model: str = "ID ISC.MR101-A"
    sw_type: int = 0x76
    sw_rev: int = 0x0304
    d_rev: int = 0
    hw_type: int = 0
    tr_type: int = 0x0008
    #: Inventory records per reply before status 94 asks for MORE.
    max_records: int = 16
    #: "never", "always", or "auto" (advanced only when a reply exceeds 255 bytes).
    advanced_replies: str = "auto"
    #: Security status bytes in read replies even without MODE bit 3.
    sec_always: bool = False
    #: MEM in system information as the tag's raw ISO values (minus one).
    mem_raw: bool = True
    reverse_blocks: bool = True
    baud: int = 38400
    address: int = 0x00


def load_personality(name: str) -> FeigPersonality:
    """A reader model from ``drivers/sim/data/feig_readers.json``."""
    text = resources.files("drivers.sim").joinpath("data/feig_readers.json").read_text("utf-8")
    readers = json.loads(text)["readers"]
    if name not in readers:
        raise SimConfigError(f"unknown FEIG personality {name!r}; known: {', '.join(readers)}")
    known = {f.name for f in fields(FeigPersonality)}
    return FeigPersonality(**{k: v for k, v in readers[name].items() if k in known})


def _default_config(p: FeigPersonality) -> list[bytearray]:
    blocks = [bytearray(c.CONFIG_BLOCK_SIZE) for _ in range(64)]
    blocks[1][0] = p.address
    blocks[1][2] = BAUD_TO_CODE.get(p.baud, 0x08)
    blocks[1][3] = 0x01            # even parity
    blocks[1][7] = 10              # TR-RESPONSE-TIME 10 x 100 ms
    blocks[5][11] = 0x05           # ONT and anticollision on
    return blocks


@dataclass
class Faults:
    """Faults a test switches on; counters count down as replies go out."""

    silent: bool = False
    drop_replies: int = 0
    corrupt_replies: int = 0
    byte_at_a_time: bool = False
    reply_delay_s: float = 0.0


@dataclass
class _Request:
    sub: int
    mode: int
    uid: bytes | None
    rest: bytes


class FeigEmulator:
    """Protocol handler: :meth:`handle` takes one request frame's bytes and
    returns the reply's bytes, or None when a real reader stays silent."""

    def __init__(self, pad: VirtualPad, personality: FeigPersonality | None = None) -> None:
        self.pad = pad
        self.personality = personality or FeigPersonality()
        self.eeprom = _default_config(self.personality)
        self.config = [bytearray(b) for b in self.eeprom]
        self.rf_on = True
        self.faults = Faults()
        self._more: list[bytes] = []
        #: ("rx" | "tx", frame bytes) in order, for tests asserting the wire.
        self.log: list[tuple[str, bytes]] = []
        self.log_limit = 10_000
        #: Called with each request frame received (tests wait on these).
        self.observers: list[Callable[[bytes], None]] = []

    # ----------------------------------------------------------- config

    @property
    def address(self) -> int:
        return self.config[1][0]

    @property
    def baud(self) -> int:
        return c.BAUD_CODES.get(self.config[1][2], 38400)

    @property
    def only_new_tags(self) -> bool:
        return bool(self.config[5][11] & 0x01)

    @property
    def afi_filter(self) -> int | None:
        cfg4 = self.config[4]
        return cfg4[5] if cfg4[4] & 0x20 else None

    # ---------------------------------------------------------- framing

    def _record(self, direction: str, raw: bytes) -> None:
        if len(self.log) < self.log_limit:
            self.log.append((direction, raw))

    def handle(self, raw: bytes) -> bytes | None:
        self._record("rx", raw)
        for observer in list(self.observers):
            observer(raw)
        try:
            request = f.decode_request(raw)
        except FrameError:
            return None  # a FEIG reader ignores a damaged frame
        if request.address not in (f.BROADCAST, self.address):
            return None
        status, data = self._dispatch(request.command, request.data)
        p = self.personality
        advanced: bool | None = {"never": False, "always": True}.get(p.advanced_replies)
        if request.advanced:
            advanced = True
        try:
            reply = f.encode_reply(self.address, request.command, status, data, advanced)
        except FrameError:
            reply = f.encode_reply(self.address, request.command, 0x93)  # buffer overflow
        self._record("tx", reply)
        return reply

    def _dispatch(self, command: int, data: bytes) -> tuple[int, bytes]:
        handlers: dict[int, Callable[[bytes], tuple[int, bytes]]] = {
            c.Cmd.BAUD_DETECT: self._baud_detect, c.Cmd.SOFTWARE_VERSION: self._version,
            c.Cmd.READER_INFO: self._reader_info, c.Cmd.CPU_RESET: self._cpu_reset,
            c.Cmd.RF_RESET: self._rf_reset, c.Cmd.RF_ONOFF: self._rf_onoff,
            c.Cmd.SET_OUTPUTS: lambda d: (c.OK, b""),
            c.Cmd.READ_CONFIG: self._read_config, c.Cmd.WRITE_CONFIG: self._write_config,
            c.Cmd.SAVE_CONFIG: self._save_config, c.Cmd.RESET_CONFIG: self._reset_config,
            c.Cmd.ISO: self._iso, c.Cmd.CUSTOM: self._custom,
        }
        handler = handlers.get(command)
        if handler is None:
            return 0x80, b""
        try:
            return handler(data)
        except IndexError:
            return 0x81, b""  # request too short for its command

    # --------------------------------------------------- reader commands

    def _baud_detect(self, data: bytes) -> tuple[int, bytes]:
        return (c.OK, b"") if data == b"\x00" else (0x81, b"")

    def _version_bytes(self) -> bytes:
        p = self.personality
        return bytes([p.sw_rev >> 8, p.sw_rev & 0xFF, p.d_rev, p.hw_type, p.sw_type,
                      p.tr_type >> 8, p.tr_type & 0xFF])

    def _version(self, data: bytes) -> tuple[int, bytes]:
        return c.OK, self._version_bytes()

    def _reader_info(self, data: bytes) -> tuple[int, bytes]:
        if data[:1] != b"\x00":
            return 0x11, b""
        return c.OK, self._version_bytes() + bytes([0x04, 0x00, 0x04, 0x00])

    def _cpu_reset(self, data: bytes) -> tuple[int, bytes]:
        self.config = [bytearray(b) for b in self.eeprom]
        self._more = []
        self.pad.rf_reset()
        return c.OK, b""

    def _rf_reset(self, data: bytes) -> tuple[int, bytes]:
        self.pad.rf_reset()
        return c.OK, b""

    def _rf_onoff(self, data: bytes) -> tuple[int, bytes]:
        if data[0] not in (0, 1):
            return 0x11, b""
        if data[0] and not self.rf_on:
            self.pad.rf_reset()
        self.rf_on = bool(data[0])
        return c.OK, b""

    def _read_config(self, data: bytes) -> tuple[int, bytes]:
        address = data[0] & 0x3F
        source = self.eeprom if data[0] & 0x80 else self.config
        return c.OK, bytes(source[address])

    def _write_config(self, data: bytes) -> tuple[int, bytes]:
        block = data[1:1 + c.CONFIG_BLOCK_SIZE]
        if len(block) != c.CONFIG_BLOCK_SIZE:
            return 0x81, b""
        address = data[0] & 0x3F
        self.config[address][:] = block
        if data[0] & 0x80:
            self.eeprom[address][:] = block
        return c.OK, b""

    def _save_config(self, data: bytes) -> tuple[int, bytes]:
        targets = range(64) if data[0] & 0x40 else [data[0] & 0x3F]
        for address in targets:
            self.eeprom[address][:] = self.config[address]
        return c.OK, b""

    def _reset_config(self, data: bytes) -> tuple[int, bytes]:
        defaults = _default_config(self.personality)
        targets = range(64) if data[0] & 0x40 else [data[0] & 0x3F]
        for address in targets:
            self.config[address][:] = defaults[address]
        return c.OK, b""

    # ------------------------------------------------------ tag commands

    @staticmethod
    def _parse(data: bytes, has_mode: bool = True) -> _Request:
        sub, mode = data[0], data[1]
        if mode & 0x07 == c.MODE_ADDRESSED:
            uid = bytes(data[2:10])
            if len(uid) != 8:
                raise IndexError("UID cut short")
            return _Request(sub, mode, uid, bytes(data[10:]))
        return _Request(sub, mode, None, bytes(data[2:]))

    def _target(self, request: _Request) -> SimTag:
        return self.pad.target(request.uid, request.mode & 0x07 == c.MODE_SELECTED)

    def _iso(self, data: bytes) -> tuple[int, bytes]:
        if not self.rf_on:
            return c.NO_TRANSPONDER, b""
        request = self._parse(data)
        handlers: dict[int, Callable[[_Request], tuple[int, bytes]]] = {
            c.Iso.INVENTORY: self._inventory, c.Iso.READ_MULTIPLE: self._read,
            c.Iso.WRITE_MULTIPLE: self._write, c.Iso.LOCK_MULTIPLE: self._lock,
            c.Iso.WRITE_AFI: self._write_afi, c.Iso.LOCK_AFI: self._lock_afi,
            c.Iso.SYSTEM_INFO: self._system_info, c.Iso.RESET_TO_READY: self._reset_to_ready,
            c.Iso.STAY_QUIET: self._stay_quiet, c.Iso.SELECT: self._select,
        }
        handler = handlers.get(request.sub)
        if handler is None:
            return 0x80, b""
        try:
            return handler(request)
        except NoResponse as exc:
            return (c.RF_ERROR if exc.collision else c.NO_TRANSPONDER), b""
        except IsoError as exc:
            return c.ISO_ERROR, bytes([exc.code])

    def _inventory(self, request: _Request) -> tuple[int, bytes]:
        antenna_mode = bool(request.mode & c.MODE_ANT)
        if request.mode & c.MODE_MORE:
            records = self._more
        else:
            antennas = None
            if antenna_mode:
                mask = request.rest[0]
                antennas = [n for n in range(1, 9) if mask >> (n - 1) & 1]
            found = self.pad.inventory(self.afi_filter, antennas, self.only_new_tags)
            records = [bytes([0x03, p.tag.dsfid]) + p.tag.uid
                       + (bytes([p.antenna]) if antenna_mode else b"") for p in found]
        if not records:
            self._more = []
            return c.NO_TRANSPONDER, b""
        limit = self.personality.max_records
        now, self._more = records[:limit], records[limit:]
        status = c.MORE_DATA if self._more else c.OK
        return status, bytes([len(now)]) + b"".join(now)

    def _read(self, request: _Request) -> tuple[int, bytes]:
        first, count = request.rest[0], request.rest[1]
        tag = self._target(request)
        blocks = self.pad.read_blocks(tag, first, count, request.uid is not None)
        with_sec = bool(request.mode & c.MODE_SEC) or self.personality.sec_always
        out = bytearray([count, tag.chip.block_size])
        for locked, block in blocks:
            if with_sec:
                out.append(0x01 if locked else 0x00)
            out += c.reorder(block, self.personality.reverse_blocks)
        return c.OK, bytes(out)

    def _write(self, request: _Request) -> tuple[int, bytes]:
        first, count, size = request.rest[0], request.rest[1], request.rest[2]
        payload = request.rest[3:]
        if len(payload) != count * size:
            return 0x81, b""
        tag = self._target(request)
        if size != tag.chip.block_size:
            return c.ISO_ERROR, bytes([0x0F, first])
        for i in range(count):
            block = c.reorder(payload[i * size:(i + 1) * size], self.personality.reverse_blocks)
            try:
                self.pad.write_block(tag, first + i, block, request.uid is not None)
            except NoResponse:
                return c.WRITE_ERROR, bytes([first + i])
            except IsoError as exc:
                return c.ISO_ERROR, bytes([exc.code, first + i])
        return c.OK, b""

    def _lock(self, request: _Request) -> tuple[int, bytes]:
        first, count = request.rest[0], request.rest[1]
        tag = self._target(request)
        for block in range(first, first + count):
            try:
                self.pad.lock_block(tag, block)
            except IsoError as exc:
                return c.ISO_ERROR, bytes([exc.code, block])
        return c.OK, b""

    def _write_afi(self, request: _Request) -> tuple[int, bytes]:
        self.pad.write_afi(self._target(request), request.rest[0])
        return c.OK, b""

    def _lock_afi(self, request: _Request) -> tuple[int, bytes]:
        self.pad.lock_afi(self._target(request))
        return c.OK, b""

    def _system_info(self, request: _Request) -> tuple[int, bytes]:
        tag = self.pad.system_info(self._target(request))
        minus = 1 if self.personality.mem_raw else 0
        mem = bytes([(tag.chip.block_size - minus) & 0x1F, tag.chip.block_count - minus])
        return c.OK, (bytes([tag.dsfid]) + tag.uid + bytes([tag.afi]) + mem
                      + bytes([tag.chip.ic_ref]))

    def _reset_to_ready(self, request: _Request) -> tuple[int, bytes]:
        self.pad.reset_to_ready(request.uid)
        return c.OK, b""

    def _stay_quiet(self, request: _Request) -> tuple[int, bytes]:
        if request.uid is None:
            return 0x11, b""
        self.pad.stay_quiet(request.uid)
        return c.OK, b""

    def _select(self, request: _Request) -> tuple[int, bytes]:
        if request.uid is None:
            return 0x11, b""
        self.pad.select(request.uid)
        return c.OK, b""

    def _custom(self, data: bytes) -> tuple[int, bytes]:
        if not self.rf_on:
            return c.NO_TRANSPONDER, b""
        if data[0] != c.NXP_MFR:
            return 0x82, b""
        op = data[1]
        request = self._parse(data[1:])
        try:
            if op == c.Nxp.EAS_ALARM:
                return (c.OK if self.pad.eas_alarm() else c.NO_TRANSPONDER), b""
            tag = self._target(request)
            if op in (c.Nxp.SET_EAS, c.Nxp.RESET_EAS):
                self.pad.set_eas(tag, op == c.Nxp.SET_EAS)
            elif op == c.Nxp.LOCK_EAS:
                self.pad.lock_eas(tag)
            else:
                return 0x82, b""
        except NoResponse as exc:
            return (c.RF_ERROR if exc.collision else c.NO_TRANSPONDER), b""
        except IsoError as exc:
            return c.ISO_ERROR, bytes([exc.code])
        return c.OK, b""


def personality_from(value: str | dict[str, Any] | None) -> FeigPersonality:
    if value is None:
        return FeigPersonality()
    if isinstance(value, str):
        return load_personality(value)
    return FeigPersonality(**value)


__all__ = ["Faults", "FeigEmulator", "FeigPersonality", "load_personality", "personality_from"]
