"""The device's ILS connection: the SIP2 driver's settings from the
configuration's ``[ils]`` section and the secrets (the driver knows nothing
of :mod:`edge.config`), and the library's clock for transaction dates."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime

from drivers.sip2 import Sip2Client, Sip2Settings
from edge.config.models import IlsSection
from edge.config.secrets import Secrets


def sip2_settings(ils: IlsSection, secrets: Secrets) -> Sip2Settings:
    """The driver's settings for ``ils``; the SIP2 password (CO) from the secrets."""
    password = secrets.sip2_password.get_secret_value() if secrets.sip2_password else None
    return Sip2Settings(
        host=ils.host, port=ils.port, tls=ils.tls, tls_verify=ils.tls_verify,
        ca_file=ils.ca_file, client_cert=ils.client_cert, client_key=ils.client_key,
        server_name=ils.server_name, dialect=ils.dialect, encoding=ils.encoding,
        login_user=ils.login_user, login_password=password, institution=ils.institution,
        location=ils.location, timeout_s=ils.timeout_s, retries=ils.retries,
        keepalive_s=ils.keepalive_s,
    )


def library_clock(timezone: str) -> Callable[[], datetime]:
    """The library's local wall-clock time (naive), for SIP2 dates, which
    carry local time with a blank zone."""
    zone = zoneinfo.ZoneInfo(timezone)

    def now() -> datetime:
        return datetime.now(zone).replace(tzinfo=None)

    return now


def sip2_client(ils: IlsSection, secrets: Secrets, timezone: str) -> Sip2Client:
    """A (not yet connected) client for the device's ILS."""
    return Sip2Client(sip2_settings(ils, secrets), clock=library_clock(timezone))
