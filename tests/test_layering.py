"""The layering contract is in the repository and it bites: a lower layer
importing a higher one, anything importing kiosk, or a pure codec importing a
third-party package fails the test command."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("drivers", "edge", "kiosk", "firmware_bridge")

#: Pure codec packages and modules: standard library only (ARCHITECTURE.md).
PURE = (
    "drivers/tags",
    *(f"drivers/sip2/{name}" for name in (
        "errors", "checksum", "folding", "fields", "messages", "codec", "requests", "results",
        "dialects", "settings")),
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(exe), "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_contracts_hold_on_the_real_tree(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(("where", "code", "contract"), [
    ("drivers/sip2/_bad.py", "import edge.config\n", "Layers"),
    ("edge/_bad.py", "import kiosk\n", "Nothing imports kiosk"),
    ("drivers/tags/_bad.py", "import serial\n", "Pure codecs"),
    ("drivers/tags/_bad.py", "from drivers.sim import x\n", "Pure codecs"),
])
def test_a_violation_breaks_the_contract(tree: Path, where: str, code: str, contract: str) -> None:
    (tree / where).write_text(code)
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout


def _imports(path: Path) -> list[tuple[int, str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", node.level))
    return found


@pytest.mark.parametrize("pure", PURE)
def test_pure_codecs_import_only_the_standard_library(pure: str) -> None:
    root = ROOT / pure
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
    package = pure.replace("/", ".")
    for path in files:
        for line, module, level in _imports(path):
            if level:  # relative: must stay inside the pure package
                continue
            top = module.split(".")[0]
            inside = module == package or module.startswith(package + ".")
            assert top in sys.stdlib_module_names or top == "__future__" or inside, (
                f"{path.relative_to(ROOT)}:{line} imports {module}")
