"""Run the provisioning playbooks for real into a staging root.

Every host of the example inventory (deploy/ansible/inventory/example) is
provisioned on this machine with ``connection=local`` under
``ROOT/hosts/HOST/`` (the roles' ``smartlib_prefix``): no apt, no users, no
systemctl (the roles skip them when a prefix is set), everything else as on a
board: the virtualenv made with ``python -m venv`` and this checkout's wheel
installed by pip, configuration and secrets rendered from vaulted variables
and checked by ``smartlib config check``, the shipped units, the broker's
files, a real PostgreSQL database and user for the relay.

Two redirections, both through documented role variables: pip finds the
wheel in a wheelhouse without an index and without dependencies
(``smartlib_wheels_src``, ``smartlib_pip_environment``), and the dependencies
come from this test environment through a ``.pth`` file
(``smartlib_venv_pth_paths``); the tests reach no network.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.peers.postgres import USER as PG_SUPERUSER
from tests.peers.postgres import PostgresServer

ANSIBLE_DIR = ROOT / "deploy" / "ansible"
EXAMPLE = ANSIBLE_DIR / "inventory" / "example"
HOSTS = ("relay-01", "kiosk-01", "gate-01", "bookdrop-01")
DEVICES = {"kiosk-01": "kiosk", "gate-01": "gate", "bookdrop-01": "bookdrop"}
SITE = "hn-tvtp"
#: Directories Debian and its packages provide on a real host (systemd,
#: polkitd, mosquitto): a blank board has them, so the staging root does too.
SYSTEM_DIRS = ("etc/systemd/system", "etc/polkit-1/rules.d", "usr/local/sbin",
               "etc/mosquitto/conf.d", "var/lib/mosquitto", "var/backups")


def tool(name: str) -> str:
    """A console script of this environment (ansible-playbook, ...)."""
    return str(Path(sys.executable).with_name(name))


@dataclass
class Run:
    """One ansible-playbook run with the JSON callback."""

    args: list[str]
    code: int
    stdout: str
    stderr: str
    data: dict[str, Any] = field(default_factory=dict)

    def results(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(host, task name, result) for every task run, in order."""
        return [(t["host"], t["task"], t["result"]) for t in self.data.get("tasks", [])]

    def changed(self) -> list[str]:
        return [f"{t['host']}: {t['task']}" for t in self.data.get("tasks", [])
                if t["state"] == "ok" and t["result"].get("changed")]

    def failures(self) -> list[str]:
        return [f"{t['host']}: {t['task']}: {t['result'].get('msg', '')} "
                f"{t['result'].get('stderr', '')}"
                for t in self.data.get("tasks", []) if t["state"] in ("failed", "unreachable")]

    def explain(self) -> str:
        return (f"ansible-playbook {' '.join(self.args)} exited {self.code}\n"
                + "\n".join(self.failures()) + "\n" + self.stderr[-3000:]
                + self.stdout[-3000:])


