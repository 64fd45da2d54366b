"""ISO/IEC 15693 facts shared by the reader drivers and the simulator: UIDs,
AFI matching (15693-3, 6.3 and table 14), the tags' error codes (15693-3,
table 7) and an air-time model built from the data rates of 15693-2.

Standard library only.

Air-time model (15693-2, fc = 13.56 MHz; high data rate, one subcarrier):

* reader to tag, 1-out-of-4 coding: 26.48 kbit/s (37.76 us per bit), SOF
  75.52 us, EOF 37.76 us;
* tag to reader: 26.69 kbit/s (37.76 us per bit), SOF and EOF about 151 us each;
* tag response delay t1 = 4352/fc (320.9 us), reader wait after a response
  t2 = 4192/fc (309.1 us), empty inventory slot t3 = 4384/fc (323.3 us);
* a write (Option_flag clear) answers once the EEPROM is programmed; chips
  take a few milliseconds (``write_time_s``, 5 ms by default).

Frames on the air carry a 2-byte CRC, counted here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import LengthError, ReaderConfigError

UID_LENGTH = 8

#: Error codes a tag sends with the Error_flag set (ISO/IEC 15693-3, table 7).
ISO_ERRORS: dict[int, str] = {
    0x01: "command not supported",
    0x02: "command not recognized",
    0x03: "option not supported",
    0x0F: "unknown error",
    0x10: "block not available",
    0x11: "block already locked",
    0x12: "block locked, cannot be changed",
    0x13: "block not successfully programmed",
    0x14: "block not successfully locked",
}

#: Manufacturer codes (ISO/IEC 7816-6) in UID byte 1, for display.
MANUFACTURERS: dict[int, str] = {
    0x02: "STMicroelectronics", 0x04: "NXP", 0x05: "Infineon", 0x07: "Texas Instruments",
    0x08: "Fujitsu", 0x16: "EM Microelectronic", 0x17: "Renesas",
}

_HEX_SEPARATORS = re.compile(r"[\s:.-]")


def parse_uid(text: str) -> bytes:
    """``"E0 04 01 50 00 00 00 01"`` or ``"e004015000000001"`` -> 8 bytes, most
    significant (``E0``) first, as UIDs are printed and sent to FEIG readers."""
    digits = _HEX_SEPARATORS.sub("", text)
    try:
        uid = bytes.fromhex(digits)
    except ValueError:
        raise ReaderConfigError(f"UID {text!r}: not hexadecimal") from None
    if len(uid) != UID_LENGTH:
        raise ReaderConfigError(f"UID {text!r}: {len(uid)} bytes, an ISO 15693 UID has 8")
    return uid


def manufacturer(uid: bytes) -> str:
    """The chip maker named by the UID (byte 1 after the E0 prefix)."""
    if len(uid) == UID_LENGTH and uid[0] == 0xE0:
        return MANUFACTURERS.get(uid[1], f"0x{uid[1]:02X}")
    return "unknown"


def afi_matches(requested: int, tag_afi: int) -> bool:
    """Whether a tag with ``tag_afi`` answers an inventory asking for
    ``requested`` (15693-3 table 14: a 0 nibble in the request is a wildcard
    for the family; family 0 selects proprietary sub-families only)."""
    if requested == 0:
        return True
    family, sub = requested >> 4, requested & 0x0F
    if family == 0:
        return tag_afi == requested
    if sub == 0:
        return tag_afi >> 4 == family
    return tag_afi == requested


def check_byte(name: str, value: int) -> int:
    if not 0 <= value <= 0xFF:
        raise ReaderConfigError(f"{name} {value} is not a byte (0..255)")
    return value


# ------------------------------------------------------------------ air time

FC_HZ = 13_560_000.0
BIT_S = 512 / FC_HZ                 # 37.76 us, both directions at high data rate
VCD_SOF_S = 1024 / FC_HZ            # 75.52 us
VCD_EOF_S = 512 / FC_HZ             # 37.76 us
VICC_SOF_S = 2048 / FC_HZ           # about 151 us
VICC_EOF_S = 2048 / FC_HZ
T1_S = 4352 / FC_HZ                 # tag response delay
T2_S = 4192 / FC_HZ                 # reader wait after a response
T3_S = 4384 / FC_HZ                 # empty slot
CRC_BYTES = 2


@dataclass(frozen=True, slots=True)
class AirTiming:
    """Durations of ISO 15693 exchanges on the air, in seconds."""

    write_time_s: float = 0.005

    @staticmethod
    def request_s(data_bytes: int) -> float:
        """Reader to tag: SOF, ``data_bytes`` + CRC, EOF."""
        return VCD_SOF_S + (data_bytes + CRC_BYTES) * 8 * BIT_S + VCD_EOF_S

    @staticmethod
    def response_s(data_bytes: int) -> float:
        """Tag to reader: SOF, ``data_bytes`` + CRC, EOF."""
        return VICC_SOF_S + (data_bytes + CRC_BYTES) * 8 * BIT_S + VICC_EOF_S

    def exchange_s(self, request_bytes: int, response_bytes: int | None,
                   write: bool = False) -> float:
        """One request and its response (None: no tag answered)."""
        total = self.request_s(request_bytes) + T1_S
        if write:
            total += self.write_time_s
        if response_bytes is None:
            return total + T3_S
        return total + self.response_s(response_bytes) + T2_S

    def inventory_s(self, slots: Iterable[int], with_afi: bool = False,
                    mask_bits: int = 0) -> float:
        """One 16-slot inventory round. ``slots`` gives, for each of the 16
        slots, how many tags answer in it (0 empty, 1 read, 2+ collision)."""
        request = 3 + (1 if with_afi else 0) + (mask_bits + 7) // 8
        total = self.request_s(request)
        for index, answering in enumerate(slots):
            if index:
                total += VCD_EOF_S  # the reader's EOF opens the next slot
            if answering == 0:
                total += T1_S + T3_S
            else:  # one answer or several colliding: the slot lasts one response
                total += T1_S + self.response_s(10) + T2_S
        return total

    def read_blocks_s(self, count: int, block_size: int, addressed: bool = True,
                      security: bool = False) -> float:
        request = 2 + (UID_LENGTH if addressed else 0) + 2
        response = 1 + count * (block_size + (1 if security else 0))
        return self.exchange_s(request, response)

    def write_block_s(self, block_size: int, addressed: bool = True) -> float:
        request = 2 + (UID_LENGTH if addressed else 0) + 1 + block_size
        return self.exchange_s(request, 1, write=True)

    def stack_read_floor_s(self, tags: int, blocks: int, block_size: int) -> float:
        """The least air time to find ``tags`` tags and read ``blocks`` blocks
        of each: one inventory round in which every tag has a slot of its own,
        then one addressed Read Multiple Blocks per tag."""
        if tags > 16:
            raise ValueError("the floor model covers one 16-slot round (at most 16 tags)")
        slots = [1] * tags + [0] * (16 - tags)
        return self.inventory_s(slots) + tags * self.read_blocks_s(blocks, block_size)


# ------------------------------------------------- request / response frames
# ISO/IEC 15693-3 clause 7: request = flags, command, [IC manufacturer code
# for custom commands], [UID, least significant byte first], parameters;
# response = flags (bit 0: error) then the error code or the data. The 2-byte
# CRC is added and checked by the reader chip, so it is not part of these.

FLAG_HIGH_RATE = 0x02
FLAG_INVENTORY = 0x04
FLAG_AFI = 0x10            # inventory requests
FLAG_ONE_SLOT = 0x20       # inventory requests
FLAG_SELECTED = 0x10       # other requests
FLAG_ADDRESSED = 0x20      # other requests
FLAG_OPTION = 0x40
RESPONSE_ERROR = 0x01

INVENTORY = 0x01
STAY_QUIET = 0x02
READ_SINGLE = 0x20
WRITE_SINGLE = 0x21
LOCK_BLOCK = 0x22
READ_MULTIPLE = 0x23
SELECT = 0x25
RESET_TO_READY = 0x26
WRITE_AFI = 0x27
LOCK_AFI = 0x28
WRITE_DSFID = 0x29
GET_SYSTEM_INFO = 0x2B
NXP_SET_EAS = 0xA2
NXP_RESET_EAS = 0xA3
NXP_LOCK_EAS = 0xA4
NXP_EAS_ALARM = 0xA5
NXP_MFR = 0x04


def encode_request(command: int, uid: bytes | None = None, params: bytes = b"",
                   mfr: int | None = None, option: bool = False) -> bytes:
    """A non-inventory request; ``uid`` (MSB first) makes it addressed."""
    flags = FLAG_HIGH_RATE | (FLAG_ADDRESSED if uid else 0) | (FLAG_OPTION if option else 0)
    out = bytearray([flags, command])
    if mfr is not None:
        out.append(mfr)
    if uid:
        out += uid[::-1]
    return bytes(out + params)


def encode_inventory(afi: int | None = None) -> bytes:
    """A one-slot inventory (what a single-tag desktop reader sends)."""
    flags = FLAG_HIGH_RATE | FLAG_INVENTORY | FLAG_ONE_SLOT | (FLAG_AFI if afi is not None else 0)
    return bytes([flags, INVENTORY]) + (bytes([afi]) if afi is not None else b"") + b"\x00"


@dataclass(frozen=True, slots=True)
class Request:
    flags: int
    command: int
    mfr: int | None
    uid: bytes | None          # MSB first
    params: bytes


def decode_request(data: bytes, custom: frozenset[int] = frozenset(range(0xA0, 0xE0))
                   ) -> Request:
    """The device side: split a request (custom commands carry a
    manufacturer code byte before the UID)."""
    if len(data) < 2:
        raise LengthError(len(data), "an ISO 15693 request has flags and a command")
    flags, command = data[0], data[1]
    at = 2
    mfr = None
    if command in custom:
        if len(data) < 3:
            raise LengthError(2, "custom command without a manufacturer code")
        mfr, at = data[2], 3
    uid = None
    if not flags & FLAG_INVENTORY and flags & FLAG_ADDRESSED:
        if len(data) < at + UID_LENGTH:
            raise LengthError(at, "addressed request cut short in the UID")
        uid = bytes(data[at:at + UID_LENGTH])[::-1]
        at += UID_LENGTH
    return Request(flags, command, mfr, uid, bytes(data[at:]))


def decode_response(data: bytes) -> tuple[int | None, bytes]:
    """(ISO error code or None, payload) of a tag's response."""
    if not data:
        raise LengthError(0, "empty ISO 15693 response")
    if data[0] & RESPONSE_ERROR:
        if len(data) < 2:
            raise LengthError(1, "error response without an error code")
        return data[1], b""
    return None, bytes(data[1:])


