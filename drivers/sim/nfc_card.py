"""Emulated NFC cards for nfcpy's ``udp`` transport: the card side of its
datagrams (``"106A 26"``: bit rate, space, hex payload), answering as an ISO
14443-A card does.

* :class:`Ntag213`: a Type 2 Tag library card (7-byte UID, NXP GET_VERSION,
  READ of 4 pages, an NDEF message in its memory).
* :class:`HcePhone`: a phone presenting an NDEF Type 4 application (ISO-DEP
  after RATS; SELECT of the NDEF application, capability container and NDEF
  file; READ BINARY), as card-emulation apps do.

:class:`NfcUdpField` is the RF field at a UDP port on 127.0.0.1: ``tap(card)``
holds a card to the reader, ``remove()`` takes it away. Anticollision follows
ISO/IEC 14443-3 (REQA/WUPA, cascade levels with the 0x88 cascade tag and
BCC); a Type 2 Tag goes mute after a command it does not know, as real ones
do. Records are built with ndeflib (installed with nfcpy).
"""

from __future__ import annotations

import asyncio
import logging
from functools import reduce
from operator import xor

log = logging.getLogger(__name__)

NDEF_AID = bytes.fromhex("D2760000850101")
CC_FILE = bytes.fromhex("E103")
NDEF_FILE = bytes.fromhex("E104")


def ndef_message(text: str | None = None, uri: str | None = None) -> bytes:
    """An NDEF message with a Text and/or URI record."""
    import ndef

    records: list[object] = []
    if text is not None:
        records.append(ndef.TextRecord(text, "en"))
    if uri is not None:
        records.append(ndef.UriRecord(uri))
    return b"".join(ndef.message_encoder(records))


class Card:
    """An ISO 14443-A card: UID, SENS_RES (ATQA), final SEL_RES (SAK)."""

    sens_res = bytes.fromhex("4400")
    sak = 0x00

    def __init__(self, uid: bytes) -> None:
        if len(uid) not in (4, 7):
            raise ValueError("ISO 14443-A UIDs here have 4 or 7 bytes")
        self.uid = uid

    def levels(self) -> list[bytes]:
        """SDD_RES of each cascade level (4 bytes + BCC)."""
        parts = [self.uid] if len(self.uid) == 4 else [b"\x88" + self.uid[:3], self.uid[3:]]
        return [p + bytes([reduce(xor, p)]) for p in parts]

    def reset(self) -> None:
        """Field off or card halted."""

    def command(self, data: bytes) -> bytes | None:
        """Answer an activated-state command; None: stay mute."""
        return None


class Ntag213(Card):
    """NXP NTAG213: 45 pages of 4 bytes; NDEF from page 4 (capability
    container E1 10 12 00 in page 3)."""

    VERSION = bytes.fromhex("0004040201000F03")

    def __init__(self, uid: bytes, message: bytes = b"") -> None:
        super().__init__(uid)
        if len(uid) != 7:
            raise ValueError("NTAG213 UIDs have 7 bytes")
        memory = bytearray(45 * 4)
        memory[0:3] = uid[:3]
        memory[3] = 0x88 ^ uid[0] ^ uid[1] ^ uid[2]
        memory[4:8] = uid[3:7]
        memory[8] = reduce(xor, uid[3:7])
        memory[12:16] = bytes.fromhex("E1101200")
        tlv = bytes([0x03, len(message)]) + message + b"\xFE" if message else b"\x03\x00\xFE"
        if len(tlv) > 144:
            raise ValueError("NDEF message too long for an NTAG213")
        memory[16:16 + len(tlv)] = tlv
        self.memory = memory

    def command(self, data: bytes) -> bytes | None:
        if data[:1] == b"\x30" and len(data) == 2:    # READ: 4 pages, wrapping
            start = data[1] * 4
            if start >= len(self.memory):
                return b"\x00"                       # NAK
            return bytes((self.memory + self.memory)[start:start + 16])
        if data == b"\x60":                           # GET_VERSION
            return self.VERSION
        return None


