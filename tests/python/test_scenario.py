"""The Kotlin scenario, in Python, against the real library through the generated bindings."""
import pytest

import twitchwatch_ffi as tw


def test_version():
    assert tw.twitchwatch_version()


def test_kinds_round_trip():
    assert tw.parse_motor_event_kind("twitch") == tw.MotorEventKind.FASCICULATION
    assert tw.motor_event_kinds() == [
        tw.MotorEventKind.FASCICULATION,
        tw.MotorEventKind.TREMOR,
        tw.MotorEventKind.SPASM,
    ]


def test_bad_input_is_a_clear_exception():
    with pytest.raises(tw.TwitchWatchError.InvalidInput) as err:
        tw.parse_motor_event_kind("hiccup")
    assert "hiccup" in str(err.value)
