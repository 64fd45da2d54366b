"""The playbooks' filters (deploy/ansible/filter_plugins/smartlib.py): the
TOML writer round-trips through tomllib whatever the text holds, the broker's
password file keeps entries whose password did not change and is read by
mosquitto_passwd's own format, and staged paths move only system paths."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.deploy.stage import ANSIBLE_DIR


def _plugin() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "smartlib_filters", ANSIBLE_DIR / "filter_plugins" / "smartlib.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


F = _plugin()
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
scalars = st.one_of(texts, st.integers(-2**63, 2**63 - 1), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(st.dictionaries(keys, scalars, max_size=5),
       st.dictionaries(keys, st.dictionaries(keys, st.one_of(
           scalars, st.lists(texts, max_size=3), st.dictionaries(keys, texts, max_size=3)),
           max_size=4), max_size=3))
def test_toml_round_trips(top: dict[str, object], tables: dict[str, dict[str, object]]) -> None:
    config = {**{k: v for k, v in top.items() if k not in tables}, **tables}
    assert tomllib.loads(F.smartlib_toml(config, "a header\nline two")) == config


def test_toml_drops_unset_keys_and_writes_vietnamese_as_is() -> None:
    text = F.smartlib_toml({"role": "gate", "secrets_file": None,
                            "library": {"name": "Thư viện \"Hà Nội\"", "ca_file": None}})
    assert text == 'role = "gate"\n\n[library]\nname = "Thư viện \\"Hà Nội\\""\n'


def test_password_file_keeps_unchanged_entries_and_rehashes_changed_ones() -> None:
    accounts = [{"user": "s.b", "password": "pw-b-123456789"},
                {"user": "s.a", "password": "pw-a-123456789"}]
    first = F.mosquitto_passwd(accounts)
    assert [line.split(":")[0] for line in first.splitlines()] == ["s.a", "s.b"]
    assert F.mosquitto_passwd(accounts, first) == first
    accounts[0]["password"] = "rotated-123456789"
    second = F.mosquitto_passwd(accounts, first)
    assert second.splitlines()[0] == first.splitlines()[0]
    assert second.splitlines()[1] != first.splitlines()[1]
    assert F.mosquitto_passwd(accounts[1:], second) == second.splitlines()[0] + "\n"


def test_password_file_reads_mosquitto_passwd_entries(tmp_path: Path) -> None:
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.fail("mosquitto_passwd not found (apt install mosquitto)")
    made = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(made), "s.kiosk", "secret-12345678"], check=True,
                   capture_output=True, timeout=30)
    existing = made.read_text()
    assert F.mosquitto_passwd([{"user": "s.kiosk", "password": "secret-12345678"}],
                              existing) == existing
    assert F.mosquitto_passwd([{"user": "s.kiosk", "password": "other-12345678"}],
                              existing) != existing


def test_staged_paths_move_system_paths_only() -> None:
    unit = ("Documentation=file:///opt/smartlib/share/doc/x.md\n"
            "ExecStart=/opt/smartlib/bin/smartlib gate --config /etc/smartlib/device.toml\n"
            "ReadWritePaths=/var/backups -/var/lib/smartlib\n"
            "Environment=KIVY_HOME=/var/lib/smartlib/kivy\n")
    assert F.smartlib_staged_paths(unit, "") == unit
    assert F.smartlib_staged_paths(unit, "/s") == (
        "Documentation=file:///opt/smartlib/share/doc/x.md\n"
        "ExecStart=/s/opt/smartlib/bin/smartlib gate --config /s/etc/smartlib/device.toml\n"
        "ReadWritePaths=/s/var/backups -/s/var/lib/smartlib\n"
        "Environment=KIVY_HOME=/s/var/lib/smartlib/kivy\n")
