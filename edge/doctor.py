"""What this machine has and lacks for a role: one verdict per check.

Checks only look: they open no serial port, write no file and change no
setting, so ``smartlib doctor`` is safe on a running device.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import glob
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from edge.config.loader import AnyDevice
from edge.i18n import _


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclasses.dataclass(frozen=True)
class Verdict:
    check: str
    status: Status
    detail: str


#: Extra -> the modules that prove it is installed.
EXTRAS: Mapping[str, tuple[str, ...]] = {
    "kiosk": ("kivy",),
    "pcsc": ("smartcard",),
    "nfc": ("nfc",),
    "camera": ("cv2", "zxingcpp"),
    "gpio": ("gpiozero",),
    "printer": ("escpos",),
    "postgres": ("psycopg",),
}

#: Extras a role cannot work without.
REQUIRED_EXTRAS: Mapping[str, tuple[str, ...]] = {
    "kiosk": ("kiosk",),
    "gate": ("gpio",),
    "bookdrop": ("gpio",),
    "central": (),
}

PCSCD_SOCKET = "/run/pcscd/pcscd.comm"
MIN_PYTHON = (3, 11)


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def check_python() -> Verdict:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        return Verdict("python", Status.OK, f"Python {version}")
    return Verdict("python", Status.FAIL, _("Python {version}; 3.11 or newer is needed").format(
        version=version))


def check_extras(role: str) -> list[Verdict]:
    verdicts = []
    for extra, modules in EXTRAS.items():
        present = all(_has_module(m) for m in modules)
        if present:
            verdicts.append(Verdict(f"extra:{extra}", Status.OK, _("installed")))
        elif extra in REQUIRED_EXTRAS.get(role, ()):
            verdicts.append(Verdict(f"extra:{extra}", Status.FAIL, _(
                "missing; a {role} needs it: pip install 'smartlib-edge[{extra}]'").format(
                    role=role, extra=extra)))
        else:
            verdicts.append(Verdict(f"extra:{extra}", Status.SKIP, _("not installed")))
    return verdicts


def _serial_ports() -> list[str]:
    patterns = ("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyAMA*", "/dev/serial/by-id/*")
    return sorted({p for pattern in patterns for p in glob.glob(pattern)})


def check_serial(device: AnyDevice | None) -> Verdict:
    reader = getattr(device, "reader", None)
    if reader is not None:
        url = urlsplit(reader.url)
        if url.scheme in ("feig", "3m"):
            path = unquote(url.path)
            if not os.path.exists(path):
                return Verdict("serial", Status.FAIL, _(
                    "reader port {path} does not exist").format(path=path))
            if not os.access(path, os.R_OK | os.W_OK):
                return Verdict("serial", Status.FAIL, _(
                    "no permission to open {path}; add the service user to the dialout "
                    "group").format(path=path))
            return Verdict("serial", Status.OK, _("reader port {path}").format(path=path))
    ports = _serial_ports()
    if ports:
        return Verdict("serial", Status.OK, ", ".join(ports))
    return Verdict("serial", Status.SKIP, _("no serial ports found"))


def check_pcscd(device: AnyDevice | None) -> Verdict:
    socket_path = os.environ.get("PCSCLITE_CSOCK_NAME", PCSCD_SOCKET)
    wanted = any(
        (url or "").startswith("pcsc:")
        for url in (
            getattr(getattr(device, "reader", None), "url", None),
            getattr(getattr(device, "patron", None), "card_reader_url", None),
        )
    )
    if os.path.exists(socket_path):
        return Verdict("pcscd", Status.OK, _("running ({path})").format(path=socket_path))
    if wanted:
        return Verdict("pcscd", Status.FAIL, _(
            "not running, and the configuration uses a PC/SC reader: "
            "apt install pcscd && systemctl start pcscd"))
    binary = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin")
    return Verdict("pcscd", Status.SKIP, _("installed, not running") if binary
                   else _("not installed"))


def check_gpio(role: str) -> Verdict:
    chips = sorted(glob.glob("/dev/gpiochip*"))
    if chips:
        return Verdict("gpio", Status.OK, ", ".join(chips))
    status = Status.WARN if role in ("gate", "bookdrop") else Status.SKIP
    return Verdict("gpio", status, _("no GPIO chip (/dev/gpiochip*): not a Raspberry Pi?"))


def check_camera(device: AnyDevice | None) -> Verdict:
    cams = sorted(glob.glob("/dev/video*"))
    if cams:
        return Verdict("camera", Status.OK, ", ".join(cams))
    kiosk = getattr(device, "kiosk", None)
    if kiosk is not None and kiosk.camera is not None:
        return Verdict("camera", Status.FAIL, _("the configuration names camera {index}, "
                                                "but there is no /dev/video*").format(
                                                    index=kiosk.camera))
    return Verdict("camera", Status.SKIP, _("no camera (/dev/video*)"))


def check_disk(device: AnyDevice | None) -> Verdict:
    where = device.store.path.parent if device is not None else Path.cwd()
    probe = where
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free_mb = usage.free // (1024 * 1024)
    detail = _("{free} MB free at {path}").format(free=free_mb, path=probe)
    if free_mb < 100:
        return Verdict("disk", Status.FAIL, detail)
    return Verdict("disk", Status.WARN if free_mb < 500 else Status.OK, detail)


async def _reachable(name: str, host: str, port: int, timeout_s: float) -> Verdict:
    target = f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout_s):
            _reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        return Verdict(name, Status.FAIL, _("{target}: no answer within {seconds} s").format(
            target=target, seconds=timeout_s))
    except OSError as exc:
        return Verdict(name, Status.FAIL, f"{target}: {exc.strerror or exc}")
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return Verdict(name, Status.OK, _("{target} reachable").format(target=target))


async def check_network(device: AnyDevice | None, timeout_s: float = 3.0) -> list[Verdict]:
    mqtt = getattr(device, "mqtt", None)
    ils = getattr(device, "ils", None)
    checks = []
    if mqtt is not None:
        checks.append(_reachable("broker", mqtt.host, mqtt.port, timeout_s))
    if ils is not None:
        checks.append(_reachable("ils", ils.host, ils.port, timeout_s))
    verdicts = list(await asyncio.gather(*checks))
    if mqtt is None:
        verdicts.insert(0, Verdict("broker", Status.SKIP, _("no [mqtt] in the configuration")))
    if ils is None:
        verdicts.append(Verdict("ils", Status.SKIP, _("no [ils] in the configuration")))
    return verdicts


async def diagnose(role: str, device: AnyDevice | None, timeout_s: float = 3.0) -> list[Verdict]:
    """Every verdict for ``role`` on this machine, configuration ``device`` if given."""
    verdicts: list[Verdict] = [check_python(), *check_extras(role)]
    verdicts += [check_serial(device), check_pcscd(device), check_gpio(role),
                 check_camera(device), check_disk(device)]
    verdicts += await check_network(device, timeout_s)
    return verdicts


def worst(verdicts: Iterable[Verdict]) -> Status:
    statuses = {v.status for v in verdicts}
    for status in (Status.FAIL, Status.WARN, Status.OK):
        if status in statuses:
            return status
    return Status.SKIP