@dataclass
class Stage:
    root: Path
    postgres: PostgresServer
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def inventory(self) -> Path:
        return self.root / "inventory"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def vault_password_file(self) -> Path:
        return self.root / "vault-password"

    def host_root(self, host: str, stage: str = "hosts") -> Path:
        return self.root / stage / host

    def path(self, host: str, system_path: str, stage: str = "hosts") -> Path:
        return self.host_root(host, stage) / system_path.lstrip("/")

    # ------------------------------------------------------------ set-up

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(EXAMPLE, self.inventory)
        self.vault_password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self.vault_password_file.chmod(0o600)
        self._write_vaults()
        self._build_wheel()
        self.skeleton("hosts")

    def skeleton(self, stage: str) -> None:
        for host in HOSTS:
            for directory in SYSTEM_DIRS:
                (self.host_root(host, stage) / directory).mkdir(parents=True, exist_ok=True)

    def _write_vaults(self) -> None:
        files = []
        for host in HOSTS:
            values = {"smartlib_mqtt_password": "mqtt-" + secrets.token_urlsafe(18)}
            if host in ("relay-01", "kiosk-01", "bookdrop-01"):
                values["smartlib_sip2_password"] = "sip2-" + secrets.token_urlsafe(12)
            if host in DEVICES:
                # 12 digits: a shorter one could turn up inside a temporary
                # file name in the output and look like a leak.
                values["smartlib_staff_pin"] = str(10**11 + secrets.randbelow(9 * 10**11))
            if host == "relay-01":
                values["smartlib_relay_db_password"] = "db-" + secrets.token_urlsafe(15)
            self.secrets[host] = values
            vault = self.inventory / "host_vars" / host / "vault.yml"
            vault.write_text("---\n" + "".join(f"{k}: {json.dumps(v)}\n"
                                               for k, v in values.items()))
            files.append(vault)
        self.vault("encrypt", *files)

    def vault(self, action: str, *paths: Path) -> None:
        subprocess.run([tool("ansible-vault"), action, "--vault-password-file",
                        str(self.vault_password_file), *map(str, paths)], check=True,
                       capture_output=True, timeout=60, env=self.env())

    def _build_wheel(self) -> None:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(self.root / "wheels"),
                        str(ROOT)], check=True, capture_output=True, timeout=120)

    # ------------------------------------------------------------ running

    def env(self) -> dict[str, str]:
        home = self.root / "ansible-home"
        return {
            **os.environ,
            "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
            "ANSIBLE_HOME": str(home),
            "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
            "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).with_name("callback_plugins")),
            "ANSIBLE_CALLBACKS_ENABLED": "smartlib_record",
            "ANSIBLE_NOCOLOR": "1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }

    def extra_vars(self, stage: str) -> dict[str, Any]:
        sock = str(self.postgres.datadir.parent)
        return {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ansible_become": False,
            "smartlib_prefix": f"{self.root / stage}/{{{{ inventory_hostname }}}}",
            "smartlib_python": getattr(sys, "_base_executable", sys.executable),
            "smartlib_wheels_src": str(self.root / "wheels"),
            "smartlib_pip_environment": {"PIP_NO_INDEX": "1", "PIP_NO_DEPS": "1"},
            "smartlib_venv_pth_paths": [sysconfig.get_paths()["purelib"]],
            "smartlib_pki_dir": str(self.pki),
            "smartlib_broker_names": ["127.0.0.1"],
            "smartlib_psql": str(self.postgres.bindir / "psql"),
            "smartlib_relay_db_port": self.postgres.port,
            "smartlib_postgres_admin_env": {"PGHOST": sock, "PGPORT": str(self.postgres.port),
                                            "PGUSER": PG_SUPERUSER},
            "smartlib_backup_pg_connection": {"PG_HOST": sock, "PG_PORT": self.postgres.port,
                                              "PG_USER": PG_SUPERUSER},
        }

    def playbook(self, playbook: str, *args: str, stage: str = "hosts",
                 timeout: float = 900) -> Run:
        # Runs may overlap (threads): each has its own files.
        run_id = uuid.uuid4().hex[:8]
        extra = self.root / f"extra-{run_id}.json"
        extra.write_text(json.dumps(self.extra_vars(stage)))
        record = self.root / f"run-{run_id}.json"
        argv = ["-i", str(self.inventory / "hosts.yml"), playbook, "--vault-password-file",
                str(self.vault_password_file), "-e", f"@{extra}", *args]
        done = subprocess.run([tool("ansible-playbook"), *argv], cwd=ANSIBLE_DIR,
                              env={**self.env(), "SMARTLIB_ANSIBLE_RECORD": str(record)},
                              capture_output=True, text=True, timeout=timeout, check=False)
        run = Run(argv, done.returncode, done.stdout, done.stderr)
        if record.exists():
            run.data = json.loads(record.read_text(encoding="utf-8"))
        return run

    def provision(self) -> Staged:
        """Certificates, then the converge (verbose, with diffs: the most a
        run ever shows, so the secrets check covers it)."""
        self.prepare()
        pki = self.playbook("pki.yml")
        assert pki.code == 0, "step 'certificates (pki.yml)' failed:\n" + pki.explain()
        # A key kept vaulted on the controller: the copy task must decrypt it.
        self.vault("encrypt", self.pki / f"{SITE}.relay-01.key")
        converge = self.playbook("site.yml", "-v", "--diff")
        assert converge.code == 0, "step 'first run of site.yml' failed:\n" + converge.explain()
        return Staged(self, pki, converge)

    def smartlib(self, host: str, *args: str, stage: str = "hosts",
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """The staged host's own ``smartlib`` (its virtualenv, the wheel)."""
        program = self.path(host, "/opt/smartlib/bin/smartlib", stage)
        return subprocess.run([str(program), "--lang", "en", *args], capture_output=True,
                              text=True, timeout=120, check=False,
                              env={**os.environ, **(env or {})})


@dataclass
class Staged:
    """A provisioned staging root and the runs made on it."""

    stage: Stage
    pki: Run
    converge: Run
    #: Runs made afterwards (idempotence, check mode, backup.yml).
    later: list[Run] = field(default_factory=list)
