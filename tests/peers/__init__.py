"""Reusable real peers for tests (pty pairs, pcscd with vpcd, ...): plain
modules of fixtures, pulled into an area's conftest.py."""
