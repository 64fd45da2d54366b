"""The demo ILS: a SIP2 server over a small SQLite catalogue (sqlmodel),
seeded with the demo library, with faults to inject for tests.

Run it in process with :class:`DemoIls`, or as ``smartlib ils-sim``.
"""

from .faults import Faults, parse_fault
from .policy import Policy
from .server import DemoIls

__all__ = ["DemoIls", "Faults", "Policy", "parse_fault"]
