"""Errors raised by :mod:`firmware_bridge`: one root, :class:`BridgeError`,
and kinds a caller can act on.

* :class:`FrameError` (also a :class:`ValueError`): bytes that are not a
  valid frame (COBS, length, CRC, header), with the byte ``offset``. The
  link drops such a frame; the sender's retransmission repairs it.
* :class:`MessageError` (also a :class:`ValueError`): a frame whose payload
  does not match its message type's layout, with the ``offset``.
* :class:`LinkError` (``transient=True``): the serial link failed (port
  gone, closed) or the microcontroller stopped answering
  (:class:`NoAckError`, :class:`BridgeTimeoutError`).
* :class:`BridgeConfigError` (also a :class:`ValueError`): a bad port URL
  or option.

Standard library only: the pure codecs raise these too.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error raised by :mod:`firmware_bridge`."""

    #: True when the same call may succeed if tried again later.
    transient: bool = False


class BridgeConfigError(BridgeError, ValueError):
    """A port URL or option is malformed or unknown."""


class FrameError(BridgeError, ValueError):
    """Bytes that do not form a valid frame; ``offset`` is where (in the
    decoded frame, or in the COBS bytes for a COBS error)."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(f"byte {offset}: {message}")


class CobsError(FrameError):
    """The COBS encoding is broken (a code byte points past the end)."""


class CrcError(FrameError):
    """The frame's CRC-16 does not match its bytes."""

    def __init__(self, offset: int, expected: int, found: int) -> None:
        self.expected, self.found = expected, found
        super().__init__(offset, f"CRC {found:04X} does not match the frame ({expected:04X})")


class MessageError(BridgeError, ValueError):
    """A payload that does not fit its message type; ``offset`` is the byte
    of the payload where it went wrong."""

    def __init__(self, msg_type: int, offset: int, message: str) -> None:
        self.msg_type, self.offset = msg_type, offset
        super().__init__(f"message {msg_type:02X}, byte {offset}: {message}")


class LinkError(BridgeError):
    """The link to the microcontroller failed; it is being reconnected."""

    transient = True


class NoAckError(LinkError):
    """A frame was sent ``attempts`` times and never acknowledged."""

    def __init__(self, message: str, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(message)


class BridgeTimeoutError(LinkError, TimeoutError):
    """The microcontroller acknowledged a request but its answer did not come."""
