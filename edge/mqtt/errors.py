"""Errors of the MQTT plumbing."""

from __future__ import annotations

from edge.errors import EdgeError, ExitCode


class MqttError(EdgeError):
    """Root of the MQTT errors. ``transient``: trying again later may work."""

    exit_code = ExitCode.UNAVAILABLE
    transient = True


class ConnectFailedError(MqttError):
    """The broker could not be reached, or refused the connection.
    ``reason_code`` is the CONNACK's MQTT v5 reason code when it answered."""

    def __init__(self, message: str, reason_code: int | None = None) -> None:
        self.reason_code = reason_code
        # Bad credentials or not authorised: waiting will not fix it by itself.
        self.transient = reason_code not in (0x84, 0x85, 0x86, 0x87, 0x8C)
        super().__init__(message)


class ConnectionLostError(MqttError):
    """The connection ended (network, broker going down, keepalive)."""


class SettingsError(MqttError):
    """The MQTT settings cannot be used (a certificate file is missing...)."""

    exit_code = ExitCode.USAGE
    transient = False
