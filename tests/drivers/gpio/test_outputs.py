"""Lights and buzzers as a person sees and hears them, on mock pins."""

from __future__ import annotations

import asyncio

import pytest

from drivers.gpio import PATTERNS, GpioBoard, GpioConfigError, Pattern
from tests.peers.gpio import MockPins


async def test_a_light_signalled_stays_on_for_the_duration_then_goes_off(
        mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        red = board.output(17, "red")
        red.signal(0.3)
        await asyncio.sleep(0)
        assert mock_pins.pin(17).state  # on at once
        await red.wait_idle()
        assert not mock_pins.pin(17).state
    assert mock_pins.states(17) == [False, True, False]
    assert mock_pins.on_periods(17)[0] >= 0.3 - 0.005


async def test_signalling_again_extends_one_alarm_rather_than_stuttering(
        mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        red = board.output(17, "red")
        red.signal(0.2)
        await asyncio.sleep(0.1)
        red.signal(0.2)  # 0.1 s in: now until 0.3 s
        await red.wait_idle()
    # one continuous period, never off in between
    assert mock_pins.states(17) == [False, True, False]
    assert mock_pins.on_periods(17)[0] >= 0.3 - 0.005


async def test_a_buzzer_pattern_beeps_on_and_off_and_ends_silent(mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        buzzer = board.output(22, "buzzer")
        buzzer.signal(0.5, Pattern(((0.1, 0.1),)))
        await buzzer.wait_idle()
        states = mock_pins.states(22)
    assert states[0] is False and states[-1] is False
    assert all(a != b for a, b in zip(states, states[1:], strict=False))  # alternates
    beeps = states.count(True)
    assert 2 <= beeps <= 3
    assert mock_pins.on_periods(22)[0] >= 0.1 - 0.005


async def test_active_low_outputs_are_off_when_high(mock_pins: MockPins) -> None:
    # many relay boards switch on when their input is pulled low
    async with GpioBoard(mock_pins.factory) as board:
        relay = board.output(5, "conveyor", active_high=False)
        assert mock_pins.pin(5).state  # high: off
        relay.on()
        assert not mock_pins.pin(5).state and relay.is_on
    assert mock_pins.pin(5).state  # closing the board switched it off


async def test_closing_the_board_silences_a_playing_signal(mock_pins: MockPins) -> None:
    board = GpioBoard(mock_pins.factory)
    board.output(22, "buzzer").signal(30, PATTERNS["pulse"])
    await asyncio.sleep(0.01)
    assert mock_pins.pin(22).state
    await board.close()
    assert not mock_pins.pin(22).state


async def test_a_pin_that_does_not_exist_is_a_configuration_error(mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        with pytest.raises(GpioConfigError) as caught:
            board.output("GPIO99", "red")
        assert caught.value.pin == "GPIO99"


async def test_a_pin_used_twice_is_refused(mock_pins: MockPins) -> None:
    from drivers.gpio import PinUnavailableError

    async with GpioBoard(mock_pins.factory) as board:
        board.output(17, "red")
        with pytest.raises(PinUnavailableError, match="17"):
            board.input(17, "beam")


def test_patterns_refuse_steps_that_would_never_sound() -> None:
    with pytest.raises(ValueError, match="on must be > 0"):
        Pattern(((0.0, 0.5),))
