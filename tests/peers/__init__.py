"""Reusable real peers for tests (pty pairs, pcscd with vpcd, mosquitto,
PostgreSQL...): plain modules of fixtures, pulled into an area's conftest.py
with imports of the fixtures it needs."""
