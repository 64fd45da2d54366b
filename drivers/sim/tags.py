"""Simulated ISO 15693 tags with real memory: blocks, per-block lock bits,
AFI, DSFID (each lockable), NXP EAS, and the Ready / Quiet / Selected states
of ISO/IEC 15693-3. Chip sizes come from the chips' data sheets' user memory
(ICODE SLIX: 28 blocks of 4 bytes)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from drivers.rfid.errors import uid_hex

from .errors import IsoError, SimConfigError

NXP = 0x04


@dataclass(frozen=True, slots=True)
class Chip:
    name: str
    block_size: int
    block_count: int
    #: IC reference reported in system information (simulator value).
    ic_ref: int
    #: Whether the NXP custom EAS commands work.
    nxp_eas: bool


CHIPS: dict[str, Chip] = {
    "icode-slix": Chip("NXP ICODE SLIX", 4, 28, 0x01, True),
    "icode-sli": Chip("NXP ICODE SLI", 4, 28, 0x00, True),
    "icode-slix2": Chip("NXP ICODE SLIX2", 4, 79, 0x01, True),
    "tagit-hfi-plus": Chip("TI Tag-it HF-I Plus", 4, 64, 0x00, False),
    "st-lri2k": Chip("ST LRI2K", 4, 64, 0x20, False),
    "fujitsu-mb89r118": Chip("Fujitsu MB89R118", 8, 250, 0x00, False),
}


class TagState(enum.StrEnum):
    READY = "ready"
    QUIET = "quiet"
    SELECTED = "selected"


class SimTag:
    """One tag. Methods mirror the ISO 15693 commands and raise
    :class:`IsoError` with the code a real tag would send."""

    def __init__(self, uid: bytes, chip: str | Chip = "icode-slix", *, memory: bytes = b"",
                 afi: int = 0, dsfid: int = 0, eas: bool = False) -> None:
        if len(uid) != 8:
            raise SimConfigError(f"UID {uid.hex()}: 8 bytes expected")
        self.uid = bytes(uid)
        if isinstance(chip, str):
            if chip not in CHIPS:
                raise SimConfigError(f"unknown chip {chip!r}; known: {', '.join(sorted(CHIPS))}")
            chip = CHIPS[chip]
        self.chip = chip
        size = chip.block_size * chip.block_count
        if len(memory) > size:
            raise SimConfigError(f"{len(memory)} bytes do not fit {chip.name} ({size} bytes)")
        self.memory = bytearray(memory.ljust(size, b"\x00"))
        self.locked = [False] * chip.block_count
        self.afi, self.afi_locked = afi, False
        self.dsfid, self.dsfid_locked = dsfid, False
        self.eas, self.eas_locked = eas, False
        self.state = TagState.READY

    def __repr__(self) -> str:
        return f"SimTag({uid_hex(self.uid)}, {self.chip.name}, afi={self.afi:02X})"

    @property
    def is_nxp(self) -> bool:
        return self.uid[1] == NXP and self.chip.nxp_eas

    def _check_block(self, block: int) -> None:
        if not 0 <= block < self.chip.block_count:
            raise IsoError(0x10, block)

    def read_block(self, block: int) -> bytes:
        self._check_block(block)
        size = self.chip.block_size
        return bytes(self.memory[block * size:(block + 1) * size])

    def write_block(self, block: int, data: bytes) -> None:
        self._check_block(block)
        if len(data) != self.chip.block_size:
            raise IsoError(0x0F, block)
        if self.locked[block]:
            raise IsoError(0x12, block)
        size = self.chip.block_size
        self.memory[block * size:(block + 1) * size] = data

    def lock_block(self, block: int) -> None:
        self._check_block(block)
        if self.locked[block]:
            raise IsoError(0x11, block)
        self.locked[block] = True

    def write_afi(self, afi: int) -> None:
        if self.afi_locked:
            raise IsoError(0x12)
        self.afi = afi

    def lock_afi(self) -> None:
        if self.afi_locked:
            raise IsoError(0x11)
        self.afi_locked = True

    def write_dsfid(self, dsfid: int) -> None:
        if self.dsfid_locked:
            raise IsoError(0x12)
        self.dsfid = dsfid

    def set_eas(self, armed: bool) -> None:
        if not self.is_nxp:
            raise IsoError(0x01)
        if self.eas_locked:
            raise IsoError(0x12)
        self.eas = armed

    def lock_eas(self) -> None:
        if not self.is_nxp:
            raise IsoError(0x01)
        self.eas_locked = True

    # ---------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        chip = next((k for k, v in CHIPS.items() if v == self.chip), self.chip.name)
        return {"uid": uid_hex(self.uid), "chip": chip, "memory": self.memory.hex().upper(),
                "afi": self.afi, "dsfid": self.dsfid, "eas": self.eas,
                "locked_blocks": [i for i, lock in enumerate(self.locked) if lock],
                "afi_locked": self.afi_locked}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimTag:
        try:
            tag = cls(bytes.fromhex(data["uid"]), data.get("chip", "icode-slix"),
                      memory=bytes.fromhex(data.get("memory", "")), afi=int(data.get("afi", 0)),
                      dsfid=int(data.get("dsfid", 0)), eas=bool(data.get("eas", False)))
        except (KeyError, ValueError, TypeError) as exc:
            raise SimConfigError(f"tag {data!r}: {exc}") from None
        for block in data.get("locked_blocks", []):
            tag.locked[int(block)] = True
        tag.afi_locked = bool(data.get("afi_locked", False))
        return tag