class HcePhone(Card):
    """A phone emulating an NDEF Type 4 Tag (4-byte random UID, SAK 0x20)."""

    sens_res = bytes.fromhex("0400")
    sak = 0x20
    ATS = bytes.fromhex("0578807802")  # FSCI 8 (256 bytes), FWI 7

    def __init__(self, uid: bytes, message: bytes) -> None:
        super().__init__(uid)
        self.files = {
            CC_FILE: bytes.fromhex("000F20007F007F0406E10400FF0000"),
            NDEF_FILE: len(message).to_bytes(2, "big") + message,
        }
        self.reset()

    def reset(self) -> None:
        self._active = False
        self._app = False
        self._file: bytes | None = None

    def command(self, data: bytes) -> bytes | None:
        if data[:1] == b"\xE0":                       # RATS
            self._active = True
            return self.ATS
        if not self._active or not data:
            return None
        pcb = data[0]
        if pcb & 0xF6 == 0xB2:                        # R(NAK): presence check -> R(ACK)
            return bytes([0xA2 | (pcb & 0x01)])
        if pcb & 0xEE == 0x02:                        # I-block
            return bytes([pcb & 0x03]) + self._apdu(data[1:])
        if pcb & 0xF7 == 0xC2:                        # S(DESELECT)
            self._active = False
            return data[:1]
        return None

    def _apdu(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        body = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            self._app = body == NDEF_AID
            return b"\x90\x00" if self._app else b"\x6A\x82"
        if ins == 0xA4 and p1 == 0x00 and self._app:
            self._file = body if body in self.files else None
            return b"\x90\x00" if self._file else b"\x6A\x82"
        if ins == 0xB0 and self._file is not None:
            offset, size = p1 << 8 | p2, apdu[4] if len(apdu) > 4 else 0
            return self.files[self._file][offset:offset + (size or 256)] + b"\x90\x00"
        return b"\x6D\x00"


class NfcUdpField(asyncio.DatagramProtocol):
    """The RF field that nfcpy's ``udp:127.0.0.1:PORT`` reader talks to."""

    def __init__(self) -> None:
        self.card: Card | None = None
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None
        self._level = 0        # cascade levels selected so far
        self._state = "idle"   # idle | ready | active | halt
        #: (received, answered) payloads, for tests.
        self.log: list[tuple[bytes, bytes | None]] = []

    async def start(self, port: int = 0) -> NfcUdpField:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", port))
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self

    @property
    def path(self) -> str:
        """The nfcpy device path of a reader in this field."""
        return f"udp:127.0.0.1:{self.port}"

    def tap(self, card: Card) -> None:
        self.card = card
        card.reset()
        self._state, self._level = "idle", 0

    def remove(self) -> None:
        self.card = None

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        if data.startswith(b"RFOFF"):
            self._state, self._level = "idle", 0
            if self.card is not None:
                self.card.reset()
            return
        try:
            brty, payload_hex = data.split()
            payload = bytes.fromhex(payload_hex.decode())
        except ValueError:
            return
        answer = self._answer(payload)
        self.log.append((payload, answer))
        if answer is not None and self._transport is not None:
            self._transport.sendto(brty + b" " + answer.hex().encode(), addr)

    def _answer(self, data: bytes) -> bytes | None:
        card = self.card
        if card is None:
            return None
        if data in (b"\x26", b"\x52"):                      # REQA / WUPA
            if self._state == "halt" and data == b"\x26":
                return None
            self._state, self._level = "ready", 0
            card.reset()
            return card.sens_res
        if self._state == "ready" and len(data) >= 2 and data[0] in (0x93, 0x95, 0x97):
            level = (0x93, 0x95, 0x97).index(data[0])
            levels = card.levels()
            if level >= len(levels):
                return None
            if data[1] == 0x20:                               # SDD_REQ
                return levels[level]
            if data[1] == 0x70 and data[2:] == levels[level]:  # SEL_REQ
                self._level = level + 1
                if self._level < len(levels):
                    return b"\x04"                            # cascade: UID not complete
                self._state = "active"
                return bytes([card.sak])
            return None
        if self._state != "active":
            return None
        if data == b"\x50\x00":                               # HLTA
            self._state = "halt"
            return None
        answer = card.command(data)
        if answer is None and card.sak == 0x00:
            self._state = "idle"  # a Type 2 Tag goes mute after an unknown command
        return answer
