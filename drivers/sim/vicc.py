"""Virtual cards for pcscd's vpcd driver (vsmartcard-vpcd), our own side of
its socket protocol.

vpcd listens on a TCP port per reader slot; a virtual card (vicc) connects
to it. Each message is a 2-byte big-endian length, then the payload: a
1-byte control (0 power off, 1 power on, 2 reset, 4 "send your ATR") or a
command APDU. The vicc answers the ATR request with the ATR and an APDU with
the response APDU; power controls get no answer. The card is present while
the connection is open: :meth:`VpcdSlot.insert` is a card put on the reader,
:meth:`VpcdSlot.remove` lifting it.

Cards here are what a contactless PC/SC reader shows to the host:

* :class:`PatronCard`: an ISO 14443-A library card; ``FF CA 00 00 00``
  returns its UID.
* :class:`Iso15693Slot`: the reader's firmware in front of an ISO 15693 item
  tag on a :class:`~drivers.sim.pad.VirtualPad`: Get Data (UID), the PC/SC
  Part 3 storage commands (Read / Update Binary per block) and the Part 3
  transparent exchange session (``FF C2``) carrying raw ISO 15693 frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from drivers.rfid import iso15693 as iso
from drivers.rfid.errors import FrameError

from .errors import IsoError, NoResponse
from .pad import VirtualPad
from .tags import SimTag, TagState

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NOT_SUPPORTED = b"\x6A\x81"
SW_WRONG_P1P2 = b"\x6B\x00"
SW_INS_UNKNOWN = b"\x6D\x00"
SW_CLA_UNKNOWN = b"\x6E\x00"
SW_NO_RESPONSE = b"\x64\x01"
SW_FAILED = b"\x65\x81"

#: PC/SC Part 3 "standard" byte of a contactless storage card ATR.
STANDARD_14443A_3 = 0x03
STANDARD_15693_3 = 0x0B


def part3_atr(standard: int, card_name: int) -> bytes:
    """ATR a PC/SC Part 3 reader builds for a contactless storage card."""
    body = bytes([0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, standard,
                  card_name >> 8, card_name & 0xFF, 0, 0, 0, 0])
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3B" + body + bytes([tck])


class VirtualCard(Protocol):
    def atr(self) -> bytes: ...

    def apdu(self, command: bytes) -> bytes: ...


class PatronCard:
    """A library card (ISO 14443-A, e.g. MIFARE Classic or NTAG) as a
    contactless PC/SC reader presents it."""

    def __init__(self, uid: bytes, card_name: int = 0x0001) -> None:
        self.uid = uid
        self.card_name = card_name

    def atr(self) -> bytes:
        return part3_atr(STANDARD_14443A_3, self.card_name)

    def apdu(self, command: bytes) -> bytes:
        if len(command) < 4:
            return SW_WRONG_LENGTH
        if command[0] != 0xFF:
            return SW_CLA_UNKNOWN
        if command[1] == 0xCA:
            if command[2:4] == b"\x00\x00":
                return self.uid + SW_OK
            return SW_NOT_SUPPORTED
        return SW_INS_UNKNOWN


class Iso15693Slot:
    """A PC/SC reader's handling of an ISO 15693 tag: the tag in the field
    is the one tag on ``pad``. ``uid_lsb_first``: Get Data answers the UID
    in air order, as most readers do."""

    def __init__(self, pad: VirtualPad, uid_lsb_first: bool = True) -> None:
        self.pad = pad
        self.uid_lsb_first = uid_lsb_first
        self.session = False

    def _tag(self) -> SimTag:
        return self.pad.single()

    def atr(self) -> bytes:
        return part3_atr(STANDARD_15693_3, 0x0014)

    def apdu(self, command: bytes) -> bytes:
        if len(command) < 4:
            return SW_WRONG_LENGTH
        if command[0] != 0xFF:
            return SW_CLA_UNKNOWN
        ins, p1, p2 = command[1], command[2], command[3]
        body = command[5:5 + command[4]] if len(command) > 5 else b""
        try:
            if ins == 0xCA and (p1, p2) == (0, 0):
                uid = self._tag().uid
                return (uid[::-1] if self.uid_lsb_first else uid) + SW_OK
            if ins == 0xB0:
                return self._tag().read_block(p2) + SW_OK
            if ins == 0xD6:
                tag = self._tag()
                self.pad.write_block(tag, p2, body)
                return SW_OK
            if ins == 0xC2:
                return self._transparent(p2, body)
        except NoResponse:
            return SW_NO_RESPONSE
        except IsoError:
            return SW_FAILED
        return SW_INS_UNKNOWN

    # ------------------------------------------- PC/SC Part 3 transparent session

    @staticmethod
    def _objects(data: bytes) -> list[tuple[int, bytes]]:
        out, at = [], 0
        while at < len(data):
            tag = data[at]
            at += 1
            if tag == 0x5F:  # two-byte tag (5F 46 timer)
                tag = 0x5F00 | data[at]
                at += 1
            size = data[at]
            out.append((tag, bytes(data[at + 1:at + 1 + size])))
            at += 1 + size
        return out

    def _transparent(self, function: int, data: bytes) -> bytes:
        ok = b"\xC0\x03\x00\x90\x00"
        try:
            objects = self._objects(data)
        except IndexError:
            return b"\xC0\x03\x00\x67\x00" + SW_OK
        if function == 0x00:  # manage session: 81 start, 82 end
            for tag, _ in objects:
                if tag == 0x81:
                    self.session = True
                elif tag == 0x82:
                    self.session = False
            return ok + SW_OK
        if function == 0x02:  # switch protocol: 8F 02 02 03 = ISO 15693 layer 3
            return ok + b"\x8F\x01\x00" + SW_OK
        if function != 0x01 or not self.session:
            return b"\xC0\x03\x00\x6A\x81" + SW_OK
        for tag, value in objects:
            if tag == 0x95:
                answer = self._air(value)
                if answer is None:
                    return b"\xC0\x03\x01" + SW_NO_RESPONSE + SW_OK
                return (ok + b"\x92\x01\x00\x96\x02\x00\x00\x97" + bytes([len(answer)]) + answer
                        + SW_OK)
        return ok + SW_OK

    def _air(self, frame: bytes) -> bytes | None:
        """Execute one ISO 15693 request; None when no tag answers."""
        try:
            request = iso.decode_request(frame)
        except FrameError:
            return None
        pad = self.pad
        try:
            if request.flags & iso.FLAG_INVENTORY:
                afi = request.params[0] if request.flags & iso.FLAG_AFI else None
                found = pad.inventory(afi)
                if len(found) != 1:
                    return None  # nobody, or a collision in the single slot
                tag = found[0].tag
                return bytes([0x00, tag.dsfid]) + tag.uid[::-1]
            if request.uid is not None:
                tag = pad.addressed(request.uid)
            elif request.flags & iso.FLAG_SELECTED:
                tag = pad.selected()
            elif request.command == iso.NXP_EAS_ALARM:
                return b"\x00" + bytes(32) if pad.eas_alarm() else None
            elif request.command == iso.RESET_TO_READY:
                pad.reset_to_ready()
                return b"\x00"
            else:
                tag = pad.single()
            return b"\x00" + self._command(tag, request)
        except NoResponse:
            return None
        except IsoError as exc:
            return bytes([iso.RESPONSE_ERROR, exc.code])

    def _command(self, tag: SimTag, request: iso.Request) -> bytes:
        pad, params, command = self.pad, request.params, request.command
        security = bool(request.flags & iso.FLAG_OPTION)
        if command in (iso.READ_SINGLE, iso.READ_MULTIPLE):
            count = 1 if command == iso.READ_SINGLE else params[1] + 1
            out = bytearray()
            for locked, data in pad.read_blocks(tag, params[0], count):
                out += (b"\x01" if locked else b"\x00") if security else b""
                out += data
            return bytes(out)
        if command == iso.WRITE_SINGLE:
            pad.write_block(tag, params[0], params[1:])
        elif command == iso.LOCK_BLOCK:
            pad.lock_block(tag, params[0])
        elif command == iso.WRITE_AFI:
            pad.write_afi(tag, params[0])
        elif command == iso.LOCK_AFI:
            pad.lock_afi(tag)
        elif command == iso.WRITE_DSFID:
            tag.write_dsfid(params[0])
        elif command == iso.GET_SYSTEM_INFO:
            pad.system_info(tag)
            return iso.encode_system_info(tag.uid, tag.dsfid, tag.afi, tag.chip.block_size,
                                          tag.chip.block_count, tag.chip.ic_ref)
        elif command == iso.RESET_TO_READY:
            tag.state = TagState.READY
        elif command == iso.STAY_QUIET:
            tag.state = TagState.QUIET
        elif command == iso.SELECT:
            pad.select(tag.uid)
        elif command in (iso.NXP_SET_EAS, iso.NXP_RESET_EAS) and request.mfr == iso.NXP_MFR:
            pad.set_eas(tag, command == iso.NXP_SET_EAS)
        elif command == iso.NXP_LOCK_EAS and request.mfr == iso.NXP_MFR:
            pad.lock_eas(tag)
        else:
            raise IsoError(0x01)
        return b""


class VpcdSlot:
    """One vpcd reader slot (a TCP port). ``insert(card)`` connects a
    virtual card; ``remove()`` disconnects it."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.card: VirtualCard | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        #: Command APDUs received, in order (tests assert them).
        self.apdus: list[bytes] = []

    async def insert(self, card: VirtualCard) -> None:
        await self.remove()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.card, self._writer = card, writer
        self._task = asyncio.create_task(self._serve(reader, writer, card),
                                         name=f"vicc {self.port}")

    async def remove(self) -> None:
        writer, self._writer = self._writer, None
        task, self._task = self._task, None
        self.card = None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     card: VirtualCard) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(2), "big")
                message = await reader.readexactly(size)
                if size == 1:
                    if message[0] == CTRL_ATR:
                        answer = card.atr()
                    else:
                        continue  # power on / off / reset: no answer
                else:
                    self.apdus.append(message)
                    answer = card.apdu(message)
                writer.write(len(answer).to_bytes(2, "big") + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            log.debug("vpcd closed the connection", extra={"fields": {"port": self.port}})
