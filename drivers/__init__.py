"""Device drivers and wire-format codecs.

Everything that talks to a piece of hardware or speaks a wire protocol lives
here: ISO 28560 tag data, ISO 15693 RFID readers, patron-card readers, SIP2,
GPIO, receipt printers, and simulators that speak the same protocols.

Nothing in this package knows about MQTT, the user interface or library
policy; those belong to :mod:`edge` and :mod:`kiosk`. Codec modules are pure
functions over bytes and import only the standard library.
"""
