"""Reader URLs: one parser for every scheme and one small, explicit registry
of protocols.

``feig:///dev/ttyUSB0?baud=38400``, ``feig+socket://host:port``,
``pcsc://READER NAME?layout=part3-transparent``, ``sim://demo``. The scheme
picks the protocol; the rest names the device; query options tune it. Each
driver declares the options it knows, so a misspelt option is an error, not
silently ignored.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qsl, unquote

from .errors import ReaderConfigError

if TYPE_CHECKING:
    from .reader import Reader

T = TypeVar("T")

#: scheme -> "module:factory"; the factory takes a ReaderUrl and returns a
#: Reader (not yet opened). Imported lazily so a gate without pyscard can
#: still open a FEIG reader.
READER_PROTOCOLS: Mapping[str, str] = MappingProxyType({
    "feig": "drivers.rfid.feig.driver:from_url",
    "feig+socket": "drivers.rfid.feig.driver:from_url",
    "pcsc": "drivers.rfid.pcsc:from_url",
    "sim": "drivers.sim.reader:from_url",
    "nfc": "drivers.rfid.url:no_iso15693",
})


@dataclass(frozen=True)
class ReaderUrl:
    """A parsed reader URL. ``target`` is the device: a path for serial
    ports, ``host:port`` for sockets, a reader name for PC/SC."""

    url: str
    scheme: str
    target: str
    options: Mapping[str, str]

    def check(self, known: Iterable[str]) -> None:
        allowed = set(known)
        unknown = sorted(set(self.options) - allowed)
        if unknown:
            raise ReaderConfigError(
                f"{self.scheme}: unknown option {', '.join(unknown)}; known: "
                f"{', '.join(sorted(allowed)) or 'none'}")

    def get(self, name: str, convert: Callable[[str], T], default: T,
            choices: Iterable[T] | None = None) -> T:
        """Option ``name`` converted (``int``, ``float``, :func:`flag`, ...)."""
        if name not in self.options:
            return default
        raw = self.options[name]
        try:
            value = convert(raw)
        except ValueError:
            raise ReaderConfigError(f"{self.scheme}: option {name}={raw!r} is not valid") from None
        if choices is not None and value not in set(choices):
            shown = ", ".join(str(c) for c in choices)
            raise ReaderConfigError(f"{self.scheme}: option {name}={raw!r}; choose one of {shown}")
        return value


def flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def number(text: str) -> int:
    """Decimal or 0x-prefixed hexadecimal."""
    return int(text, 0)


def parse_url(url: str) -> ReaderUrl:
    """Split ``scheme://target?options``. Not :func:`urllib.parse.urlsplit`:
    PC/SC reader names hold spaces and square brackets, which it rejects."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or not scheme or not scheme.replace("+", "").isalnum():
        raise ReaderConfigError(f"{url!r}: no scheme; e.g. feig:///dev/ttyUSB0")
    target, _, query = rest.partition("?")
    target = unquote(target)
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in options:
            raise ReaderConfigError(f"{url!r}: option {key} given twice")
        options[key] = value
    return ReaderUrl(url, scheme, target, MappingProxyType(options))


def _resolve(scheme: str, registry: Mapping[str, str]) -> Callable[[ReaderUrl], Reader]:
    if scheme not in registry:
        raise ReaderConfigError(
            f"unknown reader scheme {scheme!r}; known: {', '.join(sorted(registry))}")
    module_name, _, attr = registry[scheme].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ReaderConfigError(f"{scheme}: driver not available ({exc}); install the extra "
                                "that brings it (see docs/install.md)") from None
    factory: Callable[[ReaderUrl], Reader] = getattr(module, attr)
    return factory


def make_reader(url: str, registry: Mapping[str, str] = READER_PROTOCOLS) -> Reader:
    """The reader for ``url``, not yet opened."""
    parsed = parse_url(url)
    return _resolve(parsed.scheme, registry)(parsed)


async def open_reader(url: str, registry: Mapping[str, str] = READER_PROTOCOLS) -> Reader:
    """Open the reader named by ``url``: ``async with await open_reader(url) as r``."""
    reader = make_reader(url, registry)
    await reader.open()
    return reader


def no_iso15693(url: ReaderUrl) -> Reader:
    raise ReaderConfigError(
        "nfc: nfcpy has no ISO 15693 support; an nfc:// URL identifies patron cards "
        "(patron.card_reader_url), not item tags")


OpenReader = Callable[[str], Awaitable["Reader"]]
