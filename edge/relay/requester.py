"""Sending a remote command to a device and waiting for its reply (MQTT v5
request/response), as an operator or the centre does it."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from edge.contract.commands import Reply, decode_reply, encode_request
from edge.contract.envelope import PayloadError
from edge.contract.topics import command_topic, reply_topic
from edge.mqtt.client import Message, MqttConnection, Settings
from edge.mqtt.errors import MqttError


class NoReplyError(MqttError):
    """The device did not answer in time (offline, or its agent is down)."""


async def send_command(settings: Settings, site: str, device: str, name: str,
                       args: dict[str, Any] | None = None, *, timeout_s: float = 30.0,
                       prefix: str = "smartlib/v1", version: int = 1,
                       requester: str | None = None) -> Reply:
    requester = requester or f"op-{os.urandom(4).hex()}"
    response = reply_topic(site, device, requester, prefix)
    correlation = os.urandom(16)
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Reply] = loop.create_future()

    def on_message(msg: Message) -> None:
        if msg.topic != response or msg.correlation_data != correlation or answer.done():
            return
        try:
            answer.set_result(decode_reply(msg.payload))
        except PayloadError as exc:
            answer.set_exception(exc)

    conn = await MqttConnection.open(settings, on_message=on_message)
    try:
        codes = await conn.subscribe(response)
        if any(code >= 0x80 for code in codes):
            raise MqttError(f"the broker refused the subscription to {response}")
        code = await conn.publish(command_topic(site, device, name, prefix),
                                  encode_request(args, version), qos=1,
                                  response_topic=response, correlation_data=correlation)
        if code >= 0x80:
            raise MqttError(f"the broker refused the command (reason code 0x{code:02x})")
        try:
            async with asyncio.timeout(timeout_s):
                return await answer
        except TimeoutError:
            raise NoReplyError(f"{site}/{device} did not answer {name} within "
                               f"{timeout_s:.0f} s") from None
    finally:
        await conn.close()
