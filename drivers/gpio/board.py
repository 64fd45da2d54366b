"""One device's GPIO: the gpiozero pin factory chosen by name, and every
input and output made on it, closed together.

gpiozero keeps a process-wide default factory (``Device.pin_factory``); this
module never uses it. Each :class:`GpioBoard` makes its own factory and
passes it to every device it creates, so tests can run several boards on
:class:`gpiozero.pins.mock.MockFactory` side by side and nothing depends on
import order.

Pin names are gpiozero's: a BCM number (``17``) or ``"GPIO17"``,
``"BOARD11"``, ``"J8:11"``.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any, Literal

from .errors import GpioConfigError, GpioError, PinUnavailableError
from .inputs import InputLine, Level, Pull
from .outputs import Output

log = logging.getLogger(__name__)

#: Pin factories by name, tried in this order for ``auto`` (as gpiozero does:
#: lgpio works on every Pi, the Pi 5 included).
FACTORIES = ("lgpio", "rpigpio", "pigpio", "native")
FactoryName = Literal["auto", "lgpio", "rpigpio", "pigpio", "native", "mock"]
PinName = int | str


def _factory_class(name: str) -> Callable[[], Any]:
    found = importlib.metadata.entry_points(group="gpiozero_pin_factories", name=name)
    for entry in found:
        loaded: Callable[[], Any] = entry.load()
        return loaded
    raise GpioConfigError(f"unknown pin factory {name!r}; known: auto, mock, "
                          f"{', '.join(FACTORIES)}")


def make_pin_factory(name: str = "auto") -> Any:
    """A gpiozero pin factory by name; ``auto`` takes the first of
    :data:`FACTORIES` that works on this machine."""
    try:
        import gpiozero  # noqa: F401 - the gpio extra
    except ImportError as exc:
        raise PinUnavailableError("gpiozero is not installed (pip install "
                                  "'smartlib-edge[gpio]')") from exc
    names = FACTORIES if name == "auto" else (name,)
    problems = []
    for candidate in names:
        try:
            cls = _factory_class(candidate)
        except (ImportError, GpioConfigError) as exc:
            if name != "auto":
                raise GpioConfigError(str(exc)) from exc
            problems.append(f"{candidate}: {exc}")
            continue
        try:
            return cls()
        except (ImportError, OSError, RuntimeError) as exc:
            # gpiozero's errors for "no GPIO here" are ImportError (library
            # missing), OSError (no /dev/gpiochip) or RuntimeError (not a Pi)
            problems.append(f"{candidate}: {exc}")
            if name != "auto":
                break
    raise PinUnavailableError("no GPIO pin factory works on this machine ("
                              + "; ".join(problems) + ")")


def _gpiozero_error(exc: Exception, pin: PinName) -> GpioError:
    from gpiozero.exc import GPIOPinInUse, PinInvalidPin

    if isinstance(exc, PinInvalidPin | ValueError):
        return GpioConfigError(str(exc), str(pin))
    if isinstance(exc, GPIOPinInUse):
        return PinUnavailableError(f"in use: {exc}", str(pin))
    return PinUnavailableError(str(exc), str(pin))


class GpioBoard:
    """Inputs and outputs on one pin factory. Make it inside the running
    loop (inputs deliver their changes to it); close it when done."""

    def __init__(self, factory: Any, *, owns_factory: bool = False) -> None:
        self.factory = factory
        self.owns_factory = owns_factory
        self.loop = asyncio.get_running_loop()
        self._devices: list[Any] = []
        self._lines: list[InputLine] = []
        self._outputs: list[Output] = []

    @classmethod
    def open(cls, factory_name: str = "auto") -> GpioBoard:
        return cls(make_pin_factory(factory_name), owns_factory=True)

    def _make(self, kind: str, pin: PinName, **options: Any) -> Any:
        import gpiozero
        from gpiozero.exc import GPIOZeroError

        try:
            device = getattr(gpiozero, kind)(pin, pin_factory=self.factory, **options)
        except (GPIOZeroError, ValueError) as exc:
            raise _gpiozero_error(exc, pin) from exc
        self._devices.append(device)
        return device

    def output(self, pin: PinName, name: str, *, active_high: bool = True) -> Output:
        """A switched output: a light, a buzzer, a relay, a solenoid, a motor
        contactor. Off until told otherwise."""
        device = self._make("DigitalOutputDevice", pin, active_high=active_high,
                            initial_value=False)
        output = Output(device, name)
        self._outputs.append(output)
        return output

    def input(self, pin: PinName, name: str, *, pull: Pull = "up",
              active: Level = "low", bounce_ms: float | None = None) -> InputLine:
        """A sensor line. ``pull`` is the internal resistor (``none`` for an
        external one); ``active`` is the level at which the sensor reports
        (beam broken, item in the slot, bin full)."""
        if pull == "none":
            device = self._make("DigitalInputDevice", pin, pull_up=None,
                                active_state=active == "high",
                                bounce_time=None if bounce_ms is None else bounce_ms / 1000)
            inverted = False
        else:
            device = self._make("DigitalInputDevice", pin, pull_up=pull == "up",
                                bounce_time=None if bounce_ms is None else bounce_ms / 1000)
            # gpiozero calls a pulled-up line active when low, pulled-down when high
            inverted = (pull == "up") != (active == "low")
        line = InputLine(device, name, self.loop, inverted=inverted)
        self._lines.append(line)
        return line

    async def close(self) -> None:
        """Every output off, every device released (again: nothing)."""
        outputs, self._outputs = self._outputs, []
        lines, self._lines = self._lines, []
        devices, self._devices = self._devices, []
        for output in outputs:
            await output.close()
        for line in lines:
            line.close()
        for device in reversed(devices):
            device.close()
        if self.owns_factory:
            self.factory.close()

    async def __aenter__(self) -> GpioBoard:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()
