"""Remote configuration changes (``set_config``): validated, applied, and
rolled back if the device does not come back.

1. The new file is checked with the real loader (secrets included) and may
   not change the device's identity (role, site, device) or its store.
2. The change is recorded in the store with the old text, the old text is
   also kept beside the file (``FILE.rollback``), and the file is replaced
   atomically. The agent then restarts the configured services and itself.
3. Started again, the agent has ``config_confirm_s`` to reconnect to the
   broker with the new file and find every service active. Then the change
   is confirmed and the reply goes to the requester (its response topic and
   correlation data were kept). Otherwise the old file is put back, the
   services and the agent restart, and the reply says ``rolled_back``.

If the new file stops the agent from starting at all, ``smartlib agent``
puts ``FILE.rollback`` back before giving up (see :func:`restore_if_broken`).
"""

from __future__ import annotations

import hashlib
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.config import AnyDevice, load
from edge.errors import ConfigError
from edge.store.db import Database

APPLYING = "applying"
ROLLING_BACK = "rolling_back"
APPLIED = "applied"
ROLLED_BACK = "rolled_back"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves the old or the new
    file, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        tmp.chmod(path.stat().st_mode & 0o777)
    except OSError:
        tmp.chmod(0o644)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def rollback_path(config_path: Path) -> Path:
    return config_path.with_name(config_path.name + ".rollback")


def restore_if_broken(config_path: Path) -> bool:
    """The configuration cannot be loaded: if a change left ``FILE.rollback``,
    put it back. Returns True if it did."""
    saved = rollback_path(config_path)
    if not saved.exists():
        return False
    write_atomically(config_path, saved.read_text(encoding="utf-8"))
    return True


def _identity_problems(text: str, current: AnyDevice) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []  # the loader says what is wrong with the TOML
    problems = []
    for key in ("role", "site", "device"):
        if key in data and data[key] != getattr(current, key):
            problems.append(f"{key}: cannot be changed remotely (is {getattr(current, key)!r})")
    store = data.get("store")
    path = store.get("path") if isinstance(store, dict) else None
    if path is not None and Path(path) != current.store.path:
        problems.append("store.path: cannot be changed remotely")
    if "mqtt" not in data:
        problems.append("mqtt: the agent needs this section")
    return problems


def check_candidate(path: Path, text: str, current: AnyDevice) -> list[str]:
    """Problems with ``text`` as the new configuration at ``path``: what the
    loader finds (secrets included) and changes the agent must not make."""
    problems = _identity_problems(text, current)
    candidate = path.with_name(f".{path.name}.candidate")
    candidate.write_text(text, encoding="utf-8")
    try:
        load(candidate)
    except ConfigError as exc:
        problems = [f"{where.replace(str(candidate), path.name)}: {what}"
                    for where, what in exc.problems] + problems
    finally:
        candidate.unlink(missing_ok=True)
    return problems


@dataclass(frozen=True)
class Change:
    id: int
    previous_text: str
    new_text: str
    deadline_ms: int
    response_topic: str | None
    correlation: bytes | None
    state: str
    detail: str | None


class ConfigChanges:
    """The ``config_changes`` table and the configuration file."""

    def __init__(self, db: Database, config_path: Path,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.path = config_path
        self._clock = clock

    def current(self) -> Change | None:
        """The change under way (applying or rolling back), if any."""
        rows = self.db.query(
            "SELECT id, previous_text, new_text, deadline_ms, response_topic, correlation, "
            "state, detail FROM config_changes WHERE state IN (?, ?) ORDER BY id DESC LIMIT 1",
            (APPLYING, ROLLING_BACK))
        if not rows:
            return None
        r = rows[0]
        return Change(int(r[0]), r[1], r[2], int(r[3]), r[4],
                      None if r[5] is None else bytes(r[5]), r[6], r[7])

    def begin(self, new_text: str, confirm_s: float, response_topic: str | None,
              correlation: bytes | None) -> Change:
        previous = self.path.read_text(encoding="utf-8")
        now = int(self._clock() * 1000)
        write_atomically(rollback_path(self.path), previous)
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO config_changes (path, previous_text, new_text, requested_ms, "
                "deadline_ms, response_topic, correlation, state) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?)", (str(self.path), previous, new_text, now, now + int(confirm_s * 1000),
                          response_topic, correlation, APPLYING))
        write_atomically(self.path, new_text)
        change = self.current()
        if change is None:
            raise RuntimeError("the configuration change was not recorded")
        return change

    def _set(self, change: Change, state: str, detail: str | None) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE config_changes SET state = ?, detail = ? WHERE id = ?",
                         (state, detail, change.id))

    def confirm(self, change: Change) -> None:
        self._set(change, APPLIED, None)
        rollback_path(self.path).unlink(missing_ok=True)

    def roll_back(self, change: Change, why: str) -> None:
        write_atomically(self.path, change.previous_text)
        self._set(change, ROLLING_BACK, why[:2000])

    def finish_rollback(self, change: Change) -> None:
        self._set(change, ROLLED_BACK, change.detail)
        rollback_path(self.path).unlink(missing_ok=True)

    def file_is_previous(self, change: Change) -> bool:
        """True when the file on disk is the old text (put back by the CLI)."""
        try:
            return self.path.read_text(encoding="utf-8") == change.previous_text != \
                change.new_text
        except OSError:
            return False
