"""What site.yml left on each staged host (tests/deploy/stage.py), checked
the way the services and staff will use it: configurations through the
host's own ``smartlib config check``, secrets files, extras, units, the
broker's ACL and password file, the relay's PostgreSQL, backups and restores.
Each ``check_*`` runs as a subtest of tests/deploy/test_provisioning.py."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

from edge.relay.acl import render_acl
from tests.deploy.stage import DEVICES, HOSTS, SITE, Run, Stage, Staged
from tests.deploy.units import assert_unit_verifies

CONFIG = {"relay-01": "/etc/smartlib/central.toml", **{h: "/etc/smartlib/device.toml"
                                                      for h in DEVICES}}
ROLE = {"relay-01": "central", **DEVICES}


def check_every_host_is_provisioned(staged: Staged) -> None:
    stats = staged.converge.data["stats"]
    assert set(stats) == set(HOSTS)
    for host, counts in stats.items():
        assert counts["failures"] == 0 and counts["unreachable"] == 0, host
        assert counts["changed"] > 0, host


def check_configuration_passes_smartlib_config_check(staged: Staged, host: str) -> None:
    stage = staged.stage
    config = stage.path(host, CONFIG[host])
    done = stage.smartlib(host, "config", "check", "--json", str(config))
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert (verdict["valid"], verdict["role"], verdict["site"], verdict["device"]) == (
        True, ROLE[host], SITE, host)
    wanted = {"mqtt_username", "mqtt_password"} | {
        name.removeprefix("smartlib_").replace("relay_db", "database")
        for name in stage.secrets[host] if name != "smartlib_mqtt_password"}
    assert set(verdict["secrets_present"]) == wanted
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["library"] == {"isil": "VN-TVTPHN", "name": "Thư viện Thành phố Hà Nội",
                               "timezone": "Asia/Ho_Chi_Minh"}
    assert data["mqtt"]["host"] == "mqtt.tvtp.example.vn" and data["mqtt"]["port"] == 8883
    if host in DEVICES:
        assert data["agent"]["services"] == {ROLE[host]: f"smartlib-{ROLE[host]}.service"}


def check_secrets_file_is_private_and_holds_the_vaulted_values(staged: Staged,
                                                               host: str) -> None:
    stage = staged.stage
    secrets_file = stage.path(host, "/etc/smartlib/secrets.toml")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(stage.path(host, "/etc/smartlib/mqtt-client.key").stat().st_mode) \
        == 0o600
    values = tomllib.loads(secrets_file.read_text(encoding="utf-8"))
    vaulted = stage.secrets[host]
    assert values["mqtt_username"] == f"{SITE}.{host}"
    assert values["mqtt_password"] == vaulted["smartlib_mqtt_password"]
    assert values.get("sip2_password") == vaulted.get("smartlib_sip2_password")
    assert values.get("database_password") == vaulted.get("smartlib_relay_db_password")


def check_a_vaulted_key_on_the_controller_lands_decrypted(staged: Staged) -> None:
    key = staged.stage.path("relay-01", "/etc/smartlib/mqtt-client.key").read_text()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")


def _pip_requirement(run: Run, host: str) -> str:
    """What pip was asked to install (extras sorted by the pip module)."""
    return next(result["cmd"][-1] for h, name, result in run.results()
                if h == host and "Install smartlib-edge" in name)


def check_extras_follow_the_role_and_a_gate_gets_no_kivy(staged: Staged) -> None:
    run = staged.converge
    assert _pip_requirement(run, "gate-01") == "smartlib-edge[camera,gpio]==0.1.0"
    assert _pip_requirement(run, "kiosk-01") == "smartlib-edge[camera,kiosk,pcsc,printer]==0.1.0"
    assert _pip_requirement(run, "bookdrop-01") == "smartlib-edge[gpio]==0.1.0"
    assert _pip_requirement(run, "relay-01") == "smartlib-edge[postgres]==0.1.0"
    gate_venv = staged.stage.path("gate-01", "/opt/smartlib/lib")
    assert not list(gate_venv.glob("python3*/site-packages/kivy"))


def _units(staged: Staged, host: str) -> list[Path]:
    return sorted(staged.stage.path(host, "/etc/systemd/system").glob("smartlib-*"))


def check_units_are_the_shipped_ones_and_pass_systemd_analyze_verify(staged: Staged,
                                                                    host: str) -> None:
    names = {u.name for u in _units(staged, host)}
    service = "smartlib-relay.service" if host == "relay-01" else f"smartlib-{ROLE[host]}.service"
    expected = {service, "smartlib-backup.service", "smartlib-backup.timer"}
    if host in DEVICES:
        expected.add("smartlib-agent.service")
    assert names == expected
    prefix = str(staged.stage.host_root(host))
    shipped_dir = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    for unit in _units(staged, host):
        text = unit.read_text()
        assert text.replace(prefix, "") == (shipped_dir / unit.name).read_text()
        assert_unit_verifies(unit)


def check_broker_acl_confines_each_device_to_its_prefix(staged: Staged) -> None:
    acl = staged.stage.path("relay-01", "/etc/mosquitto/smartlib/acl").read_text()
    assert acl == render_acl([(SITE, d) for d in DEVICES], [f"{SITE}.relay-01"])
    for device in DEVICES:
        block = acl.split(f"user {SITE}.{device}\n")[1].split("\n\n")[0].splitlines()
        assert block == [f"topic write smartlib/v1/{SITE}/{device}/evt/#",
                         f"topic write smartlib/v1/{SITE}/{device}/health",
                         f"topic write smartlib/v1/{SITE}/{device}/state",
                         f"topic write smartlib/v1/{SITE}/{device}/reply/#",
                         f"topic read smartlib/v1/{SITE}/{device}/cmd/#",
                         f"topic read smartlib/v1/{SITE}/{device}/receipt"]


def check_password_file_has_one_hashed_entry_per_account(staged: Staged) -> None:
    passwd = staged.stage.path("relay-01", "/etc/mosquitto/smartlib/passwd").read_text()
    users = [line.split(":", 1)[0] for line in passwd.splitlines()]
    assert users == sorted(f"{SITE}.{h}" for h in HOSTS)
    for host, values in staged.stage.secrets.items():
        assert values["smartlib_mqtt_password"] not in passwd, host
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwd.splitlines())


def check_relay_reaches_its_postgresql_with_the_vaulted_password(staged: Staged) -> None:
    stage = staged.stage
    config = stage.path("relay-01", "/etc/smartlib/central.toml")
    url = tomllib.loads(config.read_text())["relay"]["database_url"]
    assert url == f"postgresql+psycopg://smartlib_relay@127.0.0.1:{stage.postgres.port}/smartlib"
    done = stage.smartlib("relay-01", "relay", "--config", str(config), "status", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["events"] == 0


def check_backup_and_restore_of_a_device_store(staged: Staged) -> None:
    stage = staged.stage
    script = stage.path("kiosk-01", "/usr/local/sbin/smartlib-backup")
    env_file = stage.path("kiosk-01", "/etc/smartlib/backup.env")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    db = stage.path("kiosk-01", "/var/lib/smartlib/device.db")
    python = stage.path("kiosk-01", "/opt/smartlib/bin/python")
    subprocess.run([str(python), "-m", "edge.store.migrate", str(db)], check=True, timeout=120)
    _sqlite(db, "CREATE TABLE probe(x TEXT); INSERT INTO probe VALUES ('Sách tiếng Việt');")
    taken = _backup(script, env_file)
    assert {p.name for p in taken.iterdir()} == {"device.db", "etc.tar.gz", "SHA256SUMS"}
    _sqlite(db, "DELETE FROM probe;")
    _backup(script, env_file, "restore", taken.name)
    assert _sqlite(db, "SELECT x FROM probe;") == "Sách tiếng Việt"
    assert _sqlite(db, "SELECT count(*) FROM alembic_version;") == "1"


def run_backup_playbook(stage: Stage) -> Run:
    """backup.yml over the gate: a backup taken there, fetched to the controller."""
    return stage.playbook("backup.yml", "--limit", "gate-01", "-e",
                          f"smartlib_backup_fetch_dir={stage.root / 'fetched'}")


def check_backup_playbook_fetches_a_fresh_backup_to_the_controller(staged: Staged,
                                                                   run: Run) -> None:
    stage = staged.stage
    assert run.code == 0, run.explain()
    (taken,) = (stage.root / "fetched" / "gate-01").iterdir()
    assert (taken / "etc.tar.gz").stat().st_size > 0
    kept = stage.path("gate-01", "/var/backups/smartlib") / taken.name
    assert (taken / "SHA256SUMS").read_bytes() == (kept / "SHA256SUMS").read_bytes()


def check_backup_and_restore_of_the_relay_database(staged: Staged) -> None:
    stage = staged.stage
    script = stage.path("relay-01", "/usr/local/sbin/smartlib-backup")
    env_file = stage.path("relay-01", "/etc/smartlib/backup.env")
    password = stage.secrets["relay-01"]["smartlib_relay_db_password"]
    _psql(stage, password, "CREATE TABLE IF NOT EXISTS probe(x text); "
                           "INSERT INTO probe VALUES ('Thư viện');")
    taken = _backup(script, env_file)
    assert (taken / "smartlib.dump").stat().st_size > 0
    _psql(stage, password, "DROP TABLE probe;")
    _backup(script, env_file, "restore", str(taken))
    assert _psql(stage, password, "SELECT x FROM probe;") == "Thư viện"


def _backup(script: Path, env_file: Path, *args: str) -> Path:
    done = subprocess.run([str(script), "--env", str(env_file), *args], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    if args:
        return Path()
    written = done.stderr.split("backup written to ")[1].split()[0]
    return Path(written)


def _sqlite(db: Path, sql: str) -> str:
    sqlite3 = shutil.which("sqlite3")
    assert sqlite3, "sqlite3 not found (apt install sqlite3)"
    return subprocess.run([sqlite3, str(db), sql], capture_output=True, text=True,
                          check=True, timeout=30).stdout.strip()


def _psql(stage: Stage, password: str, sql: str) -> str:
    done = subprocess.run(
        [str(stage.postgres.bindir / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
         "-h", "127.0.0.1", "-p", str(stage.postgres.port), "-U", "smartlib_relay",
         "-d", "smartlib", "-c", sql], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PGPASSWORD": password})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
