"""Errors of the simulators (root :class:`SimError`) and the two ways a
simulated tag fails on the air: no answer, or an ISO 15693 error code."""

from __future__ import annotations


class SimError(Exception):
    """Root of every error raised by :mod:`drivers.sim`."""


class SimConfigError(SimError, ValueError):
    """A simulator data file or option is invalid."""


class NoResponse(SimError):
    """No tag answered (absent, quiet, weak, or several collided)."""

    def __init__(self, reason: str, collision: bool = False) -> None:
        self.collision = collision
        super().__init__(reason)


class IsoError(SimError):
    """A tag answered with the ISO/IEC 15693 error flag and this code."""

    def __init__(self, code: int, block: int | None = None) -> None:
        self.code = code
        self.block = block
        super().__init__(f"ISO 15693 error {code:02X}" + (f" at block {block}" if block is not None
                                                         else ""))
