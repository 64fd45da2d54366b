"""The simulated hardware of one demo device, as a server: the pad of demo
books behind a FEIG ISO-Host emulator (on TCP, and on a serial pty when
socat is there), a PC/SC card slot (vpcd) and an NFC field (nfcpy's udp
transport) where patron cards are tapped, and a control socket through which
the demo places and removes books and taps cards at runtime.

Control protocol: one JSON object per line over TCP, answered by one JSON
object per line (``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``):

``{"op": "place", "item": "30000001"}`` (a PII or tag UID; ``"antenna": 2``),
``{"op": "remove", "item": ...}``, ``{"op": "clear"}``,
``{"op": "tap", "card": "P0001"}`` (a patron id or card UID; ``"text"``
adds an NDEF Text record for NFC), ``{"op": "untap"}``, ``{"op": "state"}``.

In process, the same operations are methods of :class:`SimServer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from drivers.rfid.errors import uid_hex
from drivers.rfid.iso15693 import AirTiming

from .errors import SimConfigError
from .feig import FeigEmulator, FeigPersonality
from .library import Encoder, demo_tags, iso28560, load_demo_library
from .link import PtyEndpoint, TcpEndpoint
from .nfc_card import NfcUdpField, Ntag213, ndef_message
from .pad import VirtualPad
from .tags import SimTag
from .vicc import PatronCard, VpcdSlot

log = logging.getLogger(__name__)


@dataclass
class SimOptions:
    host: str = "127.0.0.1"
    feig_port: int = 0
    control_port: int = 0
    #: Serial device path for the FEIG reader (a socat pty pair); None: TCP only.
    pty_path: str | None = None
    #: vpcd port of the PC/SC slot where patron cards are tapped; None: none.
    vpcd_port: int | None = None
    #: UDP port of the NFC field; None: none; 0: any free port.
    nfc_port: int | None = None
    timing: bool = False
    personality: FeigPersonality | None = None


class SimServer:
    def __init__(self, options: SimOptions | None = None, encoder: Encoder | None = iso28560,
                 tags: Iterable[SimTag] | None = None) -> None:
        self.options = options or SimOptions()
        self.library = load_demo_library()
        self.pad = VirtualPad(AirTiming() if self.options.timing else None)
        self.emulator = FeigEmulator(self.pad, self.options.personality)
        #: every known tag by UID; memory persists while a book is off the pad
        self.catalog = {t.uid: t for t in (tags if tags is not None else demo_tags(encoder))}
        self._pii = {bytes.fromhex(i["tag_uid"]): i["pii"] for i in self.library["items"]}
        self.tcp = TcpEndpoint(self.emulator, self.options.host, self.options.feig_port)
        self.pty: PtyEndpoint | None = None
        self._socat: asyncio.subprocess.Process | None = None
        self.vpcd = VpcdSlot(self.options.vpcd_port) if self.options.vpcd_port else None
        self.nfc: NfcUdpField | None = None
        self._control: asyncio.Server | None = None
        self.card: bytes | None = None

    # ----------------------------------------------------------- life cycle

    async def start(self) -> SimServer:
        await self.tcp.start()
        if self.options.pty_path:
            await self._start_pty(self.options.pty_path)
        if self.options.nfc_port is not None:
            self.nfc = await NfcUdpField().start(self.options.nfc_port)
        self._control = await asyncio.start_server(self._client, self.options.host,
                                                   self.options.control_port)
        self.options.control_port = self._control.sockets[0].getsockname()[1]
        return self

    async def _start_pty(self, path: str) -> None:
        socat = shutil.which("socat")
        if socat is None:
            raise SimConfigError("socat is needed for a serial pty (apt install socat)")
        device = path + ".device"
        _remove_stale_links(path, device)
        self._socat = await asyncio.create_subprocess_exec(
            socat, f"pty,raw,echo=0,link={path}", f"pty,raw,echo=0,link={device}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        for _ in range(500):
            if _all_exist(path, device):
                break
            await asyncio.sleep(0.01)
        else:
            raise SimConfigError("socat did not create the pty pair")
        self.pty = await PtyEndpoint(self.emulator, device, path).start()

    async def close(self) -> None:
        if self._control is not None:
            self._control.close()
            await self._control.wait_closed()
        await self.tcp.close()
        if self.pty is not None:
            await self.pty.close()
        if self._socat is not None and self._socat.returncode is None:
            self._socat.terminate()
            await self._socat.wait()
        if self.vpcd is not None:
            await self.vpcd.remove()
        if self.nfc is not None:
            self.nfc.close()

    @property
    def urls(self) -> dict[str, str]:
        urls = {"reader": self.tcp.url,
                "control": f"tcp://{self.options.host}:{self.options.control_port}"}
        if self.options.pty_path:
            urls["reader_serial"] = f"feig://{self.options.pty_path}"
        if self.nfc is not None:
            urls["nfc"] = f"nfc://{self.nfc.path}"
        return urls

    # ------------------------------------------------------------ operations

    def find_item(self, item: str) -> SimTag:
        """A tag by PII (``30000001``) or UID (hex)."""
        for uid, pii in self._pii.items():
            if pii == item and uid in self.catalog:
                return self.catalog[uid]
        with contextlib.suppress(ValueError):
            uid = bytes.fromhex(item)
            if uid in self.catalog:
                return self.catalog[uid]
        raise SimConfigError(f"no item {item!r} (give a PII or a tag UID)")

    def place(self, item: str, antenna: int = 1) -> SimTag:
        return self.pad.place(self.find_item(item), antenna)

    def remove(self, item: str) -> None:
        self.pad.remove(self.find_item(item).uid)

    def clear(self) -> None:
        self.pad.clear()

    def _card_uid(self, card: str) -> bytes:
        for patron in self.library["patrons"]:
            if card in (patron["id"], patron["card_uid"]):
                return bytes.fromhex(patron["card_uid"])
        try:
            return bytes.fromhex(card)
        except ValueError:
            raise SimConfigError(f"no patron or card {card!r}") from None

    async def tap(self, card: str, text: str | None = None) -> bytes:
        uid = self._card_uid(card)
        await self.untap()
        self.card = uid
        if self.vpcd is not None:
            await self.vpcd.insert(PatronCard(uid))
        if self.nfc is not None:
            message = ndef_message(text=text) if text is not None else b""
            try:
                self.nfc.tap(Ntag213(uid, message))
            except ValueError as exc:
                raise SimConfigError(f"card {uid.hex().upper()}: {exc}") from None
        return uid

    async def untap(self) -> None:
        self.card = None
        if self.vpcd is not None:
            await self.vpcd.remove()
        if self.nfc is not None:
            self.nfc.remove()

    def state(self) -> dict[str, Any]:
        return {"on_pad": [{"uid": uid_hex(t.uid), "pii": self._pii.get(t.uid),
                            "afi": t.afi, "eas": t.eas,
                            "antenna": p.antenna if (p := self.pad.placement(t.uid)) else None}
                           for t in self.pad.tags],
                "card": self.card.hex().upper() if self.card else None, "urls": self.urls}

    # ------------------------------------------------------- control socket

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        try:
            if op == "place":
                tag = self.place(str(request["item"]), int(request.get("antenna", 1)))
                return {"ok": True, "uid": uid_hex(tag.uid)}
            if op == "remove":
                self.remove(str(request["item"]))
            elif op == "clear":
                self.clear()
            elif op == "tap":
                uid = await self.tap(str(request["card"]), request.get("text"))
                return {"ok": True, "card": uid.hex().upper()}
            elif op == "untap":
                await self.untap()
            elif op != "state":
                return {"ok": False, "error": f"unknown op {op!r}"}
        except (KeyError, ValueError, SimConfigError) as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, **self.state()}

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    answer = (await self.handle(request) if isinstance(request, dict)
                              else {"ok": False, "error": "send a JSON object"})
                except json.JSONDecodeError as exc:
                    answer = {"ok": False, "error": f"not JSON: {exc}"}
                writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        except ConnectionError as exc:
            log.debug("control client went away", extra={"fields": {"error": str(exc)}})
        finally:
            writer.close()


def _all_exist(*paths: str) -> bool:
    return all(os.path.exists(p) for p in paths)


def _remove_stale_links(*paths: str) -> None:
    """Links a killed socat left behind (never a regular file)."""
    for path in paths:
        if os.path.islink(path) and not os.path.exists(path):
            os.unlink(path)
        elif os.path.lexists(path):
            raise SimConfigError(f"{path} exists; is another simulator running?")


async def control(host: str, port: int, request: dict[str, Any]) -> dict[str, Any]:
    """Send one request to a running :class:`SimServer`; return its answer."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(json.dumps(request).encode() + b"\n")
        await writer.drain()
        answer: dict[str, Any] = json.loads(await reader.readline())
        return answer
    finally:
        writer.close()
