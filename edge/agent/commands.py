"""Remote commands on ``.../cmd/{name}`` (MQTT v5 request/response).

Each request is decoded, its arguments checked against the command's JSON
Schema, and answered on its response topic with its correlation data. A
malformed, unknown or failing command gets an error reply; nothing a
requester sends can stop the agent. ``set_config`` answers after the agent
has restarted with the new configuration (or rolled it back).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from edge.agent import reconfig
from edge.contract import commands as contract
from edge.contract.commands import COMMANDS, Reply
from edge.contract.envelope import PayloadError
from edge.contract.topics import device_prefix
from edge.errors import EdgeError
from edge.mqtt.client import Message, MqttConnection

if TYPE_CHECKING:
    from edge.agent.runtime import Agent

log = logging.getLogger(__name__)


@dataclass
class Done:
    """A handler's outcome: the reply, and what to do once it is delivered."""

    reply: Reply | None
    then: Callable[[], None] | None = field(default=None)


DEFERRED = Done(None)


class CommandRouter:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        device = agent.device
        self.reply_prefix = device_prefix(device.site, device.device, agent.prefix) + "/reply/"
        self.handled = 0
        self.ignored = 0

    async def handle(self, conn: MqttConnection, msg: Message) -> None:
        """Answer one request (run as its own task by the agent)."""
        name = msg.topic.rsplit("/", 1)[-1]
        if msg.response_topic is None or not msg.response_topic.startswith(self.reply_prefix):
            self.ignored += 1
            log.warning("command ignored: its response topic must lie under %s",
                        self.reply_prefix, extra={"fields": {
                            "command": name, "response_topic": msg.response_topic}})
            return
        try:
            done = await self._dispatch(name, msg)
        except Exception as exc:  # noqa: BLE001 - the command supervisor: log, answer, go on
            log.exception("command failed unexpectedly", extra={"fields": {"command": name}})
            done = Done(contract.error("failed", f"internal error: {type(exc).__name__}"))
        self.handled += 1
        if done.reply is not None:
            await self.reply(conn, msg.response_topic, msg.correlation_data, done.reply)
        if done.then is not None:
            done.then()

    async def reply(self, conn: MqttConnection, topic: str, correlation: bytes | None,
                    reply: Reply) -> None:
        code = await conn.publish(topic, reply.encode(), qos=1, correlation_data=correlation)
        if code >= 0x80:
            log.error("reply refused by the broker", extra={"fields": {
                "topic": topic, "code": f"0x{code:02x}"}})

    async def _dispatch(self, name: str, msg: Message) -> Done:
        try:
            request = contract.decode_request(name, msg.payload)
        except PayloadError as exc:
            return Done(contract.error("malformed", str(exc)))
        if name not in COMMANDS:
            return Done(contract.error("unknown_command", f"no command {name!r}; known: "
                                       + ", ".join(sorted(COMMANDS))))
        if request.version != COMMANDS[name]:
            return Done(contract.error("unsupported_version", f"{name} speaks version "
                                       f"{COMMANDS[name]}, not {request.version}"))
        try:
            self.agent.validator.check_command(name, request.version, request.args)
        except PayloadError as exc:
            return Done(contract.error("invalid", str(exc), where=exc.where))
        handler: Callable[[dict[str, Any], Message], Any] = getattr(self, f"_cmd_{name}")
        try:
            async with asyncio.timeout(self.agent.settings.command_timeout_s):
                outcome = await handler(request.args, msg)
        except TimeoutError:
            return Done(contract.error("failed", f"took longer than "
                                       f"{self.agent.settings.command_timeout_s} s"))
        except (EdgeError, OSError, ValueError) as exc:
            return Done(contract.error("failed", str(exc)))
        if isinstance(outcome, Done):
            return outcome
        self.agent.validator.check_result(name, request.version, outcome)
        return Done(contract.ok(outcome))

    # ------------------------------------------------------------- commands

    async def _cmd_ping(self, _args: dict[str, Any], _msg: Message) -> dict[str, Any]:
        return {"pong": True, "time": self.agent.now_iso(), "uptime_s": self.agent.uptime_s(),
                "software": self.agent.software}

    async def _cmd_get_config(self, _args: dict[str, Any], _msg: Message) -> dict[str, Any]:
        path = self.agent.config_path
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        return {"path": str(path), "text": text, "sha256": reconfig.sha256(text)}

    async def _cmd_set_config(self, args: dict[str, Any], msg: Message) -> Done | dict[str, Any]:
        agent = self.agent
        if await asyncio.to_thread(agent.changes.current) is not None:
            return Done(contract.error("busy", "another configuration change is under way"))
        current = await asyncio.to_thread(agent.config_path.read_text, encoding="utf-8")
        expected = args.get("expect_sha256")
        if expected is not None and expected != reconfig.sha256(current):
            return Done(contract.error("failed", "the configuration changed meanwhile",
                                       sha256=reconfig.sha256(current)))
        text: str = args["text"]
        problems = await asyncio.to_thread(reconfig.check_candidate, agent.config_path, text,
                                           agent.device)
        if problems:
            return Done(contract.error("invalid", "the new configuration is not valid",
                                       problems=problems))
        if text == current:
            digest = reconfig.sha256(text)
            return {"applied": True, "sha256": digest, "previous_sha256": digest,
                    "restarted": []}
        await asyncio.to_thread(agent.changes.begin, text, agent.settings.config_confirm_s,
                                msg.response_topic, msg.correlation_data)
        log.warning("applying a new configuration: restarting")
        agent.request_restart("set_config")
        return DEFERRED

    async def _cmd_restart_service(self, args: dict[str, Any], _msg: Message) -> Done | dict[
            str, Any]:
        service: str = args["service"]
        if service == "agent":
            result = {"service": "agent", "restarted": True, "active": True}
            return Done(contract.ok(result),
                        then=lambda: self.agent.request_restart("restart_service"))
        unit = self.agent.settings.services.get(service)
        if unit is None:
            known = ", ".join(["agent", *sorted(self.agent.settings.services)])
            return Done(contract.error("not_supported", f"no service {service!r} on this "
                                       f"device; known: {known}"))
        await self.agent.services.restart(unit)
        active = await self.agent.services.is_active(unit)
        return {"service": service, "restarted": True, "active": active}

    async def _lock(self, locked: bool, reason: str | None) -> Done | dict[str, Any]:
        if self.agent.device.role != "kiosk":
            return Done(contract.error("not_supported",
                                       f"a {self.agent.device.role} has no kiosk to lock"))
        lock = self.agent.store.kiosk_lock
        state = await asyncio.to_thread(lock.set, locked, reason, "remote")
        state = await lock.wait_applied(state.version, self.agent.settings.lock_ack_timeout_s)
        result: dict[str, Any] = {"locked": state.locked, "applied": state.applied,
                                  "version": state.version}
        if state.reason:
            result["reason"] = state.reason
        return result

    async def _cmd_lock_kiosk(self, args: dict[str, Any], _msg: Message) -> Done | dict[
            str, Any]:
        return await self._lock(True, args.get("reason"))

    async def _cmd_unlock_kiosk(self, _args: dict[str, Any], _msg: Message) -> Done | dict[
            str, Any]:
        return await self._lock(False, None)

    async def _cmd_flush_offline_queue(self, _args: dict[str, Any], _msg: Message) -> Done | dict[
            str, Any]:
        role = self.agent.device.role
        if role not in ("kiosk", "bookdrop"):
            return Done(contract.error("not_supported", f"a {role} has no offline queue"))
        wait_s = max(1.0, self.agent.settings.command_timeout_s - 1.0)
        outcome = await self.agent.store.requests.call("flush_offline_queue", {}, wait_s)
        if outcome.state == "done" and outcome.result is not None:
            return outcome.result
        if outcome.state == "failed":
            return Done(contract.error("failed", outcome.error or "failed"))
        if outcome.state == "expired":
            return Done(contract.error("not_running", f"no {role} service took the request "
                                       f"within {wait_s:.0f} s: is it running?"))
        return Done(contract.error("failed", f"still replaying after {wait_s:.0f} s"))

