"""Real peers for the simulators' own tests."""

from __future__ import annotations

from tests.peers.pcscd import pcscd  # noqa: F401 - fixture
from tests.peers.sip2 import *  # noqa: F403  (fixtures)
