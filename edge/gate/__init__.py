"""The security gate: alarms on secured items passing, counts visitors."""
