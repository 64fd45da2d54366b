"""FEIG ISO-Host commands: request payloads and reply parsers for the
commands the driver uses, and the status table.

Tag commands go under CMD 0xB0 (ISO 15693 host commands) or 0xB1 (custom
commands, NXP EAS), with the sub-command as the first data byte and then a
MODE byte: bits 2..0 are 000 non-addressed, 001 addressed (the 8-byte UID
follows, most significant byte first), 010 selected. Block data travels
byte-reversed within each block unless the reader is configured otherwise.

Points the manuals leave open are parameters here (and in the driver's URL
options): whether MEM counts are ISO raw values (minus one), the per-block
byte order, and the layout of the multi-antenna inventory.

Pure: standard library only, no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import LengthError, ProtocolError

UID_LENGTH = 8
CONFIG_BLOCK_SIZE = 14


class Cmd(enum.IntEnum):
    BAUD_DETECT = 0x52
    CPU_RESET = 0x63
    SOFTWARE_VERSION = 0x65
    READER_INFO = 0x66
    RF_RESET = 0x69
    RF_ONOFF = 0x6A
    SET_OUTPUTS = 0x71
    READ_CONFIG = 0x80
    WRITE_CONFIG = 0x81
    SAVE_CONFIG = 0x82
    RESET_CONFIG = 0x83
    ISO = 0xB0
    CUSTOM = 0xB1


class Iso(enum.IntEnum):
    """Sub-commands of 0xB0."""

    INVENTORY = 0x01
    STAY_QUIET = 0x02
    LOCK_MULTIPLE = 0x22
    READ_MULTIPLE = 0x23
    WRITE_MULTIPLE = 0x24
    SELECT = 0x25
    RESET_TO_READY = 0x26
    WRITE_AFI = 0x27
    LOCK_AFI = 0x28
    SYSTEM_INFO = 0x2B


class Nxp(enum.IntEnum):
    """NXP custom commands under 0xB1 0x04 (manufacturer code 04)."""

    SET_EAS = 0xA2
    RESET_EAS = 0xA3
    LOCK_EAS = 0xA4
    EAS_ALARM = 0xA5


NXP_MFR = 0x04

MODE_NON_ADDRESSED = 0x00
MODE_ADDRESSED = 0x01
MODE_SELECTED = 0x02
MODE_SEC = 0x08      # read multiple blocks: include each block's security status
MODE_ANT = 0x10      # inventory: antenna selection byte follows (multi-antenna readers)
MODE_MORE = 0x80     # inventory: fetch the rest of a list after status 94

OK = 0x00
NO_TRANSPONDER = 0x01
DATA_ERROR = 0x02
WRITE_ERROR = 0x03
ADDRESS_ERROR = 0x04
WRONG_TRANSPONDER = 0x05
RF_ERROR = 0x83
RF_WARNING = 0x84
MORE_DATA = 0x94
ISO_ERROR = 0x95

STATUS_NAMES: dict[int, str] = {
    0x00: "OK",
    0x01: "no transponder",
    0x02: "CRC or data error",
    0x03: "write error",
    0x04: "address error",
    0x05: "wrong transponder type",
    0x10: "EEPROM failure",
    0x11: "parameter out of range",
    0x80: "unknown command",
    0x81: "length error",
    0x82: "command not available",
    0x83: "RF communication error",
    0x84: "RF warning",
    0x93: "buffer overflow",
    0x94: "more data",
    0x95: "ISO 15693 error",
}

#: Statuses after which data follows.
DATA_STATUSES = frozenset({OK, RF_ERROR, MORE_DATA, ISO_ERROR})

#: Bytes of CFG1 byte 2 -> baud rate.
BAUD_CODES: dict[int, int] = {
    0x05: 4800, 0x06: 9600, 0x07: 19200, 0x08: 38400, 0x09: 57600, 0x0A: 115200,
    0x0B: 230400,
}


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, "unknown status")


def _mode_uid(uid: bytes | None, extra_mode: int = 0) -> bytes:
    if uid is None:
        return bytes([MODE_NON_ADDRESSED | extra_mode])
    if len(uid) != UID_LENGTH:
        raise ValueError(f"UID of {len(uid)} bytes; ISO 15693 UIDs have 8")
    return bytes([MODE_ADDRESSED | extra_mode]) + uid


def reorder(block: bytes, reverse: bool) -> bytes:
    """One block between tag order and wire order (the same operation both ways)."""
    return block[::-1] if reverse else block


# ---------------------------------------------------------------- requests

def inventory(more: bool = False, antennas: int | None = None) -> bytes:
    mode = MODE_MORE if more else 0
    if antennas is None:
        return bytes([Iso.INVENTORY, mode])
    return bytes([Iso.INVENTORY, mode | MODE_ANT, antennas & 0xFF])


def read_multiple(uid: bytes | None, first: int, count: int, security: bool = False) -> bytes:
    return (bytes([Iso.READ_MULTIPLE]) + _mode_uid(uid, MODE_SEC if security else 0)
            + bytes([first, count]))


def write_multiple(uid: bytes | None, first: int, blocks: list[bytes], block_size: int,
                   reverse: bool = True) -> bytes:
    payload = b"".join(reorder(block, reverse) for block in blocks)
    return (bytes([Iso.WRITE_MULTIPLE]) + _mode_uid(uid)
            + bytes([first, len(blocks), block_size]) + payload)


def lock_multiple(uid: bytes | None, first: int, count: int) -> bytes:
    return bytes([Iso.LOCK_MULTIPLE]) + _mode_uid(uid) + bytes([first, count])


def write_afi(uid: bytes | None, afi: int) -> bytes:
    return bytes([Iso.WRITE_AFI]) + _mode_uid(uid) + bytes([afi])


def lock_afi(uid: bytes | None) -> bytes:
    return bytes([Iso.LOCK_AFI]) + _mode_uid(uid)


def system_info(uid: bytes | None) -> bytes:
    return bytes([Iso.SYSTEM_INFO]) + _mode_uid(uid)


def reset_to_ready(uid: bytes | None = None) -> bytes:
    return bytes([Iso.RESET_TO_READY]) + _mode_uid(uid)


def stay_quiet(uid: bytes) -> bytes:
    return bytes([Iso.STAY_QUIET]) + _mode_uid(uid)


def select(uid: bytes) -> bytes:
    return bytes([Iso.SELECT]) + _mode_uid(uid)


def nxp(op: Nxp, uid: bytes | None) -> bytes:
    return bytes([NXP_MFR, op]) + _mode_uid(uid)


def read_config(address: int, eeprom: bool = False) -> bytes:
    return bytes([(address & 0x3F) | (0x80 if eeprom else 0)])


def write_config(address: int, block: bytes, eeprom: bool = False) -> bytes:
    if len(block) != CONFIG_BLOCK_SIZE:
        raise ValueError(f"config block of {len(block)} bytes; FEIG blocks have 14")
    return read_config(address, eeprom) + block


# ------------------------------------------------------------------ replies

@dataclass(frozen=True, slots=True)
class InventoryRecord:
    tr_type: int
    dsfid: int
    uid: bytes
    antenna: int = 1


def parse_inventory(data: bytes, antenna_mode: bool = False) -> list[InventoryRecord]:
    """``N`` then N records ``TR-TYPE DSFID UID(8)`` (plus ``ANT`` with the
    multi-antenna layout). Offsets in errors count from the reply's data."""
    if not data:
        raise LengthError(0, "inventory reply without a record count")
    count = data[0]
    size = 10 + (1 if antenna_mode else 0)
    if len(data) != 1 + count * size:
        raise LengthError(0, f"inventory says {count} records of {size} bytes, "
                             f"{len(data) - 1} bytes follow")
    records = []
    for i in range(count):
        at = 1 + i * size
        antenna = data[at + 10] if antenna_mode else 1
        records.append(InventoryRecord(data[at], data[at + 1], bytes(data[at + 2:at + 10]),
                                       antenna))
    return records


