"""Errors of the edge agent."""

from __future__ import annotations

from edge.errors import EdgeError


class AgentError(EdgeError):
    """Root of the agent's errors."""


class ServiceError(AgentError):
    """A service could not be restarted or asked about (``unit``, systemctl's words)."""

    def __init__(self, unit: str, message: str) -> None:
        self.unit = unit
        super().__init__(f"{unit}: {message}")
