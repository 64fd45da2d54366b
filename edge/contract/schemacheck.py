"""A fast yes/no check for the subset of JSON Schema (Draft 2020-12) the
contract's schemas use, compiled to closures.

The relay checks every message it receives, and the general ``jsonschema``
engine costs about 100-200 µs per message; these checks cost a few. They
only answer "valid?": when one says no, :mod:`edge.mqtt.validation` asks
``jsonschema`` for the exact message and JSON pointer. A differential test
keeps the two in agreement. A keyword outside the subset is refused when
compiling, so a schema cannot silently use one the check would ignore.

Keywords: type, const, enum, pattern, minLength, maxLength, minimum,
maximum, required, properties, additionalProperties, propertyNames,
maxProperties, items, anyOf, oneOf; annotations ($schema, $id, title,
description, $comment, examples) are ignored. Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$comment", "examples"})
SUPPORTED = frozenset({
    "type", "const", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "required", "properties", "additionalProperties", "propertyNames", "maxProperties",
    "items", "anyOf", "oneOf",
}) | ANNOTATIONS


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


class SchemaSubsetError(ValueError):
    """The schema uses a keyword this check does not implement."""


def _all(checks: list[Check]) -> Check:
    """One function that is true when every check is (no generator per call)."""
    if not checks:
        return lambda _v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(v: Any) -> bool:
        for check in checks:
            if not check(v):
                return False
        return True

    return every


def compile_schema(schema: Any, where: str = "#") -> Check:
    """A function telling whether an instance is valid against ``schema``."""
    if schema is True:
        return lambda _v: True
    if schema is False:
        return lambda _v: False
    if not isinstance(schema, dict):
        raise SchemaSubsetError(f"{where}: a schema is an object or a boolean")
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise SchemaSubsetError(f"{where}: unsupported keyword(s) {sorted(unknown)}")
    checks: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        tests = [_TYPES[name] for name in names]
        if names == ["object"] or names == ["string"]:
            pass  # folded into the object / string check below
        else:
            checks.append(tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests)))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda v: json_equal(v, const))
    if "enum" in schema:
        options = list(schema["enum"])
        plain = all(isinstance(o, str) for o in options)
        if plain:
            allowed = frozenset(options)
            checks.append(lambda v: isinstance(v, str) and v in allowed)
        else:
            checks.append(lambda v: any(json_equal(v, o) for o in options))
    string = _string_check(schema, schema.get("type") == "string")
    if string is not None:
        checks.append(string)
    checks += _number_checks(schema)
    obj = _object_check(schema, where, schema.get("type") == "object")
    if obj is not None:
        checks.append(obj)
    if "items" in schema:
        item = compile_schema(schema["items"], f"{where}/items")
        checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
    if "anyOf" in schema:
        anyof = [compile_schema(s, f"{where}/anyOf/{i}") for i, s in enumerate(schema["anyOf"])]
        checks.append(lambda v: any(c(v) for c in anyof))
    if "oneOf" in schema:
        oneof = [compile_schema(s, f"{where}/oneOf/{i}") for i, s in enumerate(schema["oneOf"])]
        checks.append(lambda v: sum(1 for c in oneof if c(v)) == 1)
    return _all(checks)


def _string_check(schema: dict[str, Any], must_be_string: bool) -> Check | None:
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    low = schema.get("minLength")
    high = schema.get("maxLength")
    if not must_be_string and search is None and low is None and high is None:
        return None

    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return not must_be_string
        if low is not None and len(v) < low:
            return False
        if high is not None and len(v) > high:
            return False
        return search is None or search(v) is not None

    return check


def _number_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda v: not _is_number(v) or v >= low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda v: not _is_number(v) or v <= high)
    return checks


def _object_check(schema: dict[str, Any], where: str, must_be_object: bool) -> Check | None:
    required = tuple(schema.get("required", ()))
    most = schema.get("maxProperties")
    names = (compile_schema(schema["propertyNames"], f"{where}/propertyNames")
             if "propertyNames" in schema else None)
    props = {key: compile_schema(sub, f"{where}/properties/{key}")
             for key, sub in schema.get("properties", {}).items()}
    extra = (compile_schema(schema["additionalProperties"], f"{where}/additionalProperties")
             if "additionalProperties" in schema else None)
    if not (must_be_object or required or most is not None or names or props
            or extra is not None):
        return None

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return not must_be_object
        for key in required:
            if key not in v:
                return False
        if most is not None and len(v) > most:
            return False
        for key, value in v.items():
            if names is not None and not names(key):
                return False
            sub = props.get(key)
            if sub is not None:
                if not sub(value):
                    return False
            elif extra is not None and not extra(value):
                return False
        return True

    return check
