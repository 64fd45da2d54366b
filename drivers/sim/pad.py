"""A virtual RFID pad: the field of a reader's antennas with simulated tags
in it, the ISO 15693 operations a reader performs on the air, an optional
timing model, and failure modes.

Each operation here is what one ISO 15693 request does (inventory rounds
with anticollision, read, write, lock, AFI, EAS, quiet/ready states). When a
timing model is given, :attr:`VirtualPad.air_s` accumulates the air time
that a real exchange would take (ISO/IEC 15693-2 rates, see
:class:`drivers.rfid.iso15693.AirTiming`); reader emulators sleep for it.

Failure modes:

* ``remove_during_write(uid, after_blocks)``: the next write to the tag
  stores ``after_blocks`` blocks, then the tag leaves the field.
* ``fail_writes(uid, block, times, iso_error)``: writes to ``block`` fail with
  the ISO error (0x13 "not successfully programmed" by default).
* ``place(tag, weak=p)``: a weak tag misses each answer with probability p
  (seeded, so a run repeats).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drivers.rfid.iso15693 import UID_LENGTH, AirTiming, afi_matches

from .errors import IsoError, NoResponse
from .tags import SimTag, TagState

#: A Get System Information response with every field: flags, info flags, UID,
#: DSFID, AFI, memory size (2), IC reference.
SYSTEM_INFO_BYTES = 15


@dataclass(slots=True)
class Placement:
    tag: SimTag
    antenna: int = 1
    weak: float = 0.0


@dataclass(slots=True)
class _WriteFault:
    block: int | None
    times: int
    iso_error: int
    remove_after: int | None = None


class VirtualPad:
    """The simulated field. ``listeners`` are called with ``("placed"|"removed",
    uid)`` so a demo can show what is on the pad."""

    def __init__(self, timing: AirTiming | None = None, seed: int = 15693,
                 antennas: int = 1) -> None:
        self.timing = timing
        self.antennas = antennas
        self.air_s = 0.0
        self._placed: dict[bytes, Placement] = {}
        self._faults: dict[bytes, list[_WriteFault]] = {}
        self._rng = random.Random(seed)
        self.listeners: list[Callable[[str, bytes], None]] = []

    # ------------------------------------------------------------ placement

    def place(self, tag: SimTag, antenna: int = 1, weak: float = 0.0) -> SimTag:
        """Put ``tag`` on the pad (a tag entering the field powers up Ready)."""
        tag.state = TagState.READY
        self._placed[tag.uid] = Placement(tag, antenna, weak)
        for listener in self.listeners:
            listener("placed", tag.uid)
        return tag

    def remove(self, uid: bytes) -> SimTag | None:
        placement = self._placed.pop(uid, None)
        self._faults.pop(uid, None)
        if placement is not None:
            for listener in self.listeners:
                listener("removed", uid)
        return placement.tag if placement else None

    def clear(self) -> None:
        for uid in list(self._placed):
            self.remove(uid)

    def __contains__(self, uid: object) -> bool:
        return uid in self._placed

    @property
    def tags(self) -> list[SimTag]:
        return [p.tag for p in self._placed.values()]

    def placement(self, uid: bytes) -> Placement | None:
        return self._placed.get(uid)

    # ------------------------------------------------------- failure modes

    def remove_during_write(self, uid: bytes, after_blocks: int = 1) -> None:
        self._faults.setdefault(uid, []).append(_WriteFault(None, 1, 0, after_blocks))

    def fail_writes(self, uid: bytes, block: int, times: int = 1, iso_error: int = 0x13) -> None:
        self._faults.setdefault(uid, []).append(_WriteFault(block, times, iso_error))

    # ----------------------------------------------------------- timing

    def _spend(self, seconds: float) -> None:
        self.air_s += seconds

    def take_air_time(self) -> float:
        spent, self.air_s = self.air_s, 0.0
        return spent

    # ------------------------------------------------------ tag selection

    def _answers(self, placement: Placement) -> bool:
        return placement.weak <= 0 or self._rng.random() >= placement.weak

    def _field(self, antennas: Iterable[int] | None) -> list[Placement]:
        wanted = set(antennas) if antennas is not None else None
        return [p for p in self._placed.values() if wanted is None or p.antenna in wanted]

    def addressed(self, uid: bytes) -> SimTag:
        """The tag an addressed command reaches (quiet tags answer these)."""
        placement = self._placed.get(uid)
        if placement is None or not self._answers(placement):
            raise NoResponse("no tag with this UID answers")
        return placement.tag

    def single(self) -> SimTag:
        """The tag a non-addressed command reaches: exactly one ready tag."""
        ready = [p for p in self._placed.values() if p.tag.state is not TagState.QUIET]
        if not ready:
            raise NoResponse("no tag in the field")
        if len(ready) > 1:
            raise NoResponse("several tags answered", collision=True)
        if not self._answers(ready[0]):
            raise NoResponse("the tag did not answer")
        return ready[0].tag

    def selected(self) -> SimTag:
        for placement in self._placed.values():
            if placement.tag.state is TagState.SELECTED:
                return placement.tag
        raise NoResponse("no tag is selected")

    def target(self, uid: bytes | None, selected: bool = False) -> SimTag:
        if selected:
            return self.selected()
        return self.single() if uid is None else self.addressed(uid)

    # -------------------------------------------------------- operations

    def inventory(self, afi: int | None = None, antennas: Iterable[int] | None = None,
                  quiet_found: bool = False) -> list[Placement]:
        """A full inventory with anticollision: every ready tag whose AFI
        matches answers (weak tags may miss). With ``quiet_found`` each tag
        found is sent Stay Quiet, as a reader does with "only new tags"."""
        candidates = [p for p in self._field(antennas)
                      if p.tag.state is not TagState.QUIET
                      and (afi is None or afi_matches(afi, p.tag.afi))]
        found = [p for p in candidates if self._answers(p)]
        if self.timing is not None:
            self._spend(self._anticollision_s([p.tag.uid for p in found], afi is not None))
            if quiet_found:
                self._spend(len(found) * (self.timing.request_s(2 + UID_LENGTH) + 2 * 0.0003))
        if quiet_found:
            for placement in found:
                placement.tag.state = TagState.QUIET
        return found

    def _anticollision_s(self, uids: list[bytes], with_afi: bool) -> float:
        assert self.timing is not None
        total, rounds = 0.0, [(0, uids)]
        while rounds:
            bits, members = rounds.pop(0)
            slots: list[list[bytes]] = [[] for _ in range(16)]
            for uid in members:
                slots[int.from_bytes(uid, "big") >> bits & 0xF].append(uid)
            total += self.timing.inventory_s([len(s) for s in slots], with_afi, bits)
            rounds += [(bits + 4, s) for s in slots if len(s) > 1 and bits + 4 < 64]
        return total

    def reset_to_ready(self, uid: bytes | None = None) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(2 + (UID_LENGTH if uid else 0), 1))
        if uid is None:
            for placement in self._placed.values():
                placement.tag.state = TagState.READY
        else:
            self.addressed(uid).state = TagState.READY

    def stay_quiet(self, uid: bytes) -> None:
        if self.timing is not None:
            self._spend(self.timing.request_s(2 + UID_LENGTH))
        placement = self._placed.get(uid)
        if placement is not None:
            placement.tag.state = TagState.QUIET

    def select(self, uid: bytes) -> None:
        tag = self.addressed(uid)
        for placement in self._placed.values():
            if placement.tag.state is TagState.SELECTED:
                placement.tag.state = TagState.READY
        tag.state = TagState.SELECTED
        if self.timing is not None:
            self._spend(self.timing.exchange_s(2 + UID_LENGTH, 1))

    def rf_reset(self) -> None:
        """Field off and on: every tag powers up Ready."""
        for placement in self._placed.values():
            placement.tag.state = TagState.READY
        if self.timing is not None:
            self._spend(0.015)

    def read_blocks(self, tag: SimTag, first: int, count: int,
                    addressed: bool = True) -> list[tuple[bool, bytes]]:
        """(locked, data) of each block, in tag order."""
        out = [(tag.locked[b] if 0 <= b < len(tag.locked) else False, tag.read_block(b))
               for b in range(first, first + count)]
        if self.timing is not None:
            self._spend(self.timing.read_blocks_s(count, tag.chip.block_size, addressed))
        return out

    def write_block(self, tag: SimTag, block: int, data: bytes, addressed: bool = True) -> None:
        """One Write Single Block, with the failure modes applied."""
        if self.timing is not None:
            self._spend(self.timing.write_block_s(tag.chip.block_size, addressed))
        faults = self._faults.get(tag.uid, [])
        for fault in list(faults):
            if fault.remove_after is not None:
                if fault.remove_after <= 0:
                    self.remove(tag.uid)
                    raise NoResponse("the tag left the field during the write")
                fault.remove_after -= 1
            elif fault.block == block:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
                raise IsoError(fault.iso_error, block)
        if tag.uid not in self._placed:
            raise NoResponse("the tag is not in the field")
        tag.write_block(block, data)

    def lock_block(self, tag: SimTag, block: int) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(3 + UID_LENGTH, 1, write=True))
        tag.lock_block(block)

    def write_afi(self, tag: SimTag, afi: int) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(3 + UID_LENGTH, 1, write=True))
        tag.write_afi(afi)

    def lock_afi(self, tag: SimTag) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(2 + UID_LENGTH, 1, write=True))
        tag.lock_afi()

    def system_info(self, tag: SimTag) -> SimTag:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(2 + UID_LENGTH, SYSTEM_INFO_BYTES))
        return tag

    def set_eas(self, tag: SimTag, armed: bool) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(3 + UID_LENGTH, 1, write=True))
        tag.set_eas(armed)

    def lock_eas(self, tag: SimTag) -> None:
        if self.timing is not None:
            self._spend(self.timing.exchange_s(3 + UID_LENGTH, 1, write=True))
        tag.lock_eas()

    def eas_alarm(self, antennas: Iterable[int] | None = None) -> bool:
        """Whether any armed NXP tag in the field answers EAS Alarm."""
        armed = [p for p in self._field(antennas)
                 if p.tag.is_nxp and p.tag.eas and self._answers(p)]
        if self.timing is not None:
            self._spend(self.timing.exchange_s(3, 33 if armed else None))
        return bool(armed)
