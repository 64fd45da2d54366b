"""pcscd with the vpcd virtual reader driver (Debian: pcscd, vsmartcard-vpcd),
private to the test process.

Debian 12's pcscd (1.9.9) always uses /run/pcscd/pcscd.comm unless systemd
hands it a listening socket, so the fixture does what systemd does: it binds
its own unix socket and passes it as fd 3 with LISTEN_FDS=1 and LISTEN_PID
(pcscd then skips the "another pcscd is running" check). Clients find it
through PCSCLITE_CSOCK_NAME, which libpcsclite reads once per process: one
pcscd per test process (session scope). pcscd reads its readers from its own
configuration directory (``-c DIR``); each vpcd entry gives two readers,
``NAME 00 00`` and ``NAME 00 01``, whose virtual cards connect to TCP ports
``PORT`` and ``PORT + 1``. pcscd still writes /run/pcscd/pcscd.pid (it needs
write access to /run/pcscd).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PCSCD = shutil.which("pcscd") or "/usr/sbin/pcscd"
VPCD_LIB = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


def free_port_pair() -> int:
    """A port P with P and P + 1 free on this machine (vpcd binds both)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", port))
                b.bind(("0.0.0.0", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no free pair of TCP ports")


@dataclass
class Pcscd:
    directory: Path
    #: friendly name -> first vpcd port
    readers: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> str:
        return str(self.directory / "pcscd.comm")

    @property
    def log_path(self) -> Path:
        return self.directory / "pcscd.log"

    def reader(self, friendly: str, slot: int = 0) -> tuple[str, int]:
        """(PC/SC reader name, vpcd port) of one slot."""
        return f"{friendly} 00 {slot:02d}", self.readers[friendly] + slot

    def add_reader(self, friendly: str) -> None:
        self.readers[friendly] = free_port_pair()

    def _write_config(self) -> Path:
        conf = self.directory / "reader.conf.d"
        shutil.rmtree(conf, ignore_errors=True)
        conf.mkdir()
        for friendly, port in self.readers.items():
            (conf / friendly.replace(" ", "_")).write_text(
                f'FRIENDLYNAME "{friendly}"\nDEVICENAME /dev/null:0x{port:04X}\n'
                f"LIBPATH {VPCD_LIB}\nCHANNELID 0x{port:04X}\n")
        return conf

    def start(self, timeout_s: float = 10.0) -> None:
        conf = self._write_config()
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        listener.listen(32)
        fd = listener.fileno()
        move = "" if fd == 3 else f"exec 3<&{fd} {fd}<&-; "
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", f'{move}LISTEN_PID=$$ LISTEN_FDS=1 '
                             f'exec "{PCSCD}" --foreground --info -c "{conf}"'],
                pass_fds=(fd,), stdout=log, stderr=subprocess.STDOUT)
        listener.close()
        deadline = time.monotonic() + timeout_s
        while b"daemon ready" not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pcscd did not start; see {self.log_path}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


#: libpcsclite reads PCSCLITE_CSOCK_NAME once per process, so every conftest
#: that pulls in the fixture must share one daemon: (daemon, users).
_shared: dict[str, tuple[Pcscd, int]] = {}


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """This test process's own pcscd with two vpcd readers ("Smartlib Desk"
    slots 0 and 1). Sets PCSCLITE_CSOCK_NAME for the process."""
    if "daemon" in _shared:
        daemon, users = _shared["daemon"]
        _shared["daemon"] = (daemon, users + 1)
    else:
        missing = [p for p in (PCSCD, VPCD_LIB) if not os.path.exists(p)]
        if missing:
            pytest.fail(f"{', '.join(missing)} missing: deploy/bootstrap.sh installs pcscd and "
                        "vsmartcard-vpcd")
        daemon = Pcscd(tmp_path_factory.mktemp("pcscd"))
        daemon.add_reader("Smartlib Desk")
        os.environ["PCSCLITE_CSOCK_NAME"] = daemon.socket_path
        daemon.start()
        _shared["daemon"] = (daemon, 1)
    try:
        yield daemon
    finally:
        daemon, users = _shared["daemon"]
        if users == 1:
            del _shared["daemon"]
            daemon.stop()
        else:
            _shared["daemon"] = (daemon, users - 1)


def wait_card(reader: str, present: bool, timeout_s: float = 10.0) -> None:
    """Block until pcscd shows a card in ``reader`` (or none). vpcd notices a
    virtual card's connection closing only at its next presence poll."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise RuntimeError("pcscd not reachable")
    try:
        deadline = time.monotonic() + timeout_s
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < deadline:
            hresult, result = scard.SCardGetStatusChange(context, 200, [(reader, state)])
            if hresult == scard.SCARD_S_SUCCESS:
                state = result[0][1] & ~scard.SCARD_STATE_CHANGED
            if bool(state & scard.SCARD_STATE_PRESENT) == present:
                return
        raise RuntimeError(f"{reader}: card {'never came' if present else 'never left'}")
    finally:
        scard.SCardReleaseContext(context)


@contextlib.asynccontextmanager
async def vpcd_slot(daemon: Pcscd, friendly: str, slot: int) -> AsyncIterator[tuple[str, Any]]:
    """(PC/SC reader name, VpcdSlot) of one slot; on leaving, the card is
    removed and pcscd has seen it go."""
    from drivers.sim.vicc import VpcdSlot

    name, port = daemon.reader(friendly, slot)
    virtual = VpcdSlot(port)
    try:
        yield name, virtual
    finally:
        await virtual.remove()
        await asyncio.to_thread(wait_card, name, False)
