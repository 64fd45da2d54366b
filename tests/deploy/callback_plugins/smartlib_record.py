"""Test-only Ansible callback: record every task result and the recap as
JSON in the file named by SMARTLIB_ANSIBLE_RECORD, beside the normal output
(ansible-core 2.19 ships no JSON callback of its own)."""

from __future__ import annotations

import json
import os
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: smartlib_record
type: aggregate
short_description: record task results as JSON (smartlib-edge tests)
description: Writes every task result and the recap to $SMARTLIB_ANSIBLE_RECORD.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "smartlib_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._tasks: list[dict[str, Any]] = []

    def _record(self, result: Any, state: str) -> None:
        self._tasks.append({"host": result.host.get_name(), "task": result.task.get_name(),
                            "state": state, "result": result.result})

    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        data = {"tasks": self._tasks,
                "stats": {h: stats.summarize(h) for h in sorted(stats.processed)}}
        with open(os.environ["SMARTLIB_ANSIBLE_RECORD"], "w", encoding="utf-8") as out:
            json.dump(data, out, default=str, ensure_ascii=False)
