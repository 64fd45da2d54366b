"""Finding secured items in the gate's field, once per pass.

Each poll is one inventory on the gate's antennas (with the AFI filter at
AFI-only sites, so books on loan do not even answer) and, at EAS sites, one
NXP EAS Alarm. A tag seen for the first time in this pass is judged by the
site's :class:`~drivers.tags.security.SecurityPolicy`: its AFI read from
Get System Information (the inventory's AFI match is by family, so the AFI
itself is checked), its EAS from the EAS answer when it is the only tag in
the field. The verdict is remembered while the tag stays around, so one
pass is one alarm: a tag alarms again only after it has been out of the
field for ``rearm_after_s``.

An EAS answer that no tag explains (several tags in the field, or EAS-only
tags that are not ISO 28560) sounds at once and, if no tag explains it
within ``eas_grace_polls`` polls, is an alarm without an item, once per EAS
pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from drivers.rfid import InventoryTag, Reader, TagError, uid_hex
from drivers.tags.security import SecurityPolicy, SecurityState

log = logging.getLogger(__name__)

Security = Literal["afi", "eas"]


@dataclass(frozen=True, slots=True)
class Detection:
    """A secured item found in the field. ``uid`` is None for an EAS alarm
    that no single tag explains."""

    uid: bytes | None
    antenna: int | None
    security: Security
    afi: int | None
    dsfid: int | None
    #: ``time.monotonic()`` and ``time.time()`` of the poll that found it.
    at: float
    wall: float


@dataclass(slots=True)
class _Known:
    alarmed: bool
    last_seen: float


@dataclass
class PollResult:
    #: Items that alarm now (first seen in this pass).
    new: list[Detection] = field(default_factory=list)
    #: An alarmed item is still in the field.
    still_alarmed: bool = False
    #: Tags the inventory returned.
    tags: int = 0


@dataclass(frozen=True)
class DetectorOptions:
    rearm_after_s: float = 10.0
    afi_filter: bool = True
    alarm_unknown_afi: bool = False
    #: Polls an EAS answer may stay unexplained by a tag before it is
    #: reported as an alarm without an item (the light is on meanwhile).
    eas_grace_polls: int = 3


class Detector:
    def __init__(self, reader: Reader, policy: SecurityPolicy,
                 options: DetectorOptions | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.reader = reader
        self.policy = policy
        self.options = options or DetectorOptions()
        self._clock = clock
        self._wall = wall_clock
        self._known: dict[bytes, _Known] = {}
        #: Called at once with each detection, before the poll ends (with
        #: None for an EAS answer not yet tied to a tag).
        self.on_detect: Callable[[Detection | None], None] | None = None
        self._eas_unexplained = 0
        self._eas_last: float | None = None
        self._eas_alarmed = False
        #: Counts since start, for status and benchmarks.
        self.classified = 0
        self.polls = 0

    @property
    def inventory_afi(self) -> int | None:
        """The AFI the inventory asks for, or None for every tag."""
        policy = self.policy
        if self.options.afi_filter and policy.use_afi and not policy.use_eas:
            return policy.afi_secured
        return None

    async def poll(self) -> PollResult:
        """One inventory (and EAS alarm) and what it means. Reader errors
        (transport, tag) propagate; a tag that stops answering half-way is
        judged again at the next poll."""
        tags = await self.reader.inventory(self.inventory_afi)
        eas_any = await self.reader.eas_alarm() if self.policy.use_eas else None
        now, wall = self._clock(), self._wall()
        self.polls += 1
        result = PollResult(tags=len(tags))
        explained = False
        for tag in tags:
            known = self._known.get(tag.uid)
            if known is not None:
                known.last_seen = now
                if known.alarmed:
                    result.still_alarmed = explained = True
                continue
            verdict = await self._judge(tag, eas_any, len(tags), now, wall)
            if verdict is None:
                continue  # not decided yet (tag gone, EAS ambiguous): try at the next poll
            self._known[tag.uid] = _Known(verdict is not False, now)
            if verdict is not False:
                result.new.append(verdict)
                explained = True
        self._eas_pass(eas_any, explained, now, wall, result)
        self._forget(now)
        return result

    async def _judge(self, tag: InventoryTag, eas_any: bool | None, count: int, now: float,
                     wall: float) -> Detection | Literal[False] | None:
        """A Detection if the tag alarms, False if it does not, None if
        it cannot be told yet."""
        policy = self.policy
        afi: int | None = None
        if policy.use_afi:
            try:
                afi = (await self.reader.system_info(tag.uid)).afi
            except TagError as exc:
                log.debug("tag left before its AFI was read",
                          extra={"fields": {"uid": uid_hex(tag.uid), "error": str(exc)}})
                return None
        eas: bool | None = None
        if policy.use_eas and eas_any is not None:
            # EAS Alarm is not addressed: its answer is this tag's only when
            # the tag is alone in the field (or when nothing answered at all)
            eas = eas_any if (count == 1 or not eas_any) else None
        self.classified += 1
        verdict = self._verdict(afi, eas)
        if verdict is None or verdict is False:
            return verdict
        detection = Detection(tag.uid, tag.antenna, verdict, afi, tag.dsfid, now, wall)
        if self.on_detect is not None:
            self.on_detect(detection)  # the light goes on before the next tag is judged
        return detection

    def _verdict(self, afi: int | None, eas: bool | None) -> Security | Literal[False] | None:
        """How the policy judges a tag: "afi" / "eas" (it alarms, and why),
        False (it may pass), None (not enough known yet)."""
        policy = self.policy
        afi_known = not policy.use_afi or afi is not None
        eas_known = not policy.use_eas or eas is not None
        if afi_known and eas_known:
            state = policy.state(afi if afi is not None else 0, eas)
            if state is SecurityState.SECURED:
                return "afi" if policy.use_afi else "eas"
            if state is SecurityState.INCONSISTENT:  # a half-finished write: fail safe
                return "afi" if afi == policy.afi_secured else "eas"
            if state is SecurityState.ON_LOAN:
                return False
            return "afi" if self.options.alarm_unknown_afi else False  # another library's AFI
        if not afi_known:  # the tag does not report its AFI
            if eas is not None:
                return "eas" if eas else False
            if policy.use_eas:
                return None
            return "afi" if self.options.alarm_unknown_afi else False
        # AFI known, EAS ambiguous (several tags, one armed)
        if policy.use_afi:
            # the AFI decides; an armed tag it does not explain still raises
            # the unnamed EAS alarm
            return "afi" if afi == policy.afi_secured else False
        return None

    def _eas_pass(self, eas_any: bool | None, explained: bool, now: float, wall: float,
                  result: PollResult) -> None:
        if not eas_any:
            self._eas_unexplained = 0
            if self._eas_last is not None and now - self._eas_last >= self.options.rearm_after_s:
                self._eas_last, self._eas_alarmed = None, False
            return
        self._eas_last = now
        if explained:
            # an identified alarm covers this EAS pass
            self._eas_unexplained, self._eas_alarmed = 0, True
            return
        result.still_alarmed = True
        if self._eas_alarmed:
            return
        # Sound at once; name no item yet: the armed tag may simply have
        # entered between the inventory and the EAS command, and the next
        # inventory will name it.
        self._eas_unexplained += 1
        if self.on_detect is not None:
            self.on_detect(None)
        if self._eas_unexplained < self.options.eas_grace_polls:
            return
        self._eas_alarmed = True
        result.new.append(Detection(None, None, "eas", None, None, now, wall))

    def _forget(self, now: float) -> None:
        gone = [uid for uid, known in self._known.items()
                if now - known.last_seen >= self.options.rearm_after_s]
        for uid in gone:
            del self._known[uid]
