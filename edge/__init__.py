"""The device runtime and central services: configuration, the local store,
circulation (what a checkout *means*: ILS loan + tag security + event), the
MQTT agent, gate, book drop, the central relay, reports and the CLI.

Imports go down only: :mod:`edge` may use :mod:`drivers` and
:mod:`firmware_bridge`, never :mod:`kiosk`.
"""

__version__ = "0.1.0"
