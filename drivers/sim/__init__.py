"""Simulators that speak the real wire protocols: a virtual pad of ISO 15693
tags, reader-protocol emulators (over pty pairs or sockets), virtual PC/SC and
NFC cards, and the demo ILS (a SIP2 server). The code under test is the code
that runs against real devices."""