@dataclass(frozen=True, slots=True)
class BlocksReply:
    block_size: int
    blocks: list[bytes]
    #: Security status byte of each block (bit 0: locked), when it came.
    security: list[int] | None


def parse_read_multiple(data: bytes, reverse: bool = True) -> BlocksReply:
    """``DB-N DB-SIZE`` then per block ``[SEC] data``. Whether SEC bytes are
    present is read from the length (readers differ)."""
    if len(data) < 2:
        raise LengthError(0, "read reply without DB-N and DB-SIZE")
    count, size = data[0], data[1]
    body = data[2:]
    if len(body) == count * size:
        step, has_sec = size, False
    elif len(body) == count * (size + 1):
        step, has_sec = size + 1, True
    else:
        raise LengthError(2, f"{count} blocks of {size} bytes do not fit {len(body)} bytes")
    blocks, security = [], []
    for i in range(count):
        chunk = body[i * step:(i + 1) * step]
        if has_sec:
            security.append(chunk[0])
            chunk = chunk[1:]
        blocks.append(reorder(bytes(chunk), reverse))
    return BlocksReply(size, blocks, security if has_sec else None)


@dataclass(frozen=True, slots=True)
class SystemInfoReply:
    dsfid: int
    uid: bytes
    afi: int
    block_size: int
    block_count: int
    ic_ref: int


