"""Structured log lines on stderr: logfmt by default, JSON on request."""

from __future__ import annotations

import io
import json
import logging

from edge import logs


def emit(fmt: str) -> str:
    stream = io.StringIO()
    logs.setup("INFO", fmt, stream)
    logging.getLogger("edge.test").info(
        "tag written", extra={"fields": {"uid": "E004010012345678", "note": "a b"}})
    logging.getLogger("edge.test").debug("hidden")
    return stream.getvalue()


def test_logfmt_line() -> None:
    line = emit("logfmt").strip()
    assert "level=info" in line and "logger=edge.test" in line
    assert 'msg="tag written"' in line and "uid=E004010012345678" in line and 'note="a b"' in line
    assert "hidden" not in line and len(line.splitlines()) == 1


def test_json_line() -> None:
    data = json.loads(emit("json"))
    assert data["msg"] == "tag written" and data["uid"] == "E004010012345678"
    assert data["level"] == "info" and data["ts"].endswith("Z")
