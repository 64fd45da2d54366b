"""SIP2 error detection: the AZ checksum (3M SIP2 2.00, "Error Detection").

The checksum is computed over the encoded bytes from the first byte of the
message through the letters ``AZ``: add the bytes as unsigned numbers, keep
the low 16 bits, take the two's complement, write four upper-case hex digits.
A receiver checks that the bytes plus the checksum's value sum to zero
(mod 2**16).
"""

from __future__ import annotations

_HEX = frozenset(b"0123456789ABCDEFabcdef")


def checksum(data: bytes) -> str:
    """The four-hex-digit checksum of ``data`` (which ends with ``AZ``)."""
    return f"{-sum(data) & 0xFFFF:04X}"


def verify(frame: bytes) -> bool:
    """True when ``frame`` (no terminator) ends ``AZxxxx`` with a valid checksum.

    Lower-case hex digits are accepted: some servers write them.
    """
    if len(frame) < 6 or frame[-6:-4] != b"AZ":
        return False
    digits = frame[-4:]
    if not _HEX.issuperset(digits):
        return False
    return (sum(frame[:-4]) + int(digits, 16)) & 0xFFFF == 0
