"""socat pty pairs: a virtual serial cable. The driver under test opens the
``host`` end as it would /dev/ttyUSB0; an emulator opens the ``device`` end.

``pair.unplug()`` ends socat (both ptys vanish, like a USB-serial adapter
pulled out); ``pair.plug()`` starts it again at the same paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SOCAT = shutil.which("socat") or "/usr/bin/socat"


@dataclass
class PtyPair:
    host: str
    device: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def plug(self, timeout_s: float = 5.0) -> None:
        for path in (self.host, self.device):
            if os.path.lexists(path):
                os.unlink(path)
        self.process = subprocess.Popen(
            [SOCAT, f"pty,raw,echo=0,link={self.host}",
             f"pty,raw,echo=0,link={self.device}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not (os.path.exists(self.host) and os.path.exists(self.device)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("socat did not create the pty pair")
            time.sleep(0.01)

    def unplug(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)
        self.process = None

    @property
    def plugged(self) -> bool:
        return self.process is not None and self.process.poll() is None


def make_pair(directory: Path, name: str = "tty") -> PtyPair:
    pair = PtyPair(str(directory / f"{name}-host"), str(directory / f"{name}-device"))
    pair.plug()
    return pair


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    """A socat pty pair in a temporary directory, stopped afterwards."""
    if not os.path.exists(SOCAT):
        pytest.fail("socat is not installed (deploy/bootstrap.sh installs it)")
    pair = make_pair(tmp_path)
    try:
        yield pair
    finally:
        pair.unplug()
