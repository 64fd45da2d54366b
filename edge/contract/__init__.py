"""The MQTT contract between devices and the centre (docs/mqtt.md), version 1:
topics, the event envelope, event builders, the retained state, commands
and replies, and the JSON Schema of each, versioned and fingerprinted.

Pure codecs: standard library only (no sockets, clocks or globals); the
JSON Schema validation itself lives in :mod:`edge.mqtt.validation`.
"""

from .commands import COMMANDS, Reply, Request, decode_reply, decode_request, encode_request
from .envelope import (
    EVENT_CLASSES,
    MAX_EVENT_BYTES,
    Envelope,
    Event,
    EventClass,
    PayloadError,
    decode_json_object,
    encode_envelope,
    encode_payload,
)
from .events import EVENTS, Component, Routing
from .ids import Uuid7Source, uuid7
from .state import State
from .topics import Topic, TopicError, parse_topic

__all__ = [
    "COMMANDS", "EVENTS", "EVENT_CLASSES", "MAX_EVENT_BYTES", "Component", "Envelope", "Event",
    "EventClass", "PayloadError", "Reply", "Request", "Routing", "State", "Topic", "TopicError",
    "Uuid7Source", "decode_json_object", "decode_reply", "decode_request", "encode_envelope",
    "encode_payload", "encode_request", "parse_topic", "uuid7",
]
