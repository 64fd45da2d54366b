"""Settings of a SIP2 client connection (the driver's own: :mod:`edge.ils`
builds them from the device configuration and its secrets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .codec import MAX_MESSAGE_BYTES
from .dialects import Dialect, dialect
from .folding import codec_name


@dataclass(frozen=True)
class Sip2Settings:
    host: str
    port: int = 6001
    tls: bool = False
    #: Verify the server's certificate and name (on by default).
    tls_verify: bool = True
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    #: Name for SNI and verification; default: host.
    server_name: str | None = None
    dialect: str = "generic"
    #: None: the dialect's.
    encoding: str | None = None
    #: Send AY/AZ; None: the dialect's.
    error_detection: bool | None = None
    #: Message terminator we send; None: the dialect's (CR).
    terminator: bytes | None = None
    #: Optional fields sent empty; None: the dialect's.
    send_empty: frozenset[str] | None = None
    login_user: str | None = None
    login_password: str | None = field(default=None, repr=False)
    #: CP in the login, AP in check-in.
    location: str = ""
    #: AO.
    institution: str = ""
    #: AC.
    terminal_password: str = field(default="", repr=False)
    #: Language code of 23/63 (000 unknown, 001 English).
    language: str = "000"
    timeout_s: float = 10.0
    #: None: timeout_s.
    connect_timeout_s: float | None = None
    #: Resends after 96 or a corrupt answer; the ACS's own value (98) wins.
    retries: int = 3
    #: SC status after this much idle time; None: never.
    keepalive_s: float | None = 60.0
    #: Use the timeout period and retries the ACS announces in 98.
    honour_acs_status: bool = True
    #: Never wait less than this for an answer, whatever the ACS says.
    min_timeout_s: float = 1.0
    max_message_bytes: int = MAX_MESSAGE_BYTES
    #: Ask SC status (99) after login, to learn the ACS's rules.
    sc_status_on_connect: bool = True

    def __post_init__(self) -> None:
        dialect(self.dialect)
        codec_name(self.resolved_encoding)
        if self.timeout_s <= 0 or self.min_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if self.retries < 0:
            raise ValueError("retries must be >= 0")

    @property
    def resolved_dialect(self) -> Dialect:
        return dialect(self.dialect)

    @property
    def resolved_encoding(self) -> str:
        return codec_name(self.encoding or dialect(self.dialect).encoding)

    @property
    def resolved_error_detection(self) -> bool:
        if self.error_detection is None:
            return self.resolved_dialect.error_detection
        return self.error_detection

    @property
    def resolved_terminator(self) -> bytes:
        return self.terminator or self.resolved_dialect.terminator

    @property
    def resolved_send_empty(self) -> frozenset[str]:
        if self.send_empty is None:
            return self.resolved_dialect.send_empty
        return self.send_empty
