"""ISO 15693 item tags on a PC/SC reader (``pcsc://READER NAME``), through the
reader's pseudo-APDUs. Desktop PC/SC readers serve one tag at a time.

The APDU layout differs between reader models and is chosen with
``?layout=``:

``part3-transparent`` (default)
    PC/SC Part 3 supplement, transparent exchange (``FF C2``): a session is
    started (``FF C2 00 00 02 81 00``), switched to ISO 15693 layer 3
    (``FF C2 00 02 04 8F 02 02 03``), and raw ISO 15693 requests travel in a
    Transceive object (``95``) with a timer object (``5F 46``, ``timer_ms``,
    1000 by default, because some readers' default timeout is too short for
    a write); the tag's answer comes back in object ``97``. Everything works:
    inventory (one slot), read, write, AFI, lock, system information, NXP
    EAS. Readers documented to speak it: ACS ACR1552U, Identiv uTrust 3700 F.

``part3-storage``
    PC/SC Part 3 storage-card commands only: Get Data ``FF CA 00 00 00``
    (UID), Read Binary ``FF B0 00 BLOCK SIZE`` and Update Binary ``FF D6 00
    BLOCK SIZE DATA`` per block. No AFI, EAS, lock or system information
    (those raise UnsupportedError); ``block_size`` (4) must be given.

``uid_order=lsb`` (default) when Get Data returns the UID in air order
(least significant byte first), ``msb`` otherwise.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from drivers.cards.errors import ApduError, CardError, CardRemovedError, CardTransportError
from drivers.cards.pcsc import Card, PcscClient, technology

from . import iso15693 as iso
from .errors import (
    ProtocolError,
    ReaderConfigError,
    TagError,
    TagLeftError,
    TagLockedError,
    TagNotPresentError,
    TagRfError,
    TagWriteError,
    TransportError,
    UnsupportedError,
)
from .model import InventoryTag, ReaderInfo, SystemInfo
from .reader import Reader
from .url import ReaderUrl

START_SESSION = bytes.fromhex("FFC2000002810000")
END_SESSION = bytes.fromhex("FFC2000002820000")
SWITCH_15693 = bytes.fromhex("FFC20002048F02020300")
LAYOUTS = ("part3-transparent", "part3-storage")
OPTIONS = ("layout", "uid_order", "timer_ms", "block_size", "write_retries", "reconnect_max_s")


@dataclass(frozen=True)
class PcscOptions:
    layout: str = "part3-transparent"
    uid_lsb_first: bool = True
    timer_us: int = 1_000_000
    block_size: int = 4


def _objects(data: bytes) -> dict[int, bytes]:
    """PC/SC Part 3 response data objects (first of each tag)."""
    out: dict[int, bytes] = {}
    at = 0
    while at + 1 < len(data):
        tag = data[at]
        at += 1
        if tag == 0x5F:
            tag = 0x5F00 | data[at]
            at += 1
        size = data[at]
        out.setdefault(tag, bytes(data[at + 1:at + 1 + size]))
        at += 1 + size
    return out


class PcscReader(Reader):
    def __init__(self, url: str, reader: str, options: PcscOptions | None = None, *,
                 write_retries: int = 2, reconnect_max_s: float = 5.0) -> None:
        super().__init__(url, write_retries=write_retries, reconnect_max_s=reconnect_max_s)
        self.options = options or PcscOptions()
        self.default_block_size = self.options.block_size
        self.reader_name = reader
        self._client: PcscClient | None = None
        self._card: Card | None = None
        self._session = False

    # ---------------------------------------------------------- connection

    async def _connect(self) -> None:
        if self._client is None:
            self._client = PcscClient()
        try:
            self.reader_name = await self._client.find(self.reader_name)
        except CardError as exc:
            raise TransportError(f"{self.url}: {exc}") from exc

    async def _disconnect(self) -> None:
        await self._drop_card()
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def _drop_card(self) -> None:
        card, self._card, self._session = self._card, None, False
        if card is not None and self._client is not None:
            with contextlib.suppress(CardError):
                await self._client.disconnect(card)

    async def _info(self) -> ReaderInfo:
        return ReaderInfo("pcsc", self.reader_name, "", {"layout": self.options.layout})

    def _transport(self, exc: CardTransportError) -> TransportError:
        error = TransportError(f"{self.url}: {exc}")
        self._link_lost(error)
        return error

    async def _card_here(self) -> Card | None:
        """The connection to the tag on the reader, None if there is none."""
        assert self._client is not None
        if self._card is None:
            try:
                self._card = await self._client.connect(self.reader_name)
            except CardRemovedError:
                return None
            except CardTransportError as exc:
                raise self._transport(exc) from exc
            except CardError:
                return None
        return self._card

    async def _apdu(self, apdu: bytes, uid: bytes | None, what: str) -> bytes:
        card = await self._card_here()
        if card is None:
            raise TagNotPresentError(uid, f"{what}: no tag on the reader")
        assert self._client is not None
        try:
            return await self._client.command(card, apdu, what)
        except CardRemovedError:
            await self._drop_card()
            raise TagNotPresentError(uid, f"{what}: the tag left the reader") from None
        except CardTransportError as exc:
            await self._drop_card()
            raise self._transport(exc) from exc
        except ApduError as exc:
            raise TagError(uid, f"{what}: status word {exc.sw:04X}") from exc

    async def _transceive(self, frame: bytes, uid: bytes | None, what: str) -> bytes | None:
        """One ISO 15693 request in a transparent session; the tag's answer
        (flags first), or None when no tag answered."""
        if self.options.layout != "part3-transparent":
            raise UnsupportedError(f"{self.url}: layout {self.options.layout} cannot {what}")
        if not self._session:
            await self._apdu(START_SESSION, uid, "start transparent session")
            await self._apdu(SWITCH_15693, uid, "switch to ISO 15693")
            self._session = True
        timer = bytes([0x5F, 0x46, 0x04]) + self.options.timer_us.to_bytes(4, "little")
        body = timer + bytes([0x95, len(frame)]) + frame
        objects = _objects(await self._apdu(bytes([0xFF, 0xC2, 0x00, 0x01, len(body)]) + body
                                            + b"\x00", uid, what))
        status = objects.get(0xC0, b"\x00\x90\x00")
        if status[-2:] != b"\x90\x00":
            return None  # 64 01: no answer from the tag in time
        return objects.get(0x97)

    async def _iso(self, frame: bytes, uid: bytes | None, what: str, write: bool = False) -> bytes:
        answer = await self._transceive(frame, uid, what)
        if answer is None:
            raise TagNotPresentError(uid, f"{what}: no answer (not in the field)")
        try:
            error, payload = iso.decode_response(answer)
        except ValueError as exc:
            raise TagRfError(uid, f"{what}: {exc}") from None
        if error is None:
            return payload
        text = f"{what}: ISO error {error:02X} ({iso.ISO_ERRORS.get(error, 'unknown')})"
        if write and error in (0x11, 0x12):
            raise TagLockedError(uid, text, None, error)
        if write:
            raise TagWriteError(uid, text, None, error)
        raise TagError(uid, text, error)

    # ------------------------------------------------------------ commands

    async def _inventory(self, afi: int | None) -> list[InventoryTag]:
        card = await self._card_here()
        if card is None or technology(card.atr) not in ("ISO 15693", ""):
            return []
        if self.options.layout == "part3-storage":
            if afi is not None:
                raise UnsupportedError(f"{self.url}: layout part3-storage has no AFI filter")
            try:
                uid = await self._apdu(bytes.fromhex("FFCA000000"), None, "get UID")
            except TagNotPresentError:
                return []
            return [InventoryTag(uid[::-1] if self.options.uid_lsb_first else uid, 0, 1)]
        answer = await self._transceive(iso.encode_inventory(afi), None, "inventory")
        if answer is None:
            return []
        if len(answer) != 10 or answer[0] & iso.RESPONSE_ERROR:
            raise ProtocolError(f"{self.url}: inventory answer {answer.hex()} is not 10 bytes")
        return [InventoryTag(answer[2:10][::-1], answer[1], 1)]

    async def _read(self, uid: bytes, first: int, count: int) -> list[bytes]:
        size = self._geometry.get(uid, (self.options.block_size, None))[0]
        if self.options.layout == "part3-storage":
            return [await self._apdu(bytes([0xFF, 0xB0, 0x00, block, size]), uid, "read block")
                    for block in range(first, first + count)]
        payload = await self._iso(iso.encode_request(iso.READ_MULTIPLE, uid,
                                                     bytes([first, count - 1])), uid, "read blocks")
        if len(payload) % count:
            raise ProtocolError(f"{len(payload)} bytes do not make {count} blocks")
        step = len(payload) // count
        return [payload[i * step:(i + 1) * step] for i in range(count)]

    async def _write(self, uid: bytes, first: int, blocks: list[bytes], block_size: int) -> None:
        for i, data in enumerate(blocks):
            block = first + i
            try:
                if self.options.layout == "part3-storage":
                    await self._apdu(bytes([0xFF, 0xD6, 0x00, block, len(data)]) + data, uid,
                                     "write block")
                else:
                    await self._iso(iso.encode_request(iso.WRITE_SINGLE, uid,
                                                       bytes([block]) + data),
                                    uid, "write block", write=True)
            except TagNotPresentError:
                if i:
                    raise TagLeftError(uid, f"left the reader at block {block}") from None
                raise
            except TagWriteError as exc:
                raise type(exc)(uid, str(exc).partition(": ")[2], block, exc.iso_error) from None
            except TagError as exc:  # storage layout: the reader refused the block
                raise TagWriteError(uid, str(exc).partition(": ")[2], block) from None

    async def _system_info(self, uid: bytes) -> SystemInfo:
        payload = await self._iso(iso.encode_request(iso.GET_SYSTEM_INFO, uid), uid,
                                  "system information")
        answered, dsfid, afi, size, count, ic_ref = iso.parse_system_info(payload)
        return SystemInfo(uid, dsfid, afi, size, count, ic_ref)

    async def _write_afi(self, uid: bytes, afi: int) -> None:
        await self._iso(iso.encode_request(iso.WRITE_AFI, uid, bytes([afi])), uid, "write AFI",
                        write=True)

    async def _lock(self, uid: bytes, first: int, count: int) -> None:
        for block in range(first, first + count):
            try:
                await self._iso(iso.encode_request(iso.LOCK_BLOCK, uid, bytes([block])), uid,
                                "lock block", write=True)
            except TagLockedError as exc:
                if exc.iso_error != 0x11:
                    raise

    async def _eas(self, uid: bytes, armed: bool) -> None:
        command = iso.NXP_SET_EAS if armed else iso.NXP_RESET_EAS
        await self._iso(iso.encode_request(command, uid, mfr=iso.NXP_MFR), uid, "EAS", write=True)

    async def _eas_alarm(self) -> bool:
        answer = await self._transceive(iso.encode_request(iso.NXP_EAS_ALARM, mfr=iso.NXP_MFR),
                                        None, "EAS alarm")
        return answer is not None and not answer[0] & iso.RESPONSE_ERROR


def from_url(url: ReaderUrl) -> PcscReader:
    url.check(OPTIONS)
    if not url.target:
        raise ReaderConfigError("pcsc: no reader name; e.g. pcsc://ACS ACR1552 1S CL Reader")
    options = PcscOptions(
        layout=url.get("layout", str, "part3-transparent", LAYOUTS),
        uid_lsb_first=url.get("uid_order", str, "lsb", ("lsb", "msb")) == "lsb",
        timer_us=int(url.get("timer_ms", float, 1000.0) * 1000),
        block_size=url.get("block_size", int, 4, (4, 8, 16, 32)),
    )
    return PcscReader(url.url, url.target, options,
                      write_retries=url.get("write_retries", int, 2, range(10)),
                      reconnect_max_s=url.get("reconnect_max_s", float, 5.0))
