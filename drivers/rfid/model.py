"""Values the reader interface returns: tags found by an inventory, a tag's
system information, the reader's identity and connection state."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .errors import uid_hex


class ReaderState(enum.StrEnum):
    """Connection state of a reader, as shown to staff."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class InventoryTag:
    """A tag that answered an inventory. ``uid`` is most significant byte
    first (E0 ...); ``antenna`` counts from 1."""

    uid: bytes
    dsfid: int = 0
    antenna: int = 1

    @property
    def uid_hex(self) -> str:
        return uid_hex(self.uid)


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """ISO 15693 Get System Information. A field the tag does not report is
    None. ``block_count`` and ``block_size`` are true counts (not minus one)."""

    uid: bytes
    dsfid: int | None = None
    afi: int | None = None
    block_size: int | None = None
    block_count: int | None = None
    ic_ref: int | None = None

    @property
    def memory_bytes(self) -> int | None:
        if self.block_size is None or self.block_count is None:
            return None
        return self.block_size * self.block_count


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    """What a reader says about itself."""

    protocol: str
    model: str = ""
    firmware: str = ""
    details: dict[str, str] = field(default_factory=dict)
