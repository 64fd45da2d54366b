"""The device's services as the agent restarts them: systemd units through
``systemctl``. The agent restarts itself by re-executing (see
:mod:`edge.agent.runtime`), which works with or without systemd."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from edge.agent.errors import ServiceError


class ServiceManager(Protocol):
    async def restart(self, unit: str) -> None: ...

    async def is_active(self, unit: str) -> bool: ...


class Systemd:
    """systemd, through ``systemctl`` (path from the configuration)."""

    def __init__(self, systemctl: Path, timeout_s: float = 60.0) -> None:
        self.systemctl = systemctl
        self.timeout_s = timeout_s

    async def _run(self, *args: str) -> tuple[int, str]:
        try:
            proc = await asyncio.create_subprocess_exec(
                str(self.systemctl), *args, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT)
        except OSError as exc:
            raise ServiceError(args[-1], f"cannot run {self.systemctl}: {exc.strerror}") from exc
        try:
            async with asyncio.timeout(self.timeout_s):
                out, _ = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise ServiceError(args[-1], f"systemctl {args[0]} took over {self.timeout_s} s") \
                from None
        return proc.returncode or 0, out.decode("utf-8", "replace").strip()

    async def restart(self, unit: str) -> None:
        code, out = await self._run("restart", unit)
        if code != 0:
            raise ServiceError(unit, out or f"systemctl restart exited with {code}")

    async def is_active(self, unit: str) -> bool:
        code, _ = await self._run("is-active", "--quiet", unit)
        return code == 0
