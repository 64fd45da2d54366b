"""SIP2 error detection: the AZ checksum (3M SIP2 2.00, "Error Detection").

The checksum is computed over the encoded bytes from the first byte of the
message through the letters ``AZ``: add the bytes as unsigned numbers, keep
the low 16 bits, take the two's complement, write four upper-case hex digits.
A receiver checks that the bytes plus the checksum's value sum to zero
(mod 2**16).

Some implementations sum characters instead of bytes, which differs once a
message holds non-ASCII text (the PyPI ``Sip2`` client does);
:func:`verify_characters` accepts those too.
"""

from __future__ import annotations

from zlib import adler32

_HEX = frozenset(b"0123456789ABCDEFabcdef")
#: Adler-32's first half is 1 + the byte sum modulo 65521; started from 0 it
#: is the byte sum itself as long as that stays below 65521, which holds for
#: any 256 bytes (256 * 255 = 65280).
_CHUNK = 256


def byte_sum(data: bytes) -> int:
    """The sum of the bytes of ``data`` (exact), computed in C: several times
    faster than ``sum(data)`` on a message."""
    if len(data) <= _CHUNK:
        return adler32(data, 0) & 0xFFFF
    view = memoryview(data)
    return sum([adler32(view[i:i + _CHUNK], 0) & 0xFFFF
                for i in range(0, len(data), _CHUNK)])


def checksum(data: bytes) -> str:
    """The four-hex-digit checksum of ``data`` (which ends with ``AZ``)."""
    return f"{-byte_sum(data) & 0xFFFF:04X}"


def verify(frame: bytes) -> bool:
    """True when ``frame`` (no terminator) ends ``AZxxxx`` with a valid checksum.

    Lower-case hex digits are accepted: some servers write them.
    """
    if len(frame) < 6 or frame[-6:-4] != b"AZ":
        return False
    digits = frame[-4:]
    if not _HEX.issuperset(digits):
        return False
    return (byte_sum(frame[:-4]) + int(digits, 16)) & 0xFFFF == 0


def verify_characters(frame: bytes, encoding: str) -> bool:
    """Like :func:`verify`, with the sum taken over the characters of the
    decoded text (as some implementations compute it)."""
    if len(frame) < 6 or frame[-6:-4] != b"AZ" or not _HEX.issuperset(frame[-4:]):
        return False
    try:
        text = frame[:-4].decode(encoding)
    except UnicodeDecodeError:
        return False
    return (sum(map(ord, text)) + int(frame[-4:], 16)) & 0xFFFF == 0
