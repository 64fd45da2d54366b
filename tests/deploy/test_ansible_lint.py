"""The provisioning tree passes ansible-lint's strictest profile
(deploy/ansible/.ansible-lint: production, offline) and Ansible's own
syntax check; the example inventory gives every host exactly one role."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.deploy.stage import ANSIBLE_DIR, EXAMPLE, tool

PLAYBOOKS = ("site.yml", "pki.yml", "backup.yml")
ROLE_GROUPS = ("kiosk", "gate", "bookdrop", "central")


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(tmp_path), "ANSIBLE_HOME": str(tmp_path / "ansible"),
            "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"), "NO_COLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
            "PATH": f"{Path(tool('ansible')).parent}:{os.environ.get('PATH', '')}"}


@pytest.mark.xdist_group("ansible-lint")
@pytest.mark.timeout(600)
def test_ansible_lint_production_profile(tmp_path: Path) -> None:
    done = subprocess.run([tool("ansible-lint"), "--nocolor", "--strict"], cwd=ANSIBLE_DIR,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=500,
                          check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in done.stderr + done.stdout


def test_playbooks_pass_the_syntax_check(tmp_path: Path) -> None:
    done = subprocess.run([tool("ansible-playbook"), "--syntax-check", "-i",
                           str(EXAMPLE / "hosts.yml"), *PLAYBOOKS], cwd=ANSIBLE_DIR,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_example_inventory_gives_each_host_one_role(tmp_path: Path) -> None:
    done = subprocess.run([tool("ansible-inventory"), "-i", str(EXAMPLE / "hosts.yml"),
                           "--list"], cwd=ANSIBLE_DIR, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120, check=True)
    inventory = json.loads(done.stdout)
    hostvars = inventory["_meta"]["hostvars"]
    for host, values in hostvars.items():
        groups = [g for g in ROLE_GROUPS if host in inventory.get(g, {}).get("hosts", [])]
        assert groups == [values["smartlib_role"]], host
        assert values["smartlib_site"] == "hn-tvtp"
    assert inventory["broker"]["hosts"] == ["relay-01"]
