"""Getting a receipt to the reader: printed on the kiosk's ESC/POS printer
(``[printer]``, through :mod:`drivers.printer`) or e-mailed through the
library's mail server (``[smtp]``, password from the secrets). Both return
True when done and False (logged) when not, so the screen can offer the
other way."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from drivers.printer import PrinterError, PrinterOptions, columns, print_lines
from edge.circulation.receipt import Receipt
from edge.circulation.settings import CirculationSettings
from edge.config.models import PrinterSection, SmtpSection
from edge.i18n import N_, translator

log = logging.getLogger(__name__)

EMAIL_WIDTH = 60


def printer_options(section: PrinterSection) -> PrinterOptions:
    return PrinterOptions(url=section.url, profile=section.profile, mode=section.mode,
                          width_px=section.width_px, font=str(section.font),
                          font_size_px=section.font_size_px, cut=section.cut,
                          timeout_s=section.timeout_s)


async def print_receipt(settings: CirculationSettings, receipt: Receipt) -> bool:
    section = settings.printer
    if section is None:
        return False
    options = printer_options(section)
    try:
        width = 42 if section.mode == "image" else await asyncio.to_thread(columns, options)
        await asyncio.to_thread(print_lines, options, receipt.text(width))
    except PrinterError as exc:
        log.warning("receipt not printed", extra={"fields": {"error": str(exc)}})
        return False
    return True


def receipt_email(receipt: Receipt, section: SmtpSection, to: str) -> EmailMessage:
    t = translator(receipt.language).gettext
    message = EmailMessage()
    message["Subject"] = t(N_("Receipt from {library}")).format(library=receipt.library_name)
    sender = Address(section.from_name or receipt.library_name, addr_spec=section.from_address)
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=section.from_address.partition("@")[2])
    message.set_content("\n".join(receipt.text(EMAIL_WIDTH)) + "\n", charset="utf-8")
    return message


def _send(section: SmtpSection, password: str | None, message: EmailMessage) -> None:
    context = ssl.create_default_context(cafile=str(section.ca_file) if section.ca_file
                                         else None)
    if not section.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    smtp: smtplib.SMTP
    if section.security == "tls":
        smtp = smtplib.SMTP_SSL(section.host, section.port, timeout=section.timeout_s,
                                context=context)
    else:
        smtp = smtplib.SMTP(section.host, section.port, timeout=section.timeout_s)
    with smtp:
        if section.security == "starttls":
            smtp.starttls(context=context)
        if section.login_user:
            smtp.login(section.login_user, password or "")
        smtp.send_message(message)


async def email_receipt(settings: CirculationSettings, receipt: Receipt,
                        to: str | None = None) -> bool:
    section = settings.smtp
    address = to or receipt.email
    if section is None or not address:
        return False
    try:
        message = receipt_email(receipt, section, address)
        await asyncio.to_thread(_send, section, settings.smtp_password, message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.warning("receipt not e-mailed", extra={"fields": {"error": str(exc)}})
        return False
    return True
