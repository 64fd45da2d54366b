"""The edge agent (``smartlib agent``): one per device.

Tasks, on one asyncio loop: the connection (reconnect with exponential
backoff and jitter; on each connection the retained ``online`` state, the
command subscription and the outbox drain), health telemetry into the
outbox every ``mqtt.health_interval_s``, the retention policy and its alarm,
and, after a remote configuration change, the watchdog that rolls it back.

The broker announces the device ``offline`` through the retained last will
when the agent vanishes; a clean stop publishes it itself.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from edge import __version__
from edge.agent import reconfig
from edge.agent.commands import CommandRouter
from edge.agent.drain import Drainer, DrainPausedError
from edge.agent.errors import ServiceError
from edge.agent.health import HealthInputs, health_event
from edge.agent.receipts import Receipts
from edge.agent.services import ServiceManager, Systemd
from edge.config import LoadedConfig
from edge.config.models import MqttSection
from edge.contract import commands as contract
from edge.contract import events
from edge.contract.state import State
from edge.contract.topics import command_topic, receipt_topic, state_topic
from edge.mqtt.client import Message, MqttConnection, Settings, Will
from edge.mqtt.errors import ConnectFailedError, MqttError
from edge.mqtt.settings import mqtt_settings
from edge.store import RetentionPolicy, Store

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

log = logging.getLogger(__name__)

#: Longest wait before publishing again after the broker said it cannot
#: deliver yet (no relay subscribed): one probe message each time.
DRAIN_PAUSE_MAX_S = 5.0


class Outcome(enum.Enum):
    STOPPED = "stopped"
    #: Re-execute the agent (new configuration, or asked to).
    RESTART = "restart"


class Agent:
    def __init__(self, loaded: LoadedConfig, store: Store, *,
                 services: ServiceManager | None = None,
                 clock: Callable[[], float] = time.time, software: str = __version__) -> None:
        device = loaded.device
        if device.mqtt is None:
            raise ValueError("the agent needs an [mqtt] section")
        self.loaded = loaded
        self.device = device
        self.mqtt: MqttSection = device.mqtt
        self.settings = device.agent
        self.prefix = self.mqtt.topic_prefix
        self.config_path = loaded.path
        self.store = store
        self.software = software
        self.services = services or Systemd(self.settings.systemctl)
        self.validator = store.validator
        self.changes = reconfig.ConfigChanges(store.db, loaded.path, clock)
        self.policy = RetentionPolicy(self.settings.outbox_capacity,
                                      self.settings.outbox_alarm_ratio,
                                      self.settings.keep_acked_hours * 3600,
                                      confirmations=self.settings.confirm_timeout_s > 0)
        self.drainer = Drainer(store.outbox, site=device.site, device=device.device,
                               prefix=self.prefix, window=self.settings.max_inflight,
                               batch=self.settings.batch_size)
        self.commands = CommandRouter(self)
        self.receipts = Receipts(store.outbox, self.drainer, self.validator,
                                 self.settings.confirm_timeout_s, clock)
        self._clock = clock
        self._zone = ZoneInfo(device.library.timezone)
        self._started = clock()
        self._started_iso = self.now_iso()
        self._stop: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.outcome = Outcome.STOPPED
        self.conn: MqttConnection | None = None
        #: Set while connected and subscribed to its commands and receipts.
        self.ready = asyncio.Event()
        self.broker = events.Component("unknown", "not connected yet")
        self.alarm = False
        self.restarted_services: list[str] = []

    # ------------------------------------------------------------- helpers

    def now_iso(self) -> str:
        return datetime.fromtimestamp(self._clock(), self._zone).isoformat(
            timespec="milliseconds")

    def uptime_s(self) -> float:
        return round(self._clock() - self._started, 3)

    def _state(self, online: bool, reason: str | None = None) -> bytes:
        return State(online=online, time=self.now_iso(), software=self.software,
                     role=self.device.role, isil=self.device.library.isil,
                     started=self._started_iso, reason=reason).encode()

    def request_restart(self, why: str) -> None:
        log.info("restarting", extra={"fields": {"why": why}})
        self.outcome = Outcome.RESTART
        self.request_stop()

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())
            self.request_stop()

    # ----------------------------------------------------------------- run

    async def run(self) -> Outcome:
        """Run until stopped (:meth:`request_stop`, SIGTERM) or a restart is due."""
        self._stop = asyncio.Event()
        await self._resume_change()
        for coro, name in ((self._connection_loop(), "connection"),
                           (self._health_loop(), "health"),
                           (self._retention_loop(), "retention")):
            self._spawn(coro, name)
        if self.settings.confirm_timeout_s > 0:
            self._spawn(self.receipts.run(), "receipts")
        try:
            await self._stop.wait()
        finally:
            await self._shutdown()
        return self.outcome

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.drainer.last_flush is not None:
            await asyncio.gather(self.drainer.last_flush, return_exceptions=True)
        conn = self.conn
        if conn is not None and conn.connected:
            reason = "restart" if self.outcome is Outcome.RESTART else "shutdown"
            try:
                async with asyncio.timeout(2.0):
                    await conn.publish(state_topic(self.device.site, self.device.device,
                                                   self.prefix), self._state(False, reason),
                                       qos=1, retain=True)
            except (TimeoutError, MqttError):
                log.debug("could not say offline before stopping")
            await conn.close()

    # ---------------------------------------------------------- connection

    def _mqtt_settings(self) -> Settings:
        will = Will(state_topic(self.device.site, self.device.device, self.prefix),
                    self._state(False, "lost"), qos=1, retain=True)
        return mqtt_settings(self.mqtt, self.loaded.secrets, site=self.device.site,
                             device=self.device.device, will=will)

    async def _connection_loop(self) -> None:
        delay = self.mqtt.reconnect_min_s
        while True:
            since = self.now_iso()
            try:
                conn = await MqttConnection.open(
                    self._mqtt_settings(), on_message=self._on_message,
                    max_inflight=self.settings.max_inflight)
            except ConnectFailedError as exc:
                self.broker = events.Component("down", str(exc)[:500], since)
                log.warning("cannot connect to the broker; retrying in %.1f s", delay,
                            extra={"fields": {"error": str(exc)}})
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, self.mqtt.reconnect_max_s)
                continue
            self.conn = conn
            self.broker = events.Component("ok", f"{self.mqtt.host}:{self.mqtt.port}",
                                           self.now_iso())
            started = asyncio.get_running_loop().time()
            try:
                await self._session(conn)
            except MqttError as exc:
                log.warning("connection to the broker lost", extra={"fields": {
                    "error": str(exc)}})
            finally:
                self.ready.clear()
                self.conn = None
                conn.abort()
            self.broker = events.Component("down", "connection lost", self.now_iso())
            if asyncio.get_running_loop().time() - started > 30:
                delay = self.mqtt.reconnect_min_s
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.mqtt.reconnect_max_s)

    async def _session(self, conn: MqttConnection) -> None:
        device = self.device
        await conn.publish(state_topic(device.site, device.device, self.prefix),
                           self._state(True), qos=1, retain=True)
        codes = await conn.subscribe(
            command_topic(device.site, device.device, "x", self.prefix)[:-1] + "+",
            receipt_topic(device.site, device.device, self.prefix))
        if any(code >= 0x80 for code in codes):
            log.error("the broker refused a subscription", extra={"fields": {
                "codes": codes}})
        log.info("connected to the broker")
        self.ready.set()
        await self._on_connected(conn)
        drain = asyncio.ensure_future(self._drain_forever(conn))
        try:
            waiters: set[asyncio.Future[Any]] = {drain, conn.closed}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)
        if drain.done() and not drain.cancelled() and drain.exception() is not None:
            raise drain.exception()  # type: ignore[misc]

    async def _drain_forever(self, conn: MqttConnection) -> None:
        pause = self.mqtt.reconnect_min_s
        while True:
            try:
                await self.drainer.run(conn)
            except DrainPausedError as exc:
                log.warning("%s; retrying in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                # The broker is there; only the relay is not (e.g. it is
                # reconnecting after a broker restart): ask again soon.
                pause = min(pause * 2, self.mqtt.reconnect_max_s, DRAIN_PAUSE_MAX_S)

    def _on_message(self, msg: Message) -> None:
        conn = self.conn
        if conn is None:
            return
        if msg.topic.endswith("/receipt"):
            self._spawn(self.receipts.handle(msg), "receipt")
        else:
            self._spawn(self.commands.handle(conn, msg), "command")

    # --------------------------------------------------- health, retention

    async def _health_loop(self) -> None:
        while True:
            await self.append_health()
            await asyncio.sleep(self.mqtt.health_interval_s)

    async def append_health(self) -> None:
        outbox = self.store.outbox
        # The kiosk's staff screen reads the broker's state from the board.
        await asyncio.to_thread(self.store.status.report, "broker", self.broker.status,
                                self.broker.detail)
        depth = await asyncio.to_thread(outbox.depth)
        components = await asyncio.to_thread(self.store.status.snapshot)
        event = health_event(HealthInputs(
            uptime_s=self.uptime_s(), software=self.software, store_path=self.store.path,
            depth=depth, capacity=self.policy.capacity, components=components,
            broker=self.broker, now_ms=int(self._clock() * 1000),
            stale_s=self.settings.status_stale_s))
        await asyncio.to_thread(outbox.append, event)
        self.drainer.wake()

    async def _retention_loop(self) -> None:
        while True:
            await self.enforce_retention()
            await asyncio.sleep(self.settings.retention_interval_s)

    async def enforce_retention(self) -> None:
        report = await asyncio.to_thread(self.store.outbox.enforce, self.policy)
        if report.dropped_health:
            log.warning("outbox full: dropped the oldest health telemetry", extra={
                "fields": {"dropped": report.dropped_health}})
        if report.alarm and not self.alarm:
            self.alarm = True
            severity: Literal["warning", "critical"] = (
                "critical" if report.over_capacity else "warning")
            message = (f"outbox holds {report.pending} of {report.capacity} events: the "
                       f"centre is not taking them (broker {self.broker.status})")
            log.error(message)
            await asyncio.to_thread(self.store.outbox.append, events.staff_alert(
                alert="outbox_nearly_full", severity=severity, message=message))
        elif self.alarm and report.pending < self.policy.alarm_at * 0.9:
            self.alarm = False
            log.info("outbox back below its alarm level", extra={"fields": {
                "pending": report.pending}})

    # ------------------------------------------------- configuration change

    async def _resume_change(self) -> None:
        change = await asyncio.to_thread(self.changes.current)
        if change is None:
            return
        if change.state == reconfig.APPLYING and self.changes.file_is_previous(change):
            await asyncio.to_thread(self.changes.roll_back, change,
                                    "the new configuration could not be loaded")
            change = await asyncio.to_thread(self.changes.current)
            if change is None:
                return
        for name, unit in self.settings.services.items():
            try:
                await self.services.restart(unit)
                self.restarted_services.append(name)
            except (ServiceError, OSError) as exc:
                if change.state == reconfig.APPLYING:
                    await asyncio.to_thread(self.changes.roll_back, change,
                                            f"restarting {name} failed: {exc}")
                    self.request_restart("rollback")
                    return
                log.error("restarting %s with the previous configuration failed: %s",
                          name, exc)
        if change.state == reconfig.APPLYING:
            self._spawn(self._change_watchdog(change), "config-watchdog")

    async def _change_watchdog(self, change: reconfig.Change) -> None:
        await asyncio.sleep(max(0.0, change.deadline_ms / 1000 - self._clock()))
        current = await asyncio.to_thread(self.changes.current)
        if current is not None and current.id == change.id and \
                current.state == reconfig.APPLYING:
            why = (f"the device did not come back within {self.settings.config_confirm_s:.0f}"
                   f" s with the new configuration (broker: {self.broker.detail})")
            log.error("rolling the configuration back: %s", why)
            await asyncio.to_thread(self.changes.roll_back, current, why)
            self.request_restart("rollback")

    async def _on_connected(self, conn: MqttConnection) -> None:
        change = await asyncio.to_thread(self.changes.current)
        if change is None:
            return
        if change.state == reconfig.APPLYING:
            down = [name for name, unit in self.settings.services.items()
                    if not await self.services.is_active(unit)]
            if down:
                await asyncio.to_thread(self.changes.roll_back, change,
                                        "not active after the change: " + ", ".join(down))
                self.request_restart("rollback")
                return
            await asyncio.to_thread(self.changes.confirm, change)
            reply = contract.ok({"applied": True, "sha256": reconfig.sha256(change.new_text),
                                 "previous_sha256": reconfig.sha256(change.previous_text),
                                 "restarted": ["agent", *self.restarted_services]})
            log.info("new configuration confirmed")
        else:
            await asyncio.to_thread(self.changes.finish_rollback, change)
            reply = contract.error("rolled_back", change.detail or "rolled back")
            log.warning("configuration rolled back", extra={"fields": {
                "why": change.detail}})
        if change.response_topic:
            await self.commands.reply(conn, change.response_topic, change.correlation, reply)
