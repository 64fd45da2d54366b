"""Errors raised by the SIP2 driver (3M Standard Interchange Protocol 2.00).

One root, :class:`Sip2Error`, and kinds a caller can act on:

* :class:`Sip2ConnectionError` (``transient=True``): the ILS cannot be reached
  or dropped the connection. :class:`Sip2TimeoutError` is one of them and is
  also a :class:`TimeoutError`. Circulation treats both as "ILS unreachable"
  and may switch to offline mode.
* :class:`Sip2ProtocolError` (a :class:`ValueError`): the peer's bytes broke
  the protocol. It names the message code, the field and the byte offset.
  :class:`Sip2ChecksumError` is the AZ case.
* :class:`Sip2EncodeError` (a :class:`ValueError`): a value given to us cannot
  be put on the wire (a ``|`` or CR inside a field).
* :class:`Sip2LoginError`: the ACS refused our login (94 with ok = 0); a
  configuration problem, not a refusal of a reader's transaction.

A refusal by the library (patron blocked, item on hold, renewal limit) is not
an error: it is a result with ``ok = False``.
"""

from __future__ import annotations


class Sip2Error(Exception):
    """Root of every error the SIP2 driver raises."""

    #: True when trying again later (or on a new connection) may succeed.
    transient: bool = False


class Sip2ConnectionError(Sip2Error, ConnectionError):
    """The ILS could not be reached, or the connection was lost."""

    transient = True


class Sip2TimeoutError(Sip2ConnectionError, TimeoutError):
    """No (complete) answer from the ILS within the request's timeout."""


class Sip2LoginError(Sip2Error):
    """The ACS answered the login (93) with 94 ok = 0."""

    def __init__(self, user: str, message: str = "") -> None:
        self.user = user
        super().__init__(message or f"the ACS refused the login of user {user!r}")


class Sip2EncodeError(Sip2Error, ValueError):
    """A value cannot be encoded into a SIP2 message."""

    def __init__(self, code: str, field: str, message: str) -> None:
        self.code = code
        self.field = field
        super().__init__(f"message {code} field {field}: {message}")


class Sip2ProtocolError(Sip2Error, ValueError):
    """The peer's bytes are not valid SIP2.

    ``code`` is the two-character message code when it could be read (else
    ""), ``field`` the field id (two letters) or fixed-field name involved
    (else ""), ``offset`` the byte offset in the frame (else None).
    """

    def __init__(self, message: str, *, code: str = "", field: str = "",
                 offset: int | None = None) -> None:
        self.code = code
        self.field = field
        self.offset = offset
        where = []
        if offset is not None:
            where.append(f"byte {offset}")
        if code:
            where.append(f"message {code}")
        if field:
            where.append(f"field {field}")
        self.reason = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class Sip2ChecksumError(Sip2ProtocolError):
    """The AZ checksum does not match the bytes received."""

    transient = True
