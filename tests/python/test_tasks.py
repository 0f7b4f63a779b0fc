"""The active tasks through the bindings: tapping for both hands, a tremor task recorded from the demo
wearable's stream, their screen, and bad input refused with nothing stored."""
import asyncio
import math
import time

import pytest

import twitchwatch_ffi as tw
import twitchwatch_app as tw_app
import twitchwatch_tasks as tw_tasks


def now_ms():
    return int(time.time() * 1000)


def taps(count, duration_ms, targets):
    """`count` taps evenly over the session, alternating between the two targets, right on them."""
    step = duration_ms / count
    return [
        tw_tasks.Tap(t_ms=i * step + step / 2, x_pt=targets[i % 2].x_pt, y_pt=targets[i % 2].y_pt)
        for i in range(count)
    ]


@pytest.fixture()
def app(tmp_path):
    app = tw.TwitchWatch.open(str(tmp_path / "tasks"), tw_app.OpenOptions())
    yield app
    app.close_store()


def test_tapping_both_hands_is_measured_stored_and_shown(app):
    targets = [tw_tasks.TapTarget(x_pt=100.0, y_pt=400.0), tw_tasks.TapTarget(x_pt=260.0, y_pt=400.0)]
    start = now_ms() - 60_000
    right = app.tasks().record_tapping(
        tw_tasks.TappingInput(
            hand=tw_tasks.Hand.RIGHT, started_at_ms=start, duration_ms=20_000.0,
            targets=targets, taps=taps(100, 20_000.0, targets),
        )
    )
    left = app.tasks().record_tapping(
        tw_tasks.TappingInput(
            hand=tw_tasks.Hand.LEFT, started_at_ms=start + 25_000, duration_ms=20_000.0,
            targets=targets, taps=taps(80, 20_000.0, targets),
        )
    )
    assert right.lines and left.lines
    stored = app.tasks().results(0, now_ms() + 60_000)
    assert [r.hand for r in stored] == [tw_tasks.Hand.RIGHT, tw_tasks.Hand.LEFT]
    metrics = stored[0].measures.metrics
    assert metrics.tap_count == 100
    assert metrics.taps_per_s == pytest.approx(5.0, rel=0.01)
    state = app.screens().tasks()
    assert any(card.kind == tw_tasks.TaskKind.TAPPING for card in state.cards)
    assert state.grip_proxy_limits


@pytest.mark.parametrize(
    "bad_taps",
    [
        [tw_tasks.Tap(t_ms=math.nan, x_pt=0.0, y_pt=0.0)],
        [tw_tasks.Tap(t_ms=500.0, x_pt=0.0, y_pt=0.0), tw_tasks.Tap(t_ms=100.0, x_pt=0.0, y_pt=0.0)],
        [],
    ],
)
def test_bad_taps_are_invalid_input_and_nothing_is_stored(app, bad_taps):
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.tasks().record_tapping(
            tw_tasks.TappingInput(
                hand=tw_tasks.Hand.RIGHT, started_at_ms=now_ms() - 30_000, duration_ms=20_000.0,
                targets=[], taps=bad_taps,
            )
        )
    assert app.tasks().results(0, now_ms() + 60_000) == []


def test_a_tremor_task_is_measured_from_the_wearables_stream(app):
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        app.tasks().finish_tremor_task(tw_tasks.TaskKind.TREMOR_REST, tw_tasks.Hand.RIGHT, now_ms())
    started = now_ms() - 40_000
    app.tasks().begin_tremor_task()
    app.monitoring().start_simulated("tremor", 30.0, 0.0)
    asyncio.run(app.monitoring().wait_until_stopped())
    outcome = app.tasks().finish_tremor_task(
        tw_tasks.TaskKind.TREMOR_REST, tw_tasks.Hand.RIGHT, started
    )
    metrics = outcome.result.measures.metrics
    assert metrics.quality.samples_received > 2000
    assert outcome.lines
    # Nothing was being recorded any more: a second finish has nothing to finish.
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        app.tasks().finish_tremor_task(tw_tasks.TaskKind.TREMOR_REST, tw_tasks.Hand.RIGHT, started)


def test_a_tremor_task_without_a_stream_is_refused(app):
    app.tasks().begin_tremor_task()
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.tasks().finish_tremor_task(tw_tasks.TaskKind.TREMOR_REST, tw_tasks.Hand.LEFT, now_ms() - 40_000)
    assert app.tasks().results(0, now_ms() + 60_000) == []
