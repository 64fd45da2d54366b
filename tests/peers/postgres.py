"""A real PostgreSQL (15) started by the tests: ``initdb`` into a temporary
directory, a random port on 127.0.0.1, password authentication.

Fixtures: ``postgres_server`` (one server per test session and worker),
``postgres_url`` (a fresh database on it for each test, as a SQLAlchemy URL
``postgresql+psycopg://smartlib:PASSWORD@127.0.0.1:PORT/NAME``).

PostgreSQL refuses to run as root: when the tests run as root, the server
runs as the ``postgres`` user (or ``nobody``) in a directory it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.peers.mosquitto import free_port

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/17/bin")
PASSWORD = "test-db-password"
USER = "smartlib"


def find_pg_bin() -> Path | None:
    for directory in BIN_DIRS:
        if Path(directory, "initdb").exists():
            return Path(directory)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass
class PostgresServer:
    bindir: Path
    datadir: Path
    port: int
    run_as: str | None

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), check=True, capture_output=True, text=True,
                              timeout=timeout, user=self.run_as, cwd=self.datadir.parent)

    def start(self) -> None:
        pwfile = self.datadir.parent / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as:
            shutil.chown(pwfile, self.run_as)
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", USER,
                  "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
                  "-E", "UTF8", "--locale=C.UTF-8")
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.datadir.parent}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                       "max_connections = 50\n")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60",
                  "-l", str(self.datadir.parent / "server.log"), "start", timeout=90)

    def stop(self) -> None:
        subprocess.run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=60, user=self.run_as,
                       cwd=self.datadir.parent, check=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        self._psql(f'CREATE DATABASE "{name}"')

    def _psql(self, sql: str) -> None:
        subprocess.run([str(self.bindir / "psql"), "-h", str(self.datadir.parent), "-p",
                        str(self.port), "-U", USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], check=True, capture_output=True, text=True, timeout=60,
                       user=self.run_as, cwd=self.datadir.parent)


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL not found (apt install postgresql)")
    run_as = _server_user()
    # Not under pytest's tmp_path: its parents are private to root, and the
    # server may run as another user.
    root = Path(tempfile.mkdtemp(prefix="smartlib-pg-"))
    root.chmod(0o755)
    if run_as:
        shutil.chown(root, run_as)
    server = PostgresServer(bindir, root / "data", free_port(), run_as)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = root / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr}\n{detail[-2000:]}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database for this test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    return postgres_server.url(name)
