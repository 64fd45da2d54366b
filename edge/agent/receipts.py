"""Receipts from the centre, on the device's side.

The broker's PUBACK says the broker has an event; the relay's receipt says
the centre stored it. An event acknowledged but not receipted within
``agent.confirm_timeout_s`` is sent again: the broker lost it (a crash, a
subscription lost over a restart). The relay stores every event once, so a
second copy of one it had is only counted as a duplicate.
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

    async def handle(self, msg: Message) -> None:
        try:
            obj, ranges = decode_receipt(msg.payload)
            self.validator.check_receipt(obj)
        except PayloadError as exc:
            log.warning("receipt ignored: %s", exc)
            return
        self.confirmed += await asyncio.to_thread(self.outbox.confirm, ranges)

    async def run(self) -> None:
        """Send again, now and then, what was never receipted."""
        interval = max(0.5, min(self.timeout_s / 4, 30.0))
        while True:
            await asyncio.sleep(interval)
            cutoff = int((self._clock() - self.timeout_s) * 1000)
            count = await asyncio.to_thread(self.outbox.requeue_unconfirmed, cutoff)
            if count:
                self.resent += count
                log.warning("%d events the broker acknowledged were not receipted by the "
                            "centre within %.0f s: sending them again", count, self.timeout_s)
                self.drainer.rewind()
