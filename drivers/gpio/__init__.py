"""Lights, buzzers, sensors and motors through gpiozero. gpiozero callbacks
arrive on its own threads; the drivers here hop them onto the asyncio loop.

    board = GpioBoard.open("auto")            # inside the running loop
    red = board.output(17, "red")
    red.signal(3.0)                           # on for 3 s (extended if signalled again)
    beams = BeamPair(board.input(23, "outer"), board.input(24, "inner"), on_passage)
    await board.close()

Wiring and pin choices: docs/gate.md and docs/bookdrop.md.
"""

from .beams import BeamPair, Direction, Passage, PassageCounter
from .board import FACTORIES, FactoryName, GpioBoard, PinName, make_pin_factory
from .errors import GpioConfigError, GpioError, PinUnavailableError
from .inputs import Change, Changes, InputLine, Level, Pull
from .outputs import PATTERNS, STEADY, Output, Pattern

__all__ = [
    "FACTORIES", "PATTERNS", "STEADY", "BeamPair", "Change", "Changes", "Direction", "FactoryName",
    "GpioBoard", "GpioConfigError", "GpioError", "InputLine", "Level", "Output", "Passage",
    "PassageCounter", "Pattern", "PinName", "PinUnavailableError", "Pull", "make_pin_factory",
]
