"""The contract's JSON Schemas, kept in this package, and their fingerprints.

Files: ``schemas/envelope.v1.json``, ``schemas/state.v1.json``,
``schemas/reply.v1.json``, ``schemas/event/{type}.v{N}.json``,
``schemas/command/{name}.v{N}.json`` (a request's ``args``) and
``schemas/result/{name}.v{N}.json`` (a reply's ``result``).

A published schema version never changes: ``schemas/fingerprints.json``
records a SHA-256 of each file's canonical JSON (annotations such as
``description`` left out, so wording can be improved), and the test suite
fails when a file no longer matches. To change a schema, add the next
version's file and record it with ``python -m edge.contract.schemas record``
(which never overwrites a recorded fingerprint). Pure: reads package data only.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

FINGERPRINTS = "fingerprints.json"
ANNOTATIONS = frozenset({"title", "description", "$comment", "examples"})
NAME_RE = re.compile(r"^(?:(event|command|result)/)?([a-z][a-z0-9_]*)\.v([1-9][0-9]*)\.json$")


def _root() -> Traversable:
    return resources.files(__package__ or "edge.contract").joinpath("schemas")


def schema_names() -> list[str]:
    """Every schema file, as ``kind/name.vN.json`` relative to ``schemas/``."""
    root = _root()
    names = [entry.name for entry in root.iterdir() if entry.name.endswith(".json")
             and entry.name != FINGERPRINTS]
    for kind in ("event", "command", "result"):
        names += [f"{kind}/{entry.name}" for entry in root.joinpath(kind).iterdir()
                  if entry.name.endswith(".json")]
    return sorted(names)


def load_schema(name: str) -> dict[str, Any]:
    schema = json.loads(_root().joinpath(name).read_text(encoding="utf-8"))
    if not isinstance(schema, dict):
        raise ValueError(f"{name}: a schema must be a JSON object")
    return schema


def event_schema_name(event_type: str, version: int) -> str:
    return f"event/{event_type}.v{version}.json"


def parse_name(name: str) -> tuple[str, str, int]:
    """``"event/loan.v1.json"`` -> ``("event", "loan", 1)``; top-level files
    have kind ``""``."""
    match = NAME_RE.match(name)
    if not match:
        raise ValueError(f"{name}: not a schema file name (kind/name.vN.json)")
    return match.group(1) or "", match.group(2), int(match.group(3))


def _strip(node: Any, parent_key: str | None = None) -> Any:
    if isinstance(node, dict):
        # Inside "properties" / "$defs" keys are names, not keywords.
        names = parent_key in ("properties", "$defs", "patternProperties")
        return {key: _strip(value, key) for key, value in node.items()
                if names or key not in ANNOTATIONS}
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def fingerprint(schema: dict[str, Any]) -> str:
    """SHA-256 of the schema's canonical JSON, annotations left out."""
    canonical = json.dumps(_strip(schema), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def recorded_fingerprints() -> dict[str, str]:
    data = json.loads(_root().joinpath(FINGERPRINTS).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{FINGERPRINTS}: not an object")
    return {str(k): str(v) for k, v in data.items()}


def check_fingerprints(schemas: dict[str, dict[str, Any]],
                       recorded: dict[str, str]) -> list[str]:
    """Problems with ``schemas`` (name -> schema) against ``recorded``
    fingerprints: a changed published version, an unrecorded file, a
    recorded version whose file is gone, or a ``$id`` that does not name it."""
    problems = []
    for name, schema in sorted(schemas.items()):
        kind, base, version = parse_name(name)
        want_id = f"urn:smartlib:{kind or 'contract'}:{base}:{version}"
        if schema.get("$id") != want_id:
            problems.append(f"{name}: $id must be {want_id!r}")
        if name not in recorded:
            problems.append(f"{name}: new schema version not recorded; run "
                            f"python -m edge.contract.schemas record")
        elif fingerprint(schema) != recorded[name]:
            problems.append(f"{name}: changed without a version bump; published versions never "
                            f"change: add {kind + '/' if kind else ''}{base}.v{version + 1}.json")
    for name in sorted(set(recorded) - set(schemas)):
        problems.append(f"{name}: recorded version has no file; devices in the field still "
                        f"send it, keep it")
    return problems


def record() -> list[str]:
    """Add fingerprints for new schema files to ``fingerprints.json`` (source
    tree only); never overwrites one already there. Returns the names added."""
    path = _root().joinpath(FINGERPRINTS)
    recorded = recorded_fingerprints()
    added = [name for name in schema_names() if name not in recorded]
    for name in added:
        recorded[name] = fingerprint(load_schema(name))
    if added:
        text = json.dumps(dict(sorted(recorded.items())), indent=2) + "\n"
        with resources.as_file(path) as real:
            real.write_text(text, encoding="utf-8")
    return added


def main(argv: list[str]) -> int:
    if argv[1:] == ["record"]:
        for name in record():
            sys.stdout.write(f"recorded {name}\n")
        return 0
    if argv[1:] == ["check"]:
        problems = check_fingerprints({n: load_schema(n) for n in schema_names()},
                                      recorded_fingerprints())
        sys.stdout.write("".join(p + "\n" for p in problems))
        return 1 if problems else 0
    sys.stderr.write("usage: python -m edge.contract.schemas record|check\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
