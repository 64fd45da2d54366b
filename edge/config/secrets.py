"""Secrets (SIP2 password, MQTT credentials, staff PIN, database password).

They come from a separate TOML file readable only by the service (mode 0600)
or from environment variables (which win), never from the main file, so the
main file can be shared, versioned and shown in diagnostics.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, SecretStr

#: Secret name -> environment variable.
ENV_VARS: Final = {
    "sip2_password": "SMARTLIB_SIP2_PASSWORD",
    "mqtt_username": "SMARTLIB_MQTT_USERNAME",
    "mqtt_password": "SMARTLIB_MQTT_PASSWORD",
    "staff_pin": "SMARTLIB_STAFF_PIN",
    "database_password": "SMARTLIB_DATABASE_PASSWORD",
    "smtp_password": "SMARTLIB_SMTP_PASSWORD",
}

#: Words that mark a key as secret if it shows up in the main file.
SECRET_WORDS: Final = ("password", "passwd", "secret", "pin", "token", "username")


class Secrets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sip2_password: SecretStr | None = None
    mqtt_username: SecretStr | None = None
    mqtt_password: SecretStr | None = None
    staff_pin: SecretStr | None = None
    database_password: SecretStr | None = None
    smtp_password: SecretStr | None = None


def looks_secret(key: str) -> bool:
    """True when ``key`` names a secret (its last word is one of SECRET_WORDS)."""
    return key.lower().replace("-", "_").split("_")[-1] in SECRET_WORDS
