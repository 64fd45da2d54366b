"""Load and validate a device's configuration and secrets at start-up.

Every problem is reported as ``file:line: key: what is wrong`` (line where it
can be found) in one :class:`~edge.errors.ConfigError`, so an operator fixes
them all in one pass.
"""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pydantic import BaseModel, TypeAdapter, ValidationError

from edge.config import models, tomlpos
from edge.config.models import BookdropConfig, CentralConfig, GateConfig, KioskConfig
from edge.config.secrets import ENV_VARS, Secrets, looks_secret
from edge.errors import ConfigError
from edge.i18n import _

AnyDevice = KioskConfig | GateConfig | BookdropConfig | CentralConfig
_ADAPTER: TypeAdapter[AnyDevice] = TypeAdapter(models.DeviceConfig)
_BY_ROLE: dict[str, type[BaseModel]] = {
    "kiosk": KioskConfig,
    "gate": GateConfig,
    "bookdrop": BookdropConfig,
    "central": CentralConfig,
}


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    device: AnyDevice
    secrets: Secrets


class _Problems:
    def __init__(self, label: str, text: str = "") -> None:
        self.label = label
        self.lines = tomlpos.key_lines(text) if text else {}
        self.items: list[tuple[str, str]] = []

    def add(self, path: tuple[str | int, ...], message: str, line: int | None = None) -> None:
        if line is None and path:
            line = tomlpos.line_of(self.lines, path)
        where = self.label if line is None else f"{self.label}:{line}"
        if path:
            where += ": " + ".".join(str(p) for p in path)
        self.items.append((where, message))

    def fatal(self, path: tuple[str | int, ...], message: str, line: int | None = None) -> NoReturn:
        self.add(path, message, line)
        raise ConfigError(self.label, self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.label, self.items)


def _read_toml(path: Path, problems: _Problems) -> tuple[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.fatal((), _("cannot read the file: {reason}").format(reason=exc.strerror))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.fatal((), _("not UTF-8 text (byte {offset})").format(offset=exc.start),
                       line=raw[: exc.start].count(b"\n") + 1)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line L, column C)"; keep its words, lead with the line.
        message = str(exc)
        where: int | None = None
        if "(at line " in message:
            where = int(message.rsplit("(at line ", 1)[1].split(",")[0])
        elif "(at end of document)" in message:
            where = text.count("\n") + 1
        problems.fatal((), _("not valid TOML: {reason}").format(reason=message), line=where)


