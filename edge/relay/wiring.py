"""Which title lookup the relay uses: SIP2 Item Information when the central
configuration names an ILS, none otherwise."""

from __future__ import annotations

from drivers.sip2 import Sip2Pool
from edge.config import LoadedConfig
from edge.config.models import CentralConfig
from edge.ils import library_clock, sip2_settings
from edge.relay.enrich import CachedTitles, sip2_titles


def title_lookup(loaded: LoadedConfig) -> CachedTitles | None:
    device = loaded.device
    if not isinstance(device, CentralConfig) or device.ils is None:
        return None
    pool = Sip2Pool(sip2_settings(device.ils, loaded.secrets), size=2,
                    clock=library_clock(device.library.timezone))
    return CachedTitles(sip2_titles(pool), device.relay.title_timeout_s, closer=pool.close)
