"""``systemd-analyze verify`` on a unit file, warnings included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def assert_unit_verifies(unit: Path) -> None:
    """systemd finds nothing wrong with ``unit`` (its programs must exist)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze not found (apt install systemd)")
    done = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, f"{unit.name}: {done.stderr}"
    assert done.stderr.strip() == "", f"{unit.name}: {done.stderr}"  # unknown keys only warn
