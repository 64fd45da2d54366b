"""Receipts: the model (names masked), ESC/POS bytes on a file printer in
both modes (Vietnamese in the TCVN-3 code pages, and as a raster bitmap),
and e-mail through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import codecs
import socket
import ssl
import unicodedata
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from drivers.printer import PrinterOptions, render_bytes
from drivers.printer.raster import render_lines
from edge.circulation.delivery import email_receipt, print_receipt
from edge.circulation.model import ItemResult, Patron, TransactionResult
from edge.circulation.reasons import Reason
from edge.circulation.receipt import build_receipt, mask_name, mask_number
from edge.circulation.settings import CirculationSettings
from edge.config.models import LibrarySection, PrinterSection, SmtpSection

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
ESC, GS = 0x1B, 0x1D


def settings(**more: Any) -> CirculationSettings:
    return CirculationSettings(library=LibrarySection(isil="VN-TVTPHN",
                                                      name="Thư viện Thành phố Hà Nội"),
                               device="kiosk-01", **more)


def a_receipt(language: str = "vi") -> Any:
    anh = Patron("P0001", "Nguyễn Thị Minh Anh", email="minhanh@example.vn")
    due = datetime(2026, 12, 5, 23, 59, 59)
    results = [
        TransactionResult("checkout", (
            ItemResult("30000001", "done", "Truyện Kiều", due=due),
            ItemResult("30000006", "refused", "Đất rừng phương Nam", Reason.ITEM_ON_HOLD),
        ), "P0001"),
        TransactionResult("checkin", (ItemResult("30000010", "done", "Mắt biếc"),), None)]
    return build_receipt(settings(), anh, results, datetime(2026, 11, 21, 15, 48), language)


def test_names_and_numbers_are_masked() -> None:
    assert mask_name("Nguyễn Thị Minh Anh") == "N. T. M. Anh"
    assert mask_name("John Smith") == "J. Smith"
    assert mask_name(None) is None and mask_name(" ") is None
    assert mask_number("P0001") == "***01" and mask_number("04A1B2C3D4E5F6") == "**********E5F6"


def test_the_receipt_in_vietnamese_and_english() -> None:
    lines = a_receipt().text(42)
    assert lines[0] == "Thư viện Thành phố Hà Nội"
    text = "\n".join(lines)
    assert "N. T. M. Anh" in text and "Nguyễn Thị" not in text and "P0001" not in text
    assert "* Truyện Kiều" in text and "05/12/2026" in text
    assert f"({Reason.ITEM_ON_HOLD.code})" in text
    assert all(len(line) <= 42 for line in lines)
    english = "\n".join(a_receipt("en").text(42))
    assert "Borrowed (2)" in english and "Returned (1)" in english and "Due: 05/12/2026" in english


def decode_escpos(data: bytes) -> str:
    """Text back from ESC/POS bytes, following ESC t (code page) switches
    with the code page tables printers carry."""
    from escpos.capabilities import CAPABILITIES, get_profile

    pages = get_profile("TM-T20II").codePages
    encodings = CAPABILITIES["encodings"]
    out: list[str] = []
    page = "CP437"
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ESC and data[i + 1] == ord("t"):
            page = pages[str(data[i + 2])]
            i += 3
        elif byte == ESC and data[i + 1] == ord("@"):
            i += 2
        elif byte == ESC and data[i + 1] == ord("d"):
            i += 3
        elif byte == GS and data[i + 1] == ord("V"):
            i += 3
        elif byte < 0x80:
            out.append(chr(byte))
            i += 1
        else:
            table = encodings[page]
            if "data" in table:
                out.append("".join(table["data"])[byte - 0x80])
            else:
                out.append(codecs.decode(bytes([byte]), table["python_encode"]))
            i += 1
    return "".join(out)


def test_text_mode_prints_vietnamese_through_the_tcvn3_pages() -> None:
    options = PrinterOptions("file:///dev/null", mode="text", profile="TM-T20II")
    assert render_bytes(options, ["Truyện Kiều"]).startswith(
        b"\x1b@" b"\x1bt\x00Truy" b"\x1bt\x1e\xd6n Ki\xd2u\n")  # ESC t 30: TCVN-3, ệ D6, ề D2
    lines = a_receipt().text(48)
    printed = decode_escpos(render_bytes(options, lines))
    assert printed == "".join(unicodedata.normalize("NFC", line) + "\n" for line in lines)
    upper = decode_escpos(render_bytes(options, ["ĐẤT RỪNG PHƯƠNG NAM"]))
    assert upper == "ĐẤT RỪNG PHƯƠNG NAM\n"


def raster(data: bytes) -> list[list[int]]:
    """Rows of pixels (1 = black) from GS v 0 commands."""
    rows: list[list[int]] = []
    i = data.index(b"\x1dv0")
    while i >= 0:
        width, height = data[i + 4] | data[i + 5] << 8, data[i + 6] | data[i + 7] << 8
        body = data[i + 8:i + 8 + width * height]
        for r in range(height):
            row = body[r * width:(r + 1) * width]
            rows.append([byte >> (7 - b) & 1 for byte in row for b in range(8)])
        i = data.find(b"\x1dv0", i + 8 + width * height)
    return rows


def test_image_mode_prints_the_glyphs_the_font_draws() -> None:
    options = PrinterOptions("file:///dev/null", mode="image", width_px=384, font=FONT,
                             font_size_px=22)
    printed = raster(render_bytes(options, ["Truyện Kiều"]))
    image = render_lines(["Truyện Kiều"], FONT, 22, 384)
    expected = [[1 - (image.getpixel((x, y)) > 0) for x in range(384)]
                for y in range(image.height)]
    assert printed == expected
    plain = raster(render_bytes(options, ["Truyen Kieu"]))
    assert plain != printed  # the tone marks are there
    assert sum(map(sum, printed)) > sum(map(sum, plain))


def test_a_file_printer_gets_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    section = PrinterSection(url=f"file://{target}", mode="text")
    receipt = a_receipt()
    assert asyncio.run(print_receipt(settings(printer=section), receipt))
    options = PrinterOptions(f"file://{target}", mode="text")
    assert target.read_bytes() == render_bytes(options, receipt.text(48))
    missing = PrinterSection(url=f"file://{tmp_path}/no/such/dir/lp0")
    assert not asyncio.run(print_receipt(settings(printer=missing), receipt))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                 data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"kiosk01", b"s3cret-SMTP")
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it cannot take 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


async def test_the_receipt_goes_over_starttls(tls_certificates: Any) -> None:
    inbox = Inbox()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_certificates.server_cert, tls_certificates.server_key)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticate)
    controller.start()
    try:
        section = SmtpSection(host="127.0.0.1", port=controller.port, security="starttls",
                              ca_file=tls_certificates.ca, login_user="kiosk01",
                              from_address="kiosk@tvtphn.example.vn")
        assert await email_receipt(settings(smtp=section, smtp_password="s3cret-SMTP"),
                                   a_receipt("en"), to="staff@tvtphn.example.vn")
        [(_, to, message)] = inbox.messages
        assert to == ["staff@tvtphn.example.vn"]
        assert message["Subject"] == "Receipt from Thư viện Thành phố Hà Nội"
        # a server whose certificate the CA did not sign is refused
        untrusted = section.model_copy(update={"ca_file": None})
        assert not await email_receipt(settings(smtp=untrusted, smtp_password="s3cret-SMTP"),
                                       a_receipt("en"), to="staff@tvtphn.example.vn")
    finally:
        controller.stop()


async def test_the_receipt_is_emailed(smtp_server: Any) -> None:
    controller, inbox = smtp_server
    section = SmtpSection(host="127.0.0.1", port=controller.port,
                          security="none", login_user="kiosk01",
                          from_address="kiosk@tvtphn.example.vn")
    receipt = a_receipt()
    assert await email_receipt(settings(smtp=section, smtp_password="s3cret-SMTP"), receipt)
    [(sender, to, message)] = inbox.messages
    assert (sender, to) == ("kiosk@tvtphn.example.vn", ["minhanh@example.vn"])
    assert message["Subject"] == "Biên nhận của Thư viện Thành phố Hà Nội"
    body = message.get_body().get_content()
    assert "* Truyện Kiều" in body and "N. T. M. Anh" in body
    # a wrong password: refused, reported as not sent
    assert not await email_receipt(settings(smtp=section, smtp_password="sai"), receipt)
    assert len(inbox.messages) == 1
