"""Link to microcontroller firmware (book-drop sorters, gate sensor boards):
the framed serial protocol between the Pi and an MCU, as a pure codec plus a
thin async transport. Knows nothing of library policy.

* :mod:`.frames` (pure): COBS framing, header, CRC-16/CCITT-FALSE.
* :mod:`.session` (pure): sequence numbers, acknowledgements, retransmission.
* :mod:`.messages` (pure): the message types and their payloads.
* :mod:`.link`: :class:`McuLink`, the Pi's end over pyserial.
* :mod:`.emulator`: an emulated sorter board on a pty, for tests and the demo.

    async with McuLink("/dev/ttyACM0") as link:
        done = await link.call(Sort(cookie, bin=2), lambda m: isinstance(m, SortDone))

The wire format, for firmware authors: docs/firmware_bridge.md.
"""

from .errors import (
    BridgeConfigError,
    BridgeError,
    BridgeTimeoutError,
    CobsError,
    CrcError,
    FrameError,
    LinkError,
    MessageError,
    NoAckError,
)
from .link import BoardRestarted, LinkEvent, LinkOptions, LinkState, McuLink, Subscription
from .messages import (
    Fault,
    Hello,
    Info,
    InputChanged,
    Inputs,
    Message,
    Ping,
    Pong,
    QueryInputs,
    SetOutput,
    Sort,
    SortDone,
    SortStatus,
    Unknown,
    decode_message,
    encode_message,
)

__all__ = [
    "BoardRestarted", "BridgeConfigError", "BridgeError", "BridgeTimeoutError", "CobsError",
    "CrcError", "Fault", "FrameError", "Hello", "Info", "InputChanged", "Inputs", "LinkError",
    "LinkEvent", "LinkOptions", "LinkState", "McuLink", "Message", "MessageError",
    "NoAckError", "Ping", "Pong", "QueryInputs", "SetOutput", "Sort", "SortDone", "SortStatus",
    "Subscription", "Unknown", "decode_message", "encode_message",
]
