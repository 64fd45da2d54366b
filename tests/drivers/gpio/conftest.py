"""GPIO tests run on gpiozero's MockFactory pins."""

from tests.peers.gpio import MockPins, mock_pins  # noqa: F401 - fixture

__all__ = ["MockPins", "mock_pins"]
