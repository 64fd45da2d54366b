"""Errors of circulation. Refusals (a blocked patron, an item on hold, a tag
that would not take its new state) are *results*, not these: an exception
here means circulation itself cannot go on as asked."""

from __future__ import annotations

from edge.errors import EdgeError, ExitCode


class CirculationError(EdgeError):
    """Root of circulation's errors."""


class IlsUnavailable(CirculationError):
    """The ILS cannot be reached (or says it is off line). Offline mode
    takes over where its policy allows."""

    exit_code = ExitCode.UNAVAILABLE
    transient = True


class CirculationConfigError(CirculationError, ValueError):
    """A circulation setting cannot be used (a lookup table that does not
    parse, a reader URL that does not open)."""

    exit_code = ExitCode.USAGE
