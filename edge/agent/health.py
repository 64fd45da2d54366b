"""Health telemetry: what the device can say about itself every N seconds.

Uptime, CPU temperature (Linux thermal zones; a Raspberry Pi's
``cpu-thermal``), load, the agent's memory, the store's disk, the outbox's
depth, and each component's status as its service reported it on the status
board (reader, ILS, printer...) plus the broker as the agent sees it. A
component whose service stopped reporting shows as ``unknown``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edge.contract import events
from edge.contract.envelope import Event
from edge.store.control import ComponentState
from edge.store.outbox import Depth

THERMAL = Path("/sys/class/thermal")
#: Thermal zone types that measure the CPU, best first.
CPU_ZONES = ("cpu-thermal", "x86_pkg_temp", "soc_thermal", "cpu_thermal", "coretemp")


def cpu_temperature_c(root: Path = THERMAL) -> float | None:
    zones: dict[str, Path] = {}
    try:
        for zone in sorted(root.glob("thermal_zone*")):
            try:
                zones.setdefault((zone / "type").read_text().strip(), zone)
            except OSError:
                continue
    except OSError:
        return None
    for name in (*CPU_ZONES, *zones):
        found = zones.get(name)
        if found is None:
            continue
        try:
            return round(int((found / "temp").read_text().strip()) / 1000.0, 1)
        except (OSError, ValueError):
            continue
    return None


def memory_mb() -> float | None:
    """This process's resident memory."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class HealthInputs:
    uptime_s: float
    software: str
    store_path: Path
    depth: Depth
    capacity: int
    components: Mapping[str, ComponentState]
    broker: events.Component
    now_ms: int
    stale_s: float


def health_event(inputs: HealthInputs) -> Event:
    try:
        disk = shutil.disk_usage(inputs.store_path.parent)
        free_mb, total_mb = disk.free / 2**20, disk.total / 2**20
    except OSError:
        free_mb = total_mb = 0.0
    try:
        load: float | None = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    oldest = inputs.depth.oldest_pending_ms
    components: dict[str, events.Component] = {}
    for name, state in inputs.components.items():
        age_s = (inputs.now_ms - state.updated_ms) / 1000
        if age_s > inputs.stale_s:
            components[name] = events.Component(
                "unknown", f"no report for {int(age_s)} s (last: {state.status})")
        else:
            components[name] = events.Component(state.status, state.detail,
                                                 _iso(state.since_ms))
    components["broker"] = inputs.broker
    return events.health(
        uptime_s=inputs.uptime_s, software=inputs.software, cpu_temp_c=cpu_temperature_c(),
        load_1m=load, memory_mb=memory_mb(), disk_free_mb=free_mb, disk_total_mb=total_mb,
        outbox={"pending": inputs.depth.pending, "capacity": inputs.capacity,
                "oldest_age_s": None if oldest is None else
                max(0.0, round((inputs.now_ms - oldest) / 1000, 1)),
                "dropped_health": inputs.depth.dropped_health,
                "refused": inputs.depth.refused},
        components=components)
