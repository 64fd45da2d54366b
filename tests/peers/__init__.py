"""Real peers the tests start and stop themselves (mosquitto, PostgreSQL...),
as plain modules of fixtures that an area's conftest.py pulls in with
``from tests.peers.mosquitto import *``-style imports of the fixtures it needs."""
