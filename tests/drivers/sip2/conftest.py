from tests.peers.sip2 import *  # noqa: F403  (fixtures)
