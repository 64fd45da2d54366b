"""Errors raised by :mod:`drivers.rfid`: one root, :class:`ReaderError`, and
kinds a caller can act on.

* :class:`TransportError` (``transient=True``): the link to the reader failed
  (port gone, socket closed, no answer). Retrying later may work; a
  reconnecting reader shows "disconnected" meanwhile.
* :class:`FrameError` (also a :class:`ValueError`): bytes that are not a valid
  frame, with the byte offset (``CrcError``, ``LengthError``).
* :class:`DeviceStatusError`: the reader answered with an error status code.
* :class:`TagError`: about one tag, with its UID (not present, left in the
  middle of a write, write failed, read-back differs, block locked).
* :class:`ProtocolError`: the peer broke the protocol (reply to another
  command, impossible field values).
* :class:`UnsupportedError`: this reader (or its configured model) cannot do
  the operation.
* :class:`ReaderConfigError` (also a :class:`ValueError`): bad URL or option.

Standard library only: the frame codecs raise these too.
"""

from __future__ import annotations


def uid_hex(uid: bytes) -> str:
    """A UID as it is printed and stored: upper-case hex, most significant
    byte first (``E004015000000001``)."""
    return uid.hex().upper()


class ReaderError(Exception):
    """Root of every error raised by :mod:`drivers.rfid`."""

    #: True when the same call may succeed if tried again later.
    transient: bool = False


class ReaderConfigError(ReaderError, ValueError):
    """A reader URL or option is malformed or names something unknown."""


class UnsupportedError(ReaderError):
    """The reader, or its configured model, cannot do this operation."""


class TransportError(ReaderError):
    """The link to the reader failed: port missing, connection lost, no reply."""

    transient = True


class ReaderTimeoutError(TransportError, TimeoutError):
    """The reader did not answer in time (after the configured retries)."""


class DisconnectedError(TransportError):
    """The reader is disconnected; it is being reconnected in the background."""


class FrameError(ReaderError, ValueError):
    """Bytes that do not form a valid frame. ``offset`` is the byte where the
    problem is (0 = first byte of the frame)."""

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(f"byte {offset}: {message}")


class CrcError(FrameError):
    """The frame's CRC does not match its contents."""

    def __init__(self, offset: int, expected: int, received: int) -> None:
        self.expected = expected
        self.received = received
        super().__init__(offset, f"CRC {received:04X} received, {expected:04X} computed")


class LengthError(FrameError):
    """A length field is impossible or disagrees with the bytes present."""


class ProtocolError(ReaderError):
    """The reader broke its protocol (wrong reply, impossible field value)."""


class DeviceStatusError(ReaderError):
    """The reader reported an error status. ``status`` is the reader's code,
    ``name`` its meaning; ``data`` any bytes that came with it."""

    def __init__(self, status: int, name: str, data: bytes = b"", command: str = "") -> None:
        self.status = status
        self.name = name
        self.data = data
        self.command = command
        where = f"{command}: " if command else ""
        super().__init__(f"{where}reader status {status:02X} ({name})")


class TagError(ReaderError):
    """Something about one tag; ``uid`` is its UID (MSB first), or None when
    the command was not addressed to one tag. ``iso_error`` is the tag's
    ISO/IEC 15693 error code when it sent one."""

    def __init__(self, uid: bytes | None, message: str, iso_error: int | None = None) -> None:
        self.uid = uid
        self.iso_error = iso_error
        who = f"tag {uid_hex(uid)}" if uid else "tag"
        super().__init__(f"{who}: {message}")


class TagRfError(TagError):
    """The tag's answer was garbled or collided (a weak tag, several tags
    answering a non-addressed command)."""

    transient = True


class TagNotPresentError(TagError):
    """The tag does not answer: it is not (or no longer) in the field."""

    transient = True


class TagLeftError(TagNotPresentError):
    """The tag left the field while it was being written. The write did NOT
    complete: ``blocks_verified`` blocks (from the first) are known to hold the
    new data, the rest may hold old, new or partly written data."""

    def __init__(self, uid: bytes | None, message: str, blocks_verified: int = 0) -> None:
        self.blocks_verified = blocks_verified
        super().__init__(uid, message)


class TagWriteError(TagError):
    """The tag refused or failed a write. ``block`` is the failing block if
    known, ``iso_error`` the tag's ISO/IEC 15693 error code if it sent one."""

    def __init__(self, uid: bytes | None, message: str, block: int | None = None,
                 iso_error: int | None = None) -> None:
        self.block = block
        super().__init__(uid, message, iso_error)


class TagLockedError(TagWriteError):
    """The block (or AFI, DSFID, EAS) is locked and cannot be changed."""


class VerifyError(TagError):
    """A write was acknowledged but reading it back shows different data."""

    def __init__(self, uid: bytes | None, message: str, block: int | None = None) -> None:
        self.block = block
        super().__init__(uid, message)
