"""Acceptance of a device's board: run on the Raspberry Pi itself.

    SMARTLIB_HIL_PI=gate smartlib-venv/bin/python -m pytest hil_tests/test_machine.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from edge.doctor import Status, diagnose


def test_board_has_what_its_role_needs(hil_device: Callable[[str, str], str]) -> None:
    role = hil_device("SMARTLIB_HIL_PI", "the role this Pi is accepted for (kiosk, gate, "
                      "bookdrop)")
    verdicts = {v.check: v for v in asyncio.run(diagnose(role, None))}
    assert verdicts["python"].status is Status.OK
    assert verdicts["gpio"].status is Status.OK, verdicts["gpio"].detail
    failed = [f"{v.check}: {v.detail}" for v in verdicts.values() if v.status is Status.FAIL]
    assert not failed
