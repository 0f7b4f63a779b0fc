"""The Kotlin scenario, in Python: the whole app flow against the real library through the generated
bindings, then bad input. Each test builds on the session fixture (one store, one simulated session)."""
import asyncio
import math
import threading
import time

import pytest

import twitchwatch_ffi as tw
import twitchwatch_alerts as tw_alerts
import twitchwatch_app as tw_app
import twitchwatch_journal as tw_journal
import twitchwatch_model as tw_model
import twitchwatch_report as tw_report
import twitchwatch_rules as tw_rules


class Recorder(tw.MonitorListener):
    def __init__(self):
        self.events, self.minutes, self.states = [], [], []
        self.summary, self.error = None, None
        self.ended = threading.Event()

    def on_event(self, event):
        self.events.append(event)

    def on_minute(self, minute):
        self.minutes.append(minute)

    def on_connection(self, state):
        self.states.append(state)

    def on_battery(self, percent):
        pass

    def on_progress(self, stats, fraction_done):
        pass

    def on_session_end(self, summary, error):
        self.summary, self.error = summary, error
        self.ended.set()


class Throwing(tw.MonitorListener):
    """A buggy app listener: every call raises. TwitchWatch must log it and carry on."""

    def __init__(self):
        self.calls = 0

    def _boom(self, *args):
        self.calls += 1
        raise RuntimeError("listener bug")

    on_event = on_minute = on_connection = on_battery = on_progress = on_session_end = _boom


class Alerts(tw.AlertListener):
    def __init__(self):
        self.alerts, self.notifications = [], []

    def on_alert(self, alert, notification):
        self.alerts.append(alert)
        self.notifications.append(notification)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("twitchwatch-py")
    app = tw.TwitchWatch.open(str(store_dir), tw_app.OpenOptions())
    live, broken, alerts = Recorder(), Throwing(), Alerts()
    # A listener stays registered while its handle is held.
    handles = [
        app.monitoring().add_listener(broken),
        app.monitoring().add_listener(live),
        app.alerts().add_listener(alerts),
    ]
    app.monitoring().start_simulated("twitches", 180.0, 0.0)
    assert live.ended.wait(300), "the simulated session did not end within 300 s"
    asyncio.run(app.monitoring().wait_until_stopped())
    yield app, live, broken, alerts, store_dir
    del handles
    app.close_store()


def now_ms():
    return int(time.time() * 1000)


