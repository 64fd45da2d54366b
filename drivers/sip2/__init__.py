"""SIP2 (3M Standard Interchange Protocol 2.00): the pure message codec,
the async client (TCP/TLS transport, retries, keep-alive) and per-ILS
dialects.

Pure (standard library only, no I/O): :mod:`.errors`, :mod:`.checksum`,
:mod:`.folding`, :mod:`.fields`, :mod:`.messages`, :mod:`.codec`,
:mod:`.requests`, :mod:`.results`, :mod:`.dialects`, :mod:`.settings`.
I/O: :mod:`.transport`, :mod:`.client`, :mod:`.pool`.
"""

from .client import Sip2Client
from .codec import Framer, decode, encode
from .dialects import DIALECTS, Dialect
from .errors import (
    Sip2ChecksumError,
    Sip2ConnectionError,
    Sip2EncodeError,
    Sip2Error,
    Sip2LoginError,
    Sip2ProtocolError,
    Sip2TimeoutError,
)
from .fields import SipDate
from .messages import Message
from .pool import Sip2Pool
from .results import (
    AcsStatus,
    CheckinResult,
    CheckoutResult,
    EndSessionResult,
    FeePaidResult,
    HoldResult,
    ItemInformationResult,
    ItemStatusUpdateResult,
    LoginResult,
    PatronInformationResult,
    PatronStatusResult,
    RenewAllResult,
    RenewResult,
    Sip2Result,
)
from .settings import Sip2Settings

__all__ = [
    "DIALECTS", "AcsStatus", "CheckinResult", "CheckoutResult", "Dialect", "EndSessionResult",
    "FeePaidResult", "Framer", "HoldResult", "ItemInformationResult", "ItemStatusUpdateResult",
    "LoginResult", "Message", "PatronInformationResult", "PatronStatusResult", "RenewAllResult",
    "RenewResult", "SipDate", "Sip2ChecksumError", "Sip2Client", "Sip2ConnectionError",
    "Sip2EncodeError", "Sip2Error", "Sip2LoginError", "Sip2Pool", "Sip2ProtocolError",
    "Sip2Result", "Sip2Settings", "Sip2TimeoutError", "decode", "encode",
]
