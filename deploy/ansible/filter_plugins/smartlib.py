"""Filters of the smartlib-edge playbooks (run on the controller).

- ``smartlib_toml``: a device configuration (a dict of top-level keys and
  sections) as TOML text for ``smartlib config check`` and the services.
- ``mosquitto_passwd``: the broker's password file for a list of accounts,
  keeping each existing line whose hash still matches its password, so a run
  that changes nothing writes nothing (mosquitto_passwd salts at random).
- ``smartlib_staged_paths``: a shipped file (systemd unit, broker
  configuration) with the system paths it names moved under the staging
  prefix; with no prefix the text is unchanged.
- ``smartlib_broker_accounts``: the broker's MQTT accounts for inventory
  hosts: user ``{site}.{device}``, the host's vaulted password.
- ``smartlib_acl``: the broker's ACL, made by the product's own generator
  (``edge.relay.acl``, the code behind ``smartlib relay acl``), so the
  playbook and the command cannot drift apart. The controller runs Ansible
  from the project's virtualenv (the ``dev`` extra holds ansible-core).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

#: mosquitto 2.x password hashes: PBKDF2-SHA512, 101 rounds, 12-byte salt
#: (``$7$ROUNDS$SALT$HASH``, base64), as ``mosquitto_passwd`` writes them.
_PBKDF2_ROUNDS = 101
_SALT_BYTES = 12


def _string(text: str) -> str:
    # JSON's escapes are a subset of TOML basic strings' (\uXXXX included);
    # TOML also forbids a raw DEL, which JSON leaves alone.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(name: object) -> str:
    text = str(name)
    return text if _BARE_KEY.match(text) else _string(text)


def _value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, str):
        return _string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v, where) for v in value if v is not None) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v, f'{where}.{k}')}"
                          for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    raise AnsibleFilterError(f"smartlib_toml: {where}: cannot write a {type(value).__name__}")


def smartlib_toml(config: Mapping[str, Any], header: str = "") -> str:
    """``config`` as TOML: top-level scalars first, then one ``[table]`` per
    dict (dicts inside a table become inline tables). ``None`` drops a key."""
    if not isinstance(config, Mapping):
        raise AnsibleFilterError("smartlib_toml: want a dict")
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    tables = []
    for key, value in config.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value, str(key))}")
    for key, table in tables:
        lines += ["", f"[{_key(key)}]"]
        lines += [f"{_key(k)} = {_value(v, f'{key}.{k}')}"
                  for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"


#: System paths the shipped files name, moved under a staging prefix. Not
#: after a word character, '/' or '.' (so file:///opt/... URLs stay as they are).
_SYSTEM_PATHS = re.compile(
    r"(?<![\w/.])(/opt/smartlib|/etc/smartlib|/var/lib/smartlib|/usr/local/sbin"
    r"|/etc/mosquitto|/var/lib/mosquitto|/var/backups)(?=[/\s]|$)", re.MULTILINE)


def smartlib_staged_paths(text: str, prefix: str = "") -> str:
    if not prefix:
        return str(text)
    return _SYSTEM_PATHS.sub(lambda m: str(prefix).rstrip("/") + m.group(1), str(text))


def _hash(password: str, salt: bytes) -> str:
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, _PBKDF2_ROUNDS)
    salt_b64, digest_b64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$7${_PBKDF2_ROUNDS}${salt_b64}${digest_b64}"


def _matches(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False  # another scheme (e.g. $6$ from mosquitto 1.x): write it anew
    try:
        rounds = int(parts[2])
        salt = base64.b64decode(parts[3], validate=True)
        want = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    got = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, rounds, len(want))
    return hmac.compare_digest(got, want)


def mosquitto_passwd(accounts: Iterable[Mapping[str, Any]], existing: str = "") -> str:
    """The password file for ``accounts`` (dicts with ``user`` and
    ``password``), sorted by user. An existing line is kept when its hash
    matches the account's password; other users are dropped."""
    old: dict[str, str] = {}
    for line in (existing or "").splitlines():
        user, sep, stored = line.partition(":")
        if sep and user and not line.startswith("#"):
            old[user] = stored.strip()
    out: dict[str, str] = {}
    for account in accounts:
        user, password = str(account["user"]), account.get("password")
        if not password:
            raise AnsibleFilterError(f"mosquitto_passwd: no password for {user}")
        if ":" in user or not user.strip():
            raise AnsibleFilterError(f"mosquitto_passwd: {user!r} is not a user name")
        if user in out:
            raise AnsibleFilterError(f"mosquitto_passwd: {user} appears twice")
        stored = old.get(user, "")
        out[user] = stored if _matches(str(password), stored) else _hash(
            str(password), os.urandom(_SALT_BYTES))
    return "".join(f"{user}:{out[user]}\n" for user in sorted(out))


def smartlib_broker_accounts(hosts: Iterable[str], hostvars: Mapping[str, Any]
                             ) -> list[dict[str, Any]]:
    """One account per host: ``site``, ``device`` (default: the inventory
    name), ``user`` = ``{site}.{device}`` and the host's
    ``smartlib_mqtt_password``."""
    accounts = []
    for host in hosts:
        values = hostvars[host]
        if "smartlib_site" not in values:
            raise AnsibleFilterError(f"smartlib_broker_accounts: {host}: smartlib_site is not set")
        site = str(values["smartlib_site"])
        device = str(values["smartlib_device"]) if "smartlib_device" in values else str(host)
        password = values["smartlib_mqtt_password"] if "smartlib_mqtt_password" in values \
            else None
        accounts.append({"host": str(host), "site": site, "device": device,
                         "user": f"{site}.{device}", "password": password})
    return accounts


def smartlib_acl(devices: Iterable[Mapping[str, Any]], central_users: Iterable[str],
                 prefix: str = "smartlib/v1") -> str:
    """The broker ACL for ``devices`` (dicts with ``site`` and ``device``) and
    ``central_users``, from :func:`edge.relay.acl.render_acl`."""
    try:
        from edge.relay.acl import render_acl
    except ImportError as exc:
        raise AnsibleFilterError(
            "smartlib_acl: the smartlib-edge package is not importable on the controller; "
            "run ansible-playbook from the project's virtualenv (pip install -e '.[dev]')"
        ) from exc
    try:
        return render_acl([(str(d["site"]), str(d["device"])) for d in devices],
                          [str(u) for u in central_users], prefix=str(prefix))
    except ValueError as exc:
        raise AnsibleFilterError(f"smartlib_acl: {exc}") from exc


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "smartlib_toml": smartlib_toml,
            "mosquitto_passwd": mosquitto_passwd,
            "smartlib_acl": smartlib_acl,
            "smartlib_broker_accounts": smartlib_broker_accounts,
            "smartlib_staged_paths": smartlib_staged_paths,
        }