def eventually(condition, timeout_s=30):
    """Listeners hear on their own delivery threads, after the call that caused what they hear."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "a listener never heard it"
        time.sleep(0.005)


def test_simulated_session_reaches_python_listeners(session):
    app, live, _, _, _ = session
    assert live.error is None
    assert any(e.kind == tw_model.MotorEventKind.FASCICULATION for e in live.events)
    assert len(live.minutes) >= 2
    assert isinstance(live.states[-1], tw_model.ConnectionState.DISCONNECTED)
    assert live.summary.fasciculations == sum(
        1 for e in live.events if e.kind == tw_model.MotorEventKind.FASCICULATION
    )
    assert not app.monitoring().is_running()


def test_throwing_listener_is_survived(session):
    _, live, broken, _, _ = session
    assert broken.calls > 0
    assert live.summary is not None


def test_history_reads_back(session):
    app, live, _, _, _ = session
    events = app.history().events(now_ms() - 3_600_000, now_ms() + 60_000)
    assert len(events) == len(live.events)
    assert app.history().minutes(now_ms() - 3_600_000, now_ms() + 60_000)
    today = app.history().today()
    (day,) = app.history().daily_summaries(today, today)
    assert day.date == today and day.twitch_count > 0


def test_journal_round_trip(session):
    app = session[0]
    today = app.history().today()
    app.journal().put(tw_journal.JournalEntry(date=today, sleep_hours=6.5, stress_0_10=7))
    entry = app.journal().add_drink(today, tw_journal.Drink.ESPRESSO, 2)
    assert entry.caffeine_mg == pytest.approx(2 * tw.drink_caffeine_mg(tw_journal.Drink.ESPRESSO))
    back = app.journal().entry(today)
    assert back.sleep_hours == 6.5 and back.stress_0_10 == 7 and len(back.drinks) == 1


def test_swallowing_checkin_raises_urgent_alert(session):
    app, _, _, alerts, _ = session
    outcome = app.journal().record_checkin(
        tw_journal.CheckIn(at_ms=now_ms(), symptoms=[tw_journal.Symptom.DIFFICULTY_SWALLOWING])
    )
    urgent = [a for a in outcome.alerts if a.severity == tw_model.AlertSeverity.URGENT]
    assert urgent, outcome.alerts
    assert urgent[0].rule == tw_rules.RuleId.SWALLOWING_OR_SPEAKING
    eventually(lambda: any(a.id == urgent[0].id for a in alerts.alerts))
    (note,) = [n for n in alerts.notifications if n.alert_id == urgent[0].id]
    assert note.heads_up and note.interruption_level == tw_app.InterruptionLevel.TIME_SENSITIVE
    assert tw.destination_from_deep_link(note.deep_link) == tw_app.Destination.ALERT(alert_id=urgent[0].id)
    assert app.alerts().list()[0].id == urgent[0].id
    assert app.alerts().acknowledge(urgent[0].id).status == tw_alerts.AlertStatus.ACKNOWLEDGED


@pytest.mark.parametrize(
    "entry, field",
    [
        (dict(sleep_hours=math.nan), "sleep"),
        (dict(caffeine_mg=-5.0), "caffeine"),
        (dict(stress_0_10=11), "stress"),
    ],
)
def test_bad_journal_values_are_clear_errors(session, entry, field):
    app = session[0]
    with pytest.raises(tw.TwitchWatchError.InvalidInput) as err:
        app.journal().put(tw_journal.JournalEntry(date=app.history().today(), **entry))
    assert field in str(err.value)


def test_shell_ble_push_and_unknown_device(session):
    app, live = session[0], session[1]
    # The characteristics as a platform names them (docs/protocol.md); a phone's session asks for them.
    data_uuid, battery_level_uuid = "54570003-8f3c-4b1e-9a6d-2c5e0f7a1b00", "2A19"
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        app.monitoring().push_notification("AA:BB:CC:DD:EE:FF", data_uuid, b"\x01\x02", 0)
    app.devices().pair(
        tw_model.PairedDevice(
            id="11:22", name="TW-1", protocol=tw_model.DeviceProtocol.TWITCH_WATCH_V1,
            sample_rate_hz=100, with_gyro=True, paired_at_ms=now_ms(),
        )
    )
    levels = []

    class Battery(Recorder):
        def on_battery(self, percent):
            levels.append(percent)

    handle = app.monitoring().add_listener(Battery())
    app.monitoring().push_notification("11:22", battery_level_uuid, bytes([64]), now_ms() * 1000)
    eventually(lambda: levels == [64])
    handle.cancel()
    app.monitoring().push_notification("11:22", battery_level_uuid, bytes([63]), now_ms() * 1000)
    time.sleep(0.2)
    assert levels == [64], "a cancelled listener was called"
    with pytest.raises(tw.TwitchWatchError.NotFound) as err:
        app.monitoring().push_notification("AA:BB:CC:DD:EE:FF", data_uuid, b"\x01\x02", 0)
    assert "AA:BB:CC:DD:EE:FF" in str(err.value)
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.monitoring().push_notification("11:22", data_uuid, b"\x01\x02", 0)
    assert app.devices().forget().id == "11:22"


def test_report_and_export(session, tmp_path):
    app = session[0]
    report = asyncio.run(app.report().write(str(tmp_path / "report.html"), None, None))
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and report.to == app.history().today() and report.summary
    result = asyncio.run(
        app.report().export(str(tmp_path / "export.json"), tw_report.ExportFormat.JSON, [], None, None)
    )
    rows = {s.section: s.rows for s in result.rows}
    assert rows[tw_report.ExportSection.EVENTS] > 0
    with pytest.raises(tw.TwitchWatchError.Io):
        asyncio.run(app.report().write("/proc/no-such-dir/report.html", None, None))


def test_bad_path_is_a_clear_error(tmp_path):
    not_a_dir = tmp_path / "file.txt"
    not_a_dir.write_text("x")
    with pytest.raises((tw.TwitchWatchError.Io, tw.TwitchWatchError.Storage)) as err:
        tw.TwitchWatch.open(str(not_a_dir / "store"), tw_app.OpenOptions())
    assert "file.txt" in str(err.value)


def test_bad_arguments(session):
    app = session[0]
    with pytest.raises(tw.TwitchWatchError.NotFound):
        app.monitoring().start_simulated("moonwalk", None, 1.0)
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.monitoring().start_simulated("rest", None, -1.0)
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.history().daily_summaries("2026-02-30", "2026-03-01")
    with pytest.raises(tw.TwitchWatchError.NotFound):
        app.alerts().acknowledge("nope")


def test_screen_states(session):
    app = session[0]
    screens = app.screens()
    today = screens.today()
    assert today.counts.twitches > 0 and today.counts.twitches_label
    assert screens.history(tw_app.HistoryRange.WEEK).days_with_data >= 1
    assert [c.id for c in tw.notification_channels()]
    with pytest.raises(tw.TwitchWatchError.NotFound):
        screens.alert_detail("nope")


def test_encrypted_store_key_wrong_key_and_delete_all(tmp_path):
    data_dir = tmp_path / "secret"
    key = tw.generate_data_key()
    assert len(key) == 32
    note = "python-secret-note-91c2"
    app = tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions(data_key=key))
    day = app.history().today()
    app.journal().put(tw_journal.JournalEntry(date=day, notes=note))
    app.close_store()
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the store wrote no files"
    assert not any(note.encode() in p.read_bytes() for p in files), "the note is in clear on disk"
    with pytest.raises(tw.TwitchWatchError.WrongKey):
        tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions(data_key=tw.generate_data_key()))
    with pytest.raises(tw.TwitchWatchError.WrongKey):
        tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions())
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions(data_key=b"\x00" * 31))
    again = tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions(data_key=key))
    assert again.journal().entry(day).notes == note
    again.close_store()
    tw.delete_all_data(str(data_dir))
    assert not data_dir.exists() or not any(data_dir.iterdir())
    reopened = tw.TwitchWatch.open(str(data_dir), tw_app.OpenOptions(data_key=key))
    assert reopened.journal().entry(day) is None


def test_a_malformed_day_inside_a_record_is_invalid_input(session):
    app = session[0]
    with pytest.raises(tw.TwitchWatchError.InvalidInput) as err:
        app.journal().put(tw_journal.JournalEntry(date="2026-13-45"))
    assert "2026-13-45" in str(err.value)
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        app.journal().entry("25/11/2026")


def test_sixteen_threads_adding_drinks_lose_no_serving(session):
    app = session[0]
    today = app.history().today()

    def servings():
        entry = app.journal().entry(today)
        return sum(d.servings for d in (entry.drinks if entry else []) if d.drink == tw_journal.Drink.BLACK_TEA)

    before = servings()
    threads = [
        threading.Thread(target=lambda: [app.journal().add_drink(today, tw_journal.Drink.BLACK_TEA, 1) for _ in range(2)])
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert servings() - before == 32


def test_close_store_then_every_area_is_invalid_state(tmp_path):
    app = tw.TwitchWatch.open(str(tmp_path / "closing"), tw_app.OpenOptions())
    journal, monitoring = app.journal(), app.monitoring()
    app.close_store()
    assert app.is_closed()
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        journal.entry("2026-01-01")
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        monitoring.start_simulated("rest", None, 0.0)
    with pytest.raises(tw.TwitchWatchError.InvalidState):
        app.counts()
    app.close_store()  # twice is fine
    # The folder is free again while the old objects are still alive.
    again = tw.TwitchWatch.open(str(tmp_path / "closing"), tw_app.OpenOptions())
    again.close_store()
    tw.delete_all_data(str(tmp_path / "closing"))


def test_stop_awaited_inside_a_listener_ends_the_session(tmp_path):
    app = tw.TwitchWatch.open(str(tmp_path / "stop-inside"), tw_app.OpenOptions())
    monitoring = app.monitoring()

    class StopOnFirstMinute(Recorder):
        stopped = False

        def on_minute(self, minute):
            super().on_minute(minute)
            if not self.stopped:
                self.stopped = True
                asyncio.run(monitoring.stop())  # on the session thread itself

    listener = StopOnFirstMinute()
    handle = monitoring.add_listener(listener)
    monitoring.start_simulated("mixed", 3600.0, 0.0)
    assert listener.ended.wait(120), "the session did not end after stop() inside a listener"
    assert listener.stopped and len(listener.minutes) < 60
    deadline = time.time() + 10
    while monitoring.is_running() and time.time() < deadline:
        time.sleep(0.05)
    assert not monitoring.is_running()
    handle.cancel()
    app.close_store()