def parse_system_info(data: bytes, mem_raw: bool = True) -> SystemInfoReply:
    """``DSFID UID(8) AFI MEM(2) IC-REF``; MEM is block size (bits 4..0) then
    block count. ``mem_raw``: the reader passes the tag's ISO values, which
    are one less than the true numbers."""
    if len(data) != 13:
        raise LengthError(0, f"system information has {len(data)} bytes, 13 expected")
    plus = 1 if mem_raw else 0
    return SystemInfoReply(data[0], bytes(data[1:9]), data[9], (data[10] & 0x1F) + plus,
                           data[11] + plus, data[12])


@dataclass(frozen=True, slots=True)
class SoftwareVersion:
    sw_rev: int
    d_rev: int
    hw_type: int
    sw_type: int
    tr_type: int

    MODELS = {0x31: "ID ISC.M02", 0x76: "ID ISC.MR101-A", 0x77: "ID ISC.MR102",
              0x78: "ID ISC.MR101-U", 0x80: "ID CPR.M02"}

    @property
    def model(self) -> str:
        return self.MODELS.get(self.sw_type, f"FEIG SW-TYPE {self.sw_type:02X}")

    @property
    def firmware(self) -> str:
        return f"{self.sw_rev >> 8:02X}.{self.sw_rev & 0xFF:02X}.{self.d_rev:02X}"


def parse_software_version(data: bytes) -> SoftwareVersion:
    if len(data) < 7:
        raise LengthError(0, f"software version has {len(data)} bytes, 7 expected")
    return SoftwareVersion(data[0] << 8 | data[1], data[2], data[3], data[4],
                           data[5] << 8 | data[6])


def parse_config(data: bytes) -> bytes:
    if len(data) != CONFIG_BLOCK_SIZE:
        raise LengthError(0, f"config block has {len(data)} bytes, 14 expected")
    return data


def failing_block(status: int, data: bytes) -> tuple[int | None, int | None]:
    """(block, ISO error) carried by a write or lock error reply: status 03
    carries the failing block; 95 carries the tag's ISO error, then the block."""
    if status == WRITE_ERROR:
        return (data[0] if data else None), None
    if status == ISO_ERROR:
        return (data[1] if len(data) > 1 else None), (data[0] if data else None)
    return None, None


def expect_reply(command: int, sent: int) -> None:
    if command != sent:
        raise ProtocolError(f"reply to command {command:02X}, {sent:02X} was sent")
