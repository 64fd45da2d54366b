"""Schema migrations of the device store (Alembic, scripts in
``edge/store/migrations/versions``), applied when the store is opened.

Later issues add their tables (journal, caches, audit) as further revisions
on the same linear history and bump :data:`edge.store.db.HEAD_REVISION`.
``python -m edge.store.migrate PATH [REVISION]`` upgrades a file; the agent
runs it that way so its own process never loads Alembic.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from edge.store.engine import store_engine
from edge.store.errors import StoreError

SCRIPT_LOCATION = "edge.store:migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(_config()).get_heads()
    if len(heads) != 1:
        raise StoreError(SCRIPT_LOCATION, f"migrations must have one head, found {heads}")
    return heads[0]


def _run(path: Path | str, action: Callable[[Config], None]) -> None:
    """Run an Alembic command on the store at ``path`` in one ``BEGIN
    IMMEDIATE`` transaction."""
    engine = store_engine(path, immediate=True)
    try:
        with engine.connect() as connection:
            config = _config()
            config.attributes["connection"] = connection
            action(config)
            connection.commit()
    except CommandError as exc:  # e.g. a revision from newer software
        raise StoreError(str(path), f"cannot migrate: {exc}") from exc
    finally:
        engine.dispose()


def upgrade(path: Path | str, revision: str = "head") -> None:
    """Bring the database at ``path`` (created if missing) to ``revision``.
    Safe when two processes do it at once: the migration runs in one
    ``BEGIN IMMEDIATE`` transaction and the second finds nothing to do."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    _run(path, lambda config: command.upgrade(config, revision))


def downgrade(path: Path | str, revision: str) -> None:
    _run(path, lambda config: command.downgrade(config, revision))


def upgrade_in_child(path: Path | str, timeout_s: float = 300.0) -> None:
    """Run :func:`upgrade` in a child Python process."""
    done = subprocess.run([sys.executable, "-m", "edge.store.migrate", str(path)],
                          capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise StoreError(str(path), f"migration failed: {done.stderr.strip()[-2000:]}")


if __name__ == "__main__":
    upgrade(sys.argv[1], *(sys.argv[2:3] or ["head"]))
