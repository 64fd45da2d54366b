"""Peers for the CLI tests: socat pty pairs (the FEIG emulator on the far end)."""

from __future__ import annotations

from tests.peers.pty import pty_pair  # noqa: F401 - fixture

__all__ = ["pty_pair"]
