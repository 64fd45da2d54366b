"""MQTT connection settings from a device's configuration and secrets:
TLS with certificate verification (a private CA, a client certificate),
username and password from the secrets, the client id."""

from __future__ import annotations

import logging
import ssl

from edge.config.models import MqttSection
from edge.config.secrets import Secrets
from edge.i18n import _
from edge.mqtt.client import Settings, Will
from edge.mqtt.errors import SettingsError

log = logging.getLogger(__name__)


def tls_context(section: MqttSection) -> ssl.SSLContext | None:
    """The TLS context for ``section``, or None when TLS is off."""
    if not section.tls:
        return None
    try:
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH,
            cafile=str(section.ca_file) if section.ca_file else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if section.client_cert is not None:
            context.load_cert_chain(
                str(section.client_cert),
                str(section.client_key) if section.client_key else None)
    except (OSError, ssl.SSLError) as exc:
        raise SettingsError(_("MQTT TLS files cannot be used: {reason}").format(
            reason=exc)) from exc
    if not section.tls_verify:
        log.warning("MQTT TLS certificate verification is OFF: anyone on the path can "
                    "pose as the broker")
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def mqtt_settings(section: MqttSection, secrets: Secrets, *, site: str, device: str,
                  will: Will | None = None, clean_start: bool = True,
                  session_expiry_s: int = 0, receive_maximum: int | None = None,
                  client_suffix: str = "") -> Settings:
    username = secrets.mqtt_username.get_secret_value() if secrets.mqtt_username else None
    password = secrets.mqtt_password.get_secret_value() if secrets.mqtt_password else None
    return Settings(
        host=section.host, port=section.port,
        client_id=(section.client_id or f"{site}.{device}") + client_suffix,
        username=username, password=password, tls=tls_context(section),
        keepalive_s=section.keepalive_s, connect_timeout_s=section.connect_timeout_s,
        clean_start=clean_start, session_expiry_s=session_expiry_s,
        receive_maximum=receive_maximum, will=will)
