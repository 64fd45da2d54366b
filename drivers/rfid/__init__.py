"""ISO 15693 RFID readers for item tags: the async reader interface, the pad
view (tag arrived / left / data events), and reader protocols chosen by URL
(FEIG ISO-Host, PC/SC pseudo-APDUs, simulator).

    reader = await open_reader("feig:///dev/ttyUSB0?baud=38400")
    async with reader:
        for tag in await reader.inventory():
            memory = await reader.read_memory(tag.uid)
"""

from .errors import (
    CrcError,
    DeviceStatusError,
    DisconnectedError,
    FrameError,
    LengthError,
    ProtocolError,
    ReaderConfigError,
    ReaderError,
    ReaderTimeoutError,
    TagError,
    TagLeftError,
    TagLockedError,
    TagNotPresentError,
    TagRfError,
    TagWriteError,
    TransportError,
    UnsupportedError,
    VerifyError,
    uid_hex,
)
from .iso15693 import parse_uid
from .model import InventoryTag, ReaderInfo, ReaderState, SystemInfo
from .pad import (
    Pad,
    PadEvent,
    PadOptions,
    ReaderStatus,
    TagArrived,
    TagData,
    TagLeft,
    TagMoved,
    TagReadFailed,
)
from .reader import Reader
from .url import READER_PROTOCOLS, ReaderUrl, make_reader, open_reader, parse_url

__all__ = [
    "READER_PROTOCOLS", "CrcError", "DeviceStatusError", "DisconnectedError", "FrameError",
    "InventoryTag", "LengthError", "Pad", "PadEvent", "PadOptions", "ProtocolError",
    "Reader", "ReaderConfigError", "ReaderError", "ReaderInfo", "ReaderState", "ReaderStatus",
    "ReaderTimeoutError", "ReaderUrl", "SystemInfo", "TagArrived", "TagData", "TagError",
    "TagLeft", "TagLeftError", "TagLockedError", "TagMoved", "TagNotPresentError",
    "TagReadFailed", "TagRfError", "TagWriteError", "TransportError", "UnsupportedError",
    "VerifyError", "make_reader", "open_reader", "parse_uid", "parse_url", "uid_hex",
]
