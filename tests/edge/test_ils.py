"""The device configuration becomes the SIP2 driver's settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from edge.config.models import IlsSection
from edge.config.secrets import Secrets
from edge.ils import library_clock, sip2_client, sip2_settings


def test_settings_from_the_ils_section_and_secrets() -> None:
    ils = IlsSection(host="ils.example.vn", port=6443, tls=True, ca_file=Path("/etc/ca.pem"),
                     server_name="sip.example.vn", dialect="koha", login_user="kiosk01",
                     institution="TVTPHN", location="TANG1", timeout_s=7, retries=2,
                     keepalive_s=45)
    settings = sip2_settings(ils, Secrets(sip2_password=SecretStr("s3cret")))
    assert (settings.host, settings.port, settings.tls, settings.tls_verify) == (
        "ils.example.vn", 6443, True, True)
    assert settings.ca_file == Path("/etc/ca.pem") and settings.server_name == "sip.example.vn"
    assert (settings.login_user, settings.login_password) == ("kiosk01", "s3cret")
    assert (settings.institution, settings.location) == ("TVTPHN", "TANG1")
    assert (settings.timeout_s, settings.retries, settings.keepalive_s) == (7, 2, 45)
    assert settings.resolved_encoding == "utf-8"  # Koha's usual
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(("dialect", "encoding", "detection"), [
    ("generic", "utf-8", True), ("koha", "utf-8", True), ("evergreen", "ascii", True),
    ("folio", "cp850", False), ("sierra", "cp850", True), ("symphony", "utf-8", True),
])
def test_the_dialect_picks_the_defaults(dialect: str, encoding: str, detection: bool) -> None:
    settings = sip2_settings(IlsSection(host="h", dialect=dialect), Secrets())  # type: ignore[arg-type]
    assert settings.resolved_encoding == encoding
    assert settings.resolved_error_detection is detection
    assert settings.login_password is None


def test_an_explicit_encoding_wins() -> None:
    ils = IlsSection(host="h", dialect="evergreen", encoding="utf-8")
    assert sip2_settings(ils, Secrets()).resolved_encoding == "utf-8"


def test_the_library_clock_is_local_time_of_the_library() -> None:
    now = library_clock("Asia/Ho_Chi_Minh")()
    utc = datetime.now(UTC).replace(tzinfo=None)
    assert now.tzinfo is None
    assert abs((now - utc) - timedelta(hours=7)) < timedelta(minutes=1)


async def test_a_client_for_the_device() -> None:
    client = sip2_client(IlsSection(host="127.0.0.1"), Secrets(), "Asia/Ho_Chi_Minh")
    assert not client.connected
    await client.close()
