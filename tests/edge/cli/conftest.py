"""Peers for the CLI tests: socat pty pairs (the FEIG emulator on the far
end), the demo ILS."""

from __future__ import annotations

from tests.peers.pty import pty_pair  # noqa: F401 - fixture
from tests.peers.sip2 import demo_ils  # noqa: F401 - fixture

__all__ = ["demo_ils", "pty_pair"]
