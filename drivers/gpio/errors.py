"""Errors raised by :mod:`drivers.gpio`: one root, :class:`GpioError`, and
kinds a caller can act on.

* :class:`GpioConfigError` (also a :class:`ValueError`): a pin name or pin
  factory that does not exist, or options that contradict each other.
* :class:`PinUnavailableError`: the pin exists but cannot be had (another
  process or device holds it, this machine has no GPIO, the GPIO library is
  not installed). ``pin`` names it.
"""

from __future__ import annotations


class GpioError(Exception):
    """Root of every error raised by :mod:`drivers.gpio`."""

    #: True when the same call may succeed if tried again later.
    transient: bool = False


class GpioConfigError(GpioError, ValueError):
    """A pin name, pin factory or option is malformed or unknown."""

    def __init__(self, message: str, pin: str | None = None) -> None:
        self.pin = pin
        super().__init__(f"pin {pin}: {message}" if pin is not None else message)


class PinUnavailableError(GpioError):
    """The pin (or GPIO itself) cannot be used on this machine now."""

    def __init__(self, message: str, pin: str | None = None) -> None:
        self.pin = pin
        super().__init__(f"pin {pin}: {message}" if pin is not None else message)
