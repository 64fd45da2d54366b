"""Draining the outbox to the broker: in order, QoS 1, a window of messages
in flight, an event marked sent only after the broker's PUBACK.

PUBACK reason codes (MQTT v5, 3.4.2.1) decide what happens to an event:

* below 0x80, except 0x10: accepted; recorded as acknowledged.
* 0x10 *no matching subscribers*: the broker took it but nobody (not even a
  stopped relay's session) would receive it. It stays pending and the
  drain pauses: no event is thrown away because the centre is not set up.
* 0x97 *quota exceeded*: transient; stays pending, the drain pauses.
* any other refusal (0x87 not authorised, 0x99 payload format invalid, ...):
  refused for good; kept on the device with the reason, out of the queue,
  counted, and the drain goes on.

Acknowledgements are written to the store in batches (one transaction, one
fsync per batch), so a crash may forget a few PUBACKs: those events are sent
again after the restart, and the relay, keyed by event id, stores them once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from edge.contract.envelope import encode_envelope
from edge.contract.topics import event_topic
from edge.mqtt.client import MqttConnection
from edge.mqtt.errors import MqttError
from edge.store.outbox import Outbox, Pending

log = logging.getLogger(__name__)

NO_SUBSCRIBERS = 0x10
QUOTA_EXCEEDED = 0x97
#: How long acknowledgements may wait before they are written.
FLUSH_INTERVAL_S = 0.05


class DrainPausedError(MqttError):
    """The broker cannot pass events on yet (no subscriber, quota)."""

    def __init__(self, seq: int, code: int) -> None:
        self.seq = seq
        self.code = code
        why = "no subscriber (is a relay set up?)" if code == NO_SUBSCRIBERS else \
            f"reason code 0x{code:02x}"
        super().__init__(f"event {seq}: broker cannot deliver it yet: {why}")


@dataclass
class DrainStats:
    published: int = 0
    acked: int = 0
    refused: int = 0
    last_acked_seq: int = 0
    #: Set while the drain is running on a connection.
    connected: bool = False
    paused_reason: str | None = None


class Drainer:
    """Drains one outbox over one connection at a time (:meth:`run`)."""

    def __init__(self, outbox: Outbox, *, site: str, device: str, prefix: str,
                 window: int, batch: int, poll_s: float = 0.2,
                 on_refused: Callable[[Pending, int], None] | None = None) -> None:
        self.outbox = outbox
        self.site = site
        self.device = device
        self.prefix = prefix
        self.window = window
        self.batch = batch
        self.poll_s = poll_s
        self.stats = DrainStats()
        self._on_refused = on_refused
        self._topics: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._rewind = False
        #: The flush at the end of the last run (awaited before the store closes).
        self.last_flush: asyncio.Future[None] | None = None

    def wake(self) -> None:
        """Something was appended in this process: look now, not at the next poll."""
        self._wake.set()

    def rewind(self) -> None:
        """Events before the read position became pending again (re-sent
        after no receipt came): read from the start of the queue."""
        self._rewind = True
        self._wake.set()

    def _topic(self, event_type: str) -> str:
        topic = self._topics.get(event_type)
        if topic is None:
            topic = self._topics[event_type] = event_topic(
                self.site, self.device, event_type, self.prefix)
        return topic

    def _encode(self, row: Pending) -> bytes:
        return encode_envelope(event_id=row.event_id, seq=row.seq, site=self.site,
                               device=self.device, event_type=row.type, schema=row.schema,
                               time=row.device_time, payload_json=row.payload)

    async def run(self, conn: MqttConnection) -> None:
        """Publish pending events until the connection ends (then raise
        :class:`~edge.mqtt.errors.ConnectionLostError`) or the broker cannot
        deliver (:class:`DrainPausedError`). Always starts again from the
        first unacknowledged event."""
        window = max(1, min(self.window, conn.server_receive_maximum))
        buffer: deque[Pending] = deque()
        inflight: dict[int, Pending] = {}
        done: deque[tuple[int, int | BaseException]] = deque()
        acked: list[int] = []
        attempted: list[int] = []
        progress = asyncio.Event()
        after = 0
        last_flush = asyncio.get_running_loop().time()
        self.stats.connected = True
        self.stats.paused_reason = None

        def completed(seq: int, outcome: int | BaseException) -> None:
            done.append((seq, outcome))
            progress.set()

        try:
            while True:
                if self._rewind:
                    self._rewind = False
                    buffer.clear()
                    after = 0
                if not buffer and len(inflight) < window:
                    rows = await asyncio.to_thread(self.outbox.pending, after, self.batch)
                    buffer.extend(row for row in rows if row.seq not in inflight)
                    if rows:
                        after = rows[-1].seq
                while buffer and len(inflight) < window:
                    row = buffer.popleft()
                    inflight[row.seq] = row
                    attempted.append(row.seq)
                    conn.publish_then(self._topic(row.type), self._encode(row),
                                      functools.partial(completed, row.seq), qos=1)
                    self.stats.published += 1
                while done:
                    seq, outcome = done.popleft()
                    row = inflight.pop(seq)
                    if isinstance(outcome, BaseException):
                        raise outcome
                    if outcome < 0x80 and outcome != NO_SUBSCRIBERS:
                        acked.append(seq)
                    elif outcome in (NO_SUBSCRIBERS, QUOTA_EXCEEDED):
                        self.stats.paused_reason = f"0x{outcome:02x}"
                        raise DrainPausedError(seq, outcome)
                    else:
                        await self._refuse(row, outcome)
                now = asyncio.get_running_loop().time()
                if acked and (len(acked) >= self.batch or not inflight
                              or now - last_flush >= FLUSH_INTERVAL_S):
                    await self._flush(acked, attempted)
                    last_flush = now
                if inflight or buffer:
                    progress.clear()
                    if not done:
                        await _wait(progress, FLUSH_INTERVAL_S)
                else:
                    self._wake.clear()
                    await _wait(self._wake, self.poll_s)
        finally:
            self.stats.connected = False
            # Whatever the broker acknowledged before the end is recorded.
            for seq, outcome in list(done):
                if isinstance(outcome, int) and outcome < 0x80 and outcome != NO_SUBSCRIBERS:
                    acked.append(seq)
            if acked or attempted:
                # Even when cancelled: the PUBACKs received are worth keeping.
                self.last_flush = asyncio.ensure_future(self._flush(acked, attempted))
                await asyncio.shield(self.last_flush)

    async def _flush(self, acked: list[int], attempted: list[int]) -> None:
        batch_acked, batch_attempted = list(acked), list(attempted)
        acked.clear()
        attempted.clear()
        await asyncio.to_thread(self.outbox.record_delivery, batch_acked, batch_attempted)
        self.stats.acked += len(batch_acked)
        if batch_acked:
            self.stats.last_acked_seq = max(self.stats.last_acked_seq, max(batch_acked))

    async def _refuse(self, row: Pending, code: int) -> None:
        reason = f"broker refused: reason code 0x{code:02x}"
        log.error("event refused by the broker; kept on the device",
                  extra={"fields": {"seq": row.seq, "event_id": row.event_id,
                                    "type": row.type, "code": f"0x{code:02x}"}})
        await asyncio.to_thread(self.outbox.mark_refused, row.seq, reason)
        self.stats.refused += 1
        if self._on_refused is not None:
            self._on_refused(row, code)


async def _wait(event: asyncio.Event, timeout_s: float) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return
