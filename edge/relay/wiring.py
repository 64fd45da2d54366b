"""Which title lookup the relay uses: none until the configuration names an
ILS (the SIP2 lookup joins here once the SIP2 client is available)."""

from __future__ import annotations

from edge.config import LoadedConfig
from edge.config.models import CentralConfig
from edge.relay.enrich import CachedTitles


def title_lookup(loaded: LoadedConfig) -> CachedTitles | None:
    device = loaded.device
    if not isinstance(device, CentralConfig) or device.ils is None:
        return None
    return None