def parse_system_info(payload: bytes) -> tuple[bytes, int | None, int | None, int | None,
                                               int | None, int | None]:
    """(UID MSB first, DSFID, AFI, block size, block count, IC reference)
    from a Get System Information response payload (after the flags)."""
    if len(payload) < 1 + UID_LENGTH:
        raise LengthError(1, "system information shorter than info flags and UID")
    info, uid = payload[0], bytes(payload[1:9])[::-1]
    at = 9
    fields: list[int | None] = []
    for bit, width in ((0x01, 1), (0x02, 1), (0x04, 2), (0x08, 1)):
        if info & bit:
            if len(payload) < at + width:
                raise LengthError(at + 1, "system information cut short")
            fields.append(int.from_bytes(payload[at:at + width], "little") if width == 1
                          else payload[at] << 8 | payload[at + 1])
            at += width
        else:
            fields.append(None)
    dsfid, afi, memory, ic_ref = fields
    block_count = block_size = None
    if memory is not None:
        block_count, block_size = (memory >> 8) + 1, (memory & 0x1F) + 1
    return uid, dsfid, afi, block_size, block_count, ic_ref


def encode_system_info(uid: bytes, dsfid: int, afi: int, block_size: int, block_count: int,
                       ic_ref: int) -> bytes:
    """The payload a tag sends (device side of :func:`parse_system_info`)."""
    return bytes([0x0F]) + uid[::-1] + bytes([dsfid, afi, block_count - 1,
                                              (block_size - 1) & 0x1F, ic_ref])
