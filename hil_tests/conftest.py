"""Hardware-in-the-loop checks: the same scenarios as tests/, against real
devices named by SMARTLIB_HIL_* environment variables (hil_tests/README.md).
Without the variable a check is skipped and says which variable it wants."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "hil_tests" in item.path.parts:
            item.add_marker(pytest.mark.hil)


@pytest.fixture
def hil_device() -> Callable[[str, str], str]:
    """``hil_device("SMARTLIB_HIL_FEIG", "a FEIG reader's serial port")`` returns
    the variable's value, or skips the test saying what to set."""

    def get(variable: str, what: str) -> str:
        value = os.environ.get(variable)
        if not value:
            pytest.skip(f"no real device: set {variable} to {what} to run this check")
        return value

    return get
