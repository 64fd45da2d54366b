"""Time-ordered event ids: UUID version 7 (RFC 9562, section 5.7).

Layout (big-endian, 128 bits): 48-bit Unix time in milliseconds, 4-bit
version (7), 12-bit ``rand_a``, 2-bit variant (0b10), 62-bit ``rand_b``. We
use ``rand_a`` as a counter within one millisecond (RFC 9562, section 6.2,
method 1), so ids made by one source sort in the order they were made even
within a millisecond. Pure: the caller supplies the time and the random bits.
"""

from __future__ import annotations

import re

UUID7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
COUNTER_MAX = 0xFFF


def uuid7(unix_ms: int, counter: int, random62: int) -> str:
    """The canonical text of a UUIDv7 with ``unix_ms`` (48 bits), ``counter``
    (12 bits, in rand_a) and ``random62`` (62 bits, rand_b)."""
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError(f"unix_ms {unix_ms} does not fit in 48 bits")
    if not 0 <= counter <= COUNTER_MAX:
        raise ValueError(f"counter {counter} does not fit in 12 bits")
    if not 0 <= random62 < 1 << 62:
        raise ValueError("random62 does not fit in 62 bits")
    value = (unix_ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | random62
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def uuid7_time_ms(event_id: str) -> int:
    """The Unix time in milliseconds carried by a UUIDv7."""
    if not UUID7_RE.match(event_id):
        raise ValueError(f"not a UUIDv7: {event_id!r}")
    return int(event_id[:8] + event_id[9:13], 16)


class Uuid7Source:
    """Makes UUIDv7s that increase strictly for one source, even when the
    clock stands still or steps back (the last time is kept and the counter
    runs on). ``random62`` supplies the random bits (``secrets.randbits``)."""

    def __init__(self, random62: object) -> None:
        if not callable(random62):
            raise TypeError("random62 must be callable")
        self._random = random62
        self._last_ms = -1
        self._counter = 0

    def next(self, unix_ms: int) -> str:
        if unix_ms > self._last_ms:
            self._last_ms, self._counter = unix_ms, 0
        elif self._counter < COUNTER_MAX:
            self._counter += 1
        else:  # 4096 ids in one millisecond: borrow the next millisecond
            self._last_ms, self._counter = self._last_ms + 1, 0
        bits = self._random()
        if not isinstance(bits, int):
            raise TypeError("random62() must return an int")
        return uuid7(self._last_ms, self._counter, bits & ((1 << 62) - 1))