def _find_secrets(data: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            found += _find_secrets(value, (*prefix, key))
        elif looks_secret(key):
            found.append((*prefix, key))
    return found


def _model_fields_at(role: str, path: tuple[str | int, ...]) -> list[str]:
    """Names a model accepts at ``path`` (for "did you mean" hints)."""
    cls: Any = _BY_ROLE.get(role)
    for part in path:
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return []
        field = cls.model_fields.get(str(part))
        if field is None:
            return []
        cls = field.annotation
        if isinstance(cls, types.UnionType) or typing.get_origin(cls) is typing.Union:
            cls = next((a for a in typing.get_args(cls) if a is not type(None)), None)
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _describe(error: Mapping[str, Any], loc: tuple[str | int, ...], role: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    messages = {
        "missing": _("required key is missing"),
        "int_parsing": _("must be a whole number"),
        "int_type": _("must be a whole number"),
        "int_from_float": _("must be a whole number"),
        "float_parsing": _("must be a number"),
        "float_type": _("must be a number"),
        "bool_parsing": _("must be true or false"),
        "bool_type": _("must be true or false"),
        "string_type": _("must be text in quotes"),
        "list_type": _("must be a list, e.g. [\"a\", \"b\"]"),
        "model_type": _("must be a table"),
        "model_attributes_type": _("must be a table"),
        "dict_type": _("must be a table"),
    }
    if kind == "extra_forbidden":
        name = str(loc[-1])
        close = difflib.get_close_matches(name, _model_fields_at(role, loc[:-1]), n=1)
        if close:
            return _("unknown key; did you mean {suggestion!r}?").format(suggestion=close[0])
        return _("unknown key")
    if kind == "literal_error":
        text = _("must be one of {expected}").format(expected=ctx.get("expected", ""))
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        text = {
            "greater_than_equal": _("must be at least {bound}"),
            "greater_than": _("must be greater than {bound}"),
            "less_than_equal": _("must be at most {bound}"),
            "less_than": _("must be less than {bound}"),
        }[kind].format(bound=bound)
    elif kind == "string_pattern_mismatch":
        text = _("may contain only letters, digits, '-' and '_' (at most 64)")
    elif kind == "value_error":
        text = str(ctx.get("error", error.get("msg", "")))
    else:
        text = messages.get(kind, str(error.get("msg", kind)))
    if kind != "missing" and not isinstance(got, (dict, list)):
        text += " " + _("(got {value!r})").format(value=got)
    return text


def _secret_env(path: tuple[str, ...]) -> str:
    """The environment variable that should carry the secret written at ``path``."""
    key = path[-1].lower()
    section = path[0].lower() if len(path) > 1 else ""
    if key in ENV_VARS:
        return ENV_VARS[key]
    if key.endswith("pin"):
        return ENV_VARS["staff_pin"]
    if section == "mqtt":
        return ENV_VARS["mqtt_username" if key.endswith("username") else "mqtt_password"]
    if section == "ils":
        return ENV_VARS["sip2_password"]
    if section == "relay":
        return ENV_VARS["database_password"]
    if section == "smtp":
        return ENV_VARS["smtp_password"]
    return " / ".join(ENV_VARS.values())


def parse(text: str, data: dict[str, Any], label: str) -> AnyDevice:
    """Validate parsed TOML ``data`` (from ``text``) as a device configuration."""
    problems = _Problems(label, text)
    secret_paths = set(_find_secrets(data))
    for path in sorted(secret_paths):
        problems.add(path, _(
            "secrets do not belong in this file: put it in the secrets file "
            "(secrets_file) or in the environment variable {env}"
        ).format(env=_secret_env(path)))
    role = data.get("role")
    if role is None:
        problems.add(("role",), _("required key is missing; choose one of {roles}").format(
            roles=", ".join(models.ROLES)), line=1)
    elif role not in models.ROLES:
        problems.add(("role",), _("unknown role {role!r}; choose one of {roles}").format(
            role=role, roles=", ".join(models.ROLES)))
    else:
        try:
            device = _ADAPTER.validate_python(data)
        except ValidationError as exc:
            _collect(exc, role, problems, secret_paths)
        else:
            if not problems.items:
                return device
    problems.raise_if_any()
    raise AssertionError("unreachable")


def _collect(
    exc: ValidationError, role: str, problems: _Problems, skip: set[tuple[str, ...]]
) -> None:
    for error in exc.errors():
        loc = tuple(error["loc"])
        if loc and loc[0] == role:
            loc = loc[1:]  # the discriminated union's tag
        if loc in skip:
            continue  # already reported as a misplaced secret
        problems.add(loc, _describe(error, loc, role))


def _load_secrets(device: AnyDevice, main: _Problems, environ: Mapping[str, str]) -> Secrets:
    values: dict[str, Any] = {}
    if device.secrets_file is not None:
        path = device.secrets_file
        if not path.is_absolute():
            path = Path(main.label).parent / path
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            main.fatal(("secrets_file",), _("cannot read the secrets file {path}: {reason}").format(
                path=path, reason=exc.strerror))
        problems = _Problems(str(path))
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            problems.fatal((), _(
                "the secrets file can be read by other users (mode {mode:o}); "
                "run: chmod 600 {path}").format(mode=stat.S_IMODE(mode), path=path))
        text, data = _read_toml(path, problems)
        problems.lines = tomlpos.key_lines(text)
        try:
            Secrets.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                problems.add(loc, _describe(error, loc, ""))
            problems.raise_if_any()
        values.update(data)
    for name, var in ENV_VARS.items():
        if environ.get(var):
            values[name] = environ[var]
    return Secrets.model_validate(values)


def load(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, parse and validate the configuration at ``path`` and its secrets.

    Raises :class:`~edge.errors.ConfigError` listing every problem.
    """
    file = Path(path)
    label = str(file)
    problems = _Problems(label)
    text, data = _read_toml(file, problems)
    device = parse(text, data, label)
    main = _Problems(label, text)
    secrets = _load_secrets(device, main, os.environ if environ is None else environ)
    return LoadedConfig(path=file, device=device, secrets=secrets)
