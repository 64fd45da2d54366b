"""The central relay (``smartlib relay``): takes every device's events from
the broker and stores each once.

Events and health come through an MQTT v5 shared subscription
(``$share/{group}/...``), so any number of relays share the load. A relay
keeps no session at the broker (clean start): mosquitto 2.0 can lose a
shared subscription kept over its own restart and route acknowledged events
nowhere. The durable queue is each device's outbox instead: with no relay
connected the broker answers "no subscribers" and devices keep their
events, and every stored batch is receipted to its device, which sends
again what the broker acknowledged but the centre never got. State messages
are retained, and retained messages are not sent on shared subscriptions,
so every relay subscribes to them directly (updating the registry twice is
harmless).

Every message is checked (size, UTF-8, JSON, envelope and payload schemas,
topic against envelope); a refused one is recorded with its reason and
counted, never stored as an event. Messages are acknowledged (PUBACK) only
after the batch holding them is committed, so a relay that dies loses
nothing: the broker sends the unacknowledged ones again, and the database,
keyed by event id, stores each once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from edge.config import LoadedConfig
from edge.config.models import CentralConfig
from edge.contract.envelope import PayloadError, decode_json_object
from edge.contract.receipts import encode_receipt
from edge.contract.state import State
from edge.contract.topics import Topic, TopicError, parse_topic, receipt_topic, relay_filters
from edge.mqtt.client import Message, MqttConnection
from edge.mqtt.errors import ConnectFailedError, MqttError
from edge.mqtt.settings import mqtt_settings
from edge.mqtt.validation import ContractValidator
from edge.relay.database import Received, Rejection, RelayDatabase, Stored, sample
from edge.relay.enrich import CachedTitles

log = logging.getLogger(__name__)

#: How long a batch waits for more messages before it is stored.
BATCH_LINGER_S = 0.02


class Relay:
    def __init__(self, loaded: LoadedConfig, db: RelayDatabase, *,
                 titles: CachedTitles | None = None) -> None:
        device = loaded.device
        if not isinstance(device, CentralConfig):
            raise ValueError("the relay runs with a central configuration")
        self.loaded = loaded
        self.device = device
        self.settings = device.relay
        self.prefix = device.mqtt.topic_prefix
        self.db = db
        self.titles = titles
        self.validator = ContractValidator()
        self.queue: asyncio.Queue[tuple[MqttConnection, Message]] = asyncio.Queue()
        self.counts: Counter[str] = Counter()
        self.conn: MqttConnection | None = None
        #: Set while connected and subscribed.
        self.subscribed = asyncio.Event()
        #: Parsed topics (a device sends a handful of them, again and again).
        self._topics: dict[str, Topic] = {}
        self._stop = asyncio.Event()

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await asyncio.to_thread(self.db.create)
        tasks = [asyncio.create_task(self._connection_loop(), name="connection"),
                 asyncio.create_task(self._writer(), name="writer")]
        stop = asyncio.create_task(self._stop.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stop and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in [*tasks, stop]:
                task.cancel()
            await asyncio.gather(*tasks, stop, return_exceptions=True)
            if self.conn is not None:
                await self.conn.close()
            if self.titles is not None:
                await self.titles.aclose()

    # ---------------------------------------------------------- connection

    async def _connection_loop(self) -> None:
        mqtt = self.device.mqtt
        settings = mqtt_settings(mqtt, self.loaded.secrets, site=self.device.site,
                                 device=self.device.device, clean_start=True,
                                 receive_maximum=self.settings.receive_maximum)
        filters = relay_filters(self.prefix)
        group = self.settings.shared_group
        delay = mqtt.reconnect_min_s
        while True:
            try:
                conn = await MqttConnection.open(settings, on_message=self._on_message,
                                                 manual_ack=True)
            except ConnectFailedError as exc:
                log.warning("cannot connect to the broker; retrying in %.1f s", delay,
                            extra={"fields": {"error": str(exc)}})
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, mqtt.reconnect_max_s)
                continue
            self.conn = conn
            delay = mqtt.reconnect_min_s
            try:
                codes = await conn.subscribe(f"$share/{group}/{filters['events']}",
                                             f"$share/{group}/{filters['health']}",
                                             filters["state"])
                if any(code >= 0x80 for code in codes):
                    log.error("the broker refused a subscription", extra={"fields": {
                        "codes": codes}})
                log.info("relay connected and subscribed", extra={"fields": {
                    "group": group}})
                self.subscribed.set()
                await conn.closed
            except MqttError as exc:
                log.warning("connection lost: %s", exc)
            finally:
                self.subscribed.clear()
                self.conn = None
                conn.abort()
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))

    def _on_message(self, msg: Message) -> None:
        conn = self.conn
        if conn is not None:
            self.queue.put_nowait((conn, msg))
            if self.queue.qsize() >= 2 * self.settings.batch_max:
                # Let the writer catch up: it shares the interpreter with us.
                conn.pause_reading()

    # -------------------------------------------------------------- writing

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self.queue.qsize() < self.settings.batch_max and self.conn is not None:
                self.conn.resume_reading()
            items = [await self.queue.get()]
            # Linger a moment for company: one transaction and one thread hop
            # per batch, not per message, when messages trickle in one by one.
            deadline = loop.time() + BATCH_LINGER_S
            while len(items) < self.settings.batch_max:
                if self.queue.empty():
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        async with asyncio.timeout(remaining):
                            items.append(await self.queue.get())
                    except TimeoutError:
                        break
                else:
                    items.append(self.queue.get_nowait())
            self.counts["batches"] += 1
            batch = self.classify([msg for _, msg in items])
            await self._enrich(batch)
            stored = await self._store(batch)
            self.counts["stored"] += stored.inserted
            self.counts["duplicates"] += stored.duplicates
            for conn, msg in items:
                if msg.qos > 0 and not conn.closed.done():
                    conn.ack(msg.mid, msg.qos)
            self._receipt(batch)

    def _receipt(self, batch: Received) -> None:
        """Tell each device which of its events are stored (new or not)."""
        conn = self.conn
        if conn is None or not batch.events:
            return
        seqs: dict[tuple[str, str], list[int]] = {}
        for env, _ in batch.events:
            seqs.setdefault((env.site, env.device), []).append(env.seq)
        for (site, device), numbers in seqs.items():
            conn.publish_then(receipt_topic(site, device, self.prefix), encode_receipt(numbers),
                              self._receipt_sent, qos=1)

    def _receipt_sent(self, outcome: int | BaseException) -> None:
        if isinstance(outcome, BaseException) or outcome >= 0x80:
            self.counts["receipts_lost"] += 1  # the device sends again; nothing is lost

    async def _store(self, batch: Received) -> Stored:
        """Store a batch, waiting out a database that is down (the broker keeps
        the messages meanwhile: none is acknowledged before it is stored)."""
        delay = 1.0
        while True:
            try:
                return await asyncio.to_thread(self.db.store, batch, datetime.now(UTC))
            except (OperationalError, InterfaceError) as exc:
                self.counts["database_errors"] += 1
                log.error("cannot store events; retrying in %.0f s: %s", delay, exc.orig)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    def classify(self, messages: list[Message]) -> Received:
        batch = Received()
        for msg in messages:
            self.counts["received"] += 1
            try:
                self._classify(msg, batch)
            except PayloadError as exc:
                self.counts[f"rejected_{exc.reason}"] += 1
                site, device = _topic_device(msg.topic, self.prefix)
                batch.rejections.append(Rejection(msg.topic, exc.reason, str(exc),
                                                  len(msg.payload), sample(msg.payload),
                                                  site, device))
                log.warning("message refused: %s", exc, extra={"fields": {
                    "topic": msg.topic, "reason": exc.reason, "size": len(msg.payload)}})
        return batch

    def _classify(self, msg: Message, batch: Received) -> None:
        topic = self._topics.get(msg.topic)
        if topic is None:
            try:
                topic = parse_topic(msg.topic, self.prefix)
            except TopicError as exc:
                raise PayloadError("bad_topic", "", str(exc)) from None
            if len(self._topics) >= 100_000:
                self._topics.clear()
            self._topics[msg.topic] = topic
        if topic.kind == "state":
            obj = decode_json_object(msg.payload, self.settings.max_payload_bytes)
            self.validator.check_state(obj)
            batch.states.append((topic.site, topic.device, State.from_object(obj)))
            return
        if topic.kind not in ("evt", "health"):
            raise PayloadError("bad_topic", "", f"the relay does not take {topic.kind} "
                               "messages")
        env = self.validator.decode_event(msg.payload, self.settings.max_payload_bytes)
        want_type = "health" if topic.kind == "health" else topic.name
        if (env.site, env.device, env.type) != (topic.site, topic.device, want_type):
            raise PayloadError("topic_mismatch", "/", f"the topic says {topic.site}/"
                               f"{topic.device} {want_type}, the event {env.site}/{env.device} "
                               f"{env.type}")
        batch.events.append((env, None))

    async def _enrich(self, batch: Received) -> None:
        if self.titles is None:
            return
        titles = self.titles
        wanted = [(i, env) for i, (env, _) in enumerate(batch.events)
                  if env.type == "gate_alarm" and "title" not in env.payload
                  and isinstance(env.payload.get("item"), str)]
        if not wanted:
            return
        found = await asyncio.gather(*(titles.title(env.payload["item"]) for _, env in wanted))
        for (index, env), title in zip(wanted, found, strict=True):
            if title:
                batch.events[index] = (env, {"title": title, "source": "ils"})
                self.counts["enriched"] += 1


def _topic_device(topic: str, prefix: str) -> tuple[str | None, str | None]:
    levels = topic[len(prefix) + 1:].split("/") if topic.startswith(prefix + "/") else []
    if len(levels) >= 2:
        return levels[0][:64], levels[1][:64]
    return None, None

