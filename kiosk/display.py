"""Getting a window: Kivy's environment (set before Kivy is imported: it
reads it then), the window's configuration, and a private X server (Xvfb)
for machines without a display (CI, the headless demo, tests).

Nothing here imports Kivy at module level.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from edge.errors import EdgeError, ExitCode


class DisplayError(EdgeError):
    """No display can be had (no Xvfb, or it would not start)."""

    exit_code = ExitCode.UNAVAILABLE


class _AtLeast(logging.Filter):
    """Kivy's records at the process's level, without its note that a fresh
    home has no configuration file yet (we use the built-in one)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(("Config: Older configuration", "Config: Upgrading")):
            return False
        return record.levelno >= self.level


def prepare_kivy(home: Path | None = None, *, audio: bool = True) -> Path:
    """Kivy's environment: its home (config, logs) in ``home`` or a fresh
    temporary directory, never ``~/.kivy``; no argv parsing; logging through
    Python's ``logging``; the built-in default configuration. Without
    ``audio`` (or without a sound device) SDL's dummy driver plays silence."""
    kivy_log = logging.getLogger("kivy")
    if not any(isinstance(f, _AtLeast) for f in kivy_log.filters):
        # Kivy sets its logger to "info" when imported: keep the process's level.
        kivy_log.addFilter(_AtLeast(logging.getLogger().getEffectiveLevel()))
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="smartlib-kivy-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["KIVY_HOME"] = str(home)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    os.environ["KIVY_USE_DEFAULTCONFIG"] = "1"
    if not audio or not Path("/dev/snd").exists():
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    return home


def configure_window(*, fullscreen: bool, width: int = 1280, height: int = 800,
                     vsync: bool = True) -> None:
    """Kivy's window settings; call before ``kivy.core.window`` is imported.
    ``vsync=False`` for a private X server, where nobody watches."""
    from kivy.config import Config

    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "vsync", "1" if vsync else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    # A mouse is a single finger here: no red multitouch dots on right click.
    Config.set("input", "mouse", "mouse,disable_multitouch")


@contextlib.contextmanager
def private_display(width: int = 1920, height: int = 1080,
                    timeout_s: float = 10.0) -> Iterator[str]:
    """Start Xvfb on a free display number, set ``DISPLAY`` to it, and stop
    it afterwards. Yields the display name (``:5``)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise DisplayError("no display and no Xvfb: install the Debian package xvfb")
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    previous = os.environ.get("DISPLAY")
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], timeout_s)
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                raise DisplayError("Xvfb did not start")
            number += chunk
        name = ":" + number.decode().strip()
        os.environ["DISPLAY"] = name
        yield name
    finally:
        os.close(read_fd)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous


def have_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
