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
    "drivers/rfid/errors", "drivers/rfid/iso15693", "drivers/rfid/feig/frames",
    "drivers/rfid/feig/commands",
    *(f"drivers/sip2/{name}" for name in (
        "errors", "checksum", "folding", "fields", "messages", "codec", "requests", "results",
        "dialects", "settings")),
    "edge/contract",
    "firmware_bridge/errors", "firmware_bridge/frames", "firmware_bridge/session",
    "firmware_bridge/messages",
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
    ("edge/contract/_bad.py", "import jsonschema\n", "Pure codecs"),
    ("edge/contract/_bad.py", "from edge.mqtt import client\n", "Pure codecs"),
    ("firmware_bridge/frames.py", "import serial\n", "Pure codecs"),
    ("firmware_bridge/session.py", "from firmware_bridge import link\n", "Pure codecs"),
])
def test_a_violation_breaks_the_contract(tree: Path, where: str, code: str, contract: str) -> None:
    (tree / where).write_text(code)
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout


PROJECT = frozenset(PACKAGES)


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str, root: Path) -> bool:
    path = root / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Absolute names of the modules ``path`` imports: relative imports resolved,
    ``from package import module`` counted as the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                child = f"{module}.{alias.name}"
                found.append((node.lineno, child if _is_module(child, root) else module))
    return found


def impure_imports(pure: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """Each import in a pure module that is neither the standard library nor
    another pure module, as "file:line imports module"."""

    def is_pure(module: str) -> bool:
        path = module.replace(".", "/")
        return any(path == p or path.startswith(p + "/") for p in pure)

    found = []
    for entry in pure:
        base = root / entry
        files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
        for path in files:
            if not path.exists():
                found.append(f"{entry} is listed as pure but does not exist")
                continue
            for line, module in _imports(path, root):
                top = module.split(".")[0]
                ok = is_pure(module) if top in PROJECT else (
                    top in sys.stdlib_module_names or top == "__future__")
                if not ok:
                    found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


def test_pure_codecs_import_only_the_standard_library() -> None:
    assert impure_imports(PURE) == []


def test_the_purity_check_bites(tmp_path: Path) -> None:
    pkg = tmp_path / "drivers" / "codec"
    pkg.mkdir(parents=True)
    for name in ("__init__", "pure", "io"):
        (pkg / f"{name}.py").write_text("")
    (pkg / "pure.py").write_text("import struct\nfrom . import io\nfrom .io import X\n"
                                 "import serial\nfrom drivers.codec import pure\n")
    assert impure_imports(("drivers/codec/pure",), tmp_path) == [
        "drivers/codec/pure.py:2 imports drivers.codec.io",
        "drivers/codec/pure.py:3 imports drivers.codec.io",
        "drivers/codec/pure.py:4 imports serial",
    ]
