"""Receipts from the centre, on the device's side.

The broker's PUBACK says the broker has an event; the relay's receipt says
the centre stored it. An event acknowledged but not receipted within
``agent.confirm_timeout_s`` is sent again when the broker has evidently
lost it (a crash, a shared subscription lost over a restart):

* receipts keep coming (the centre is working through the broker's queue)
  and the centre has receipted an event the broker acknowledged *later*:
  the broker's queue is in order, so the older one was skipped;
* or no receipt at all came for ``confirm_timeout_s``.

An event still waiting in the broker's queue behind a busy centre is not
sent again: doing so would double the centre's work exactly when it is
behind (each round of re-sending making the queue, and the next round,
longer). The relay stores every event once, so a second copy of one it had
is only counted as a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from edge.agent.drain import Drainer
from edge.contract.envelope import PayloadError
from edge.contract.receipts import decode_receipt
from edge.mqtt.client import Message
from edge.mqtt.validation import ContractValidator
from edge.store.outbox import Outbox

log = logging.getLogger(__name__)


class Receipts:
    def __init__(self, outbox: Outbox, drainer: Drainer, validator: ContractValidator,
                 timeout_s: float, clock: Callable[[], float] = time.time) -> None:
        self.outbox = outbox
        self.drainer = drainer
        self.validator = validator
        self.timeout_s = timeout_s
        self._clock = clock
        self.confirmed = 0
        self.resent = 0
        #: When the last receipt came (the start counts as one: the centre
        #: gets ``timeout_s`` to speak before everything is sent again).
        self.last_receipt = clock()
        #: When the broker acknowledged the newest event the centre receipted.
        self.horizon_ms: int | None = None

    async def handle(self, msg: Message) -> None:
        try:
            obj, ranges = decode_receipt(msg.payload)
            self.validator.check_receipt(obj)
        except PayloadError as exc:
            log.warning("receipt ignored: %s", exc)
            return
        self.last_receipt = self._clock()
        newest, count = await asyncio.to_thread(self._confirm, ranges)
        self.confirmed += count
        if newest is not None and (self.horizon_ms is None or newest > self.horizon_ms):
            self.horizon_ms = newest

    def _confirm(self, ranges: list[tuple[int, int]]) -> tuple[int | None, int]:
        return self.outbox.newest_acked_ms(ranges), self.outbox.confirm(ranges)

    def cutoff_ms(self) -> int | None:
        """Events acknowledged before this (ms) and not receipted are lost;
        None: nothing is known lost yet."""
        now = self._clock()
        older = int((now - self.timeout_s) * 1000)
        if now - self.last_receipt >= self.timeout_s:
            return older  # the centre is silent: whatever is late is sent again
        if self.horizon_ms is None:
            return None
        return min(older, self.horizon_ms)  # skipped by the broker's queue

    async def run(self) -> None:
        """Send again, now and then, what was never receipted."""
        interval = max(0.5, min(self.timeout_s / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            cutoff = self.cutoff_ms()
            if cutoff is None:
                continue
            count = await asyncio.to_thread(self.outbox.requeue_unconfirmed, cutoff)
            if count:
                self.resent += count
                log.warning("%d events the broker acknowledged were not receipted by the "
                            "centre within %.0f s: sending them again", count, self.timeout_s)
                self.drainer.rewind()
