"""The phone path in Python: the recorded Polar dialogue (tests/fixtures/polar-dialogue.json, shared
with the Rust and Kotlin tests) fed to the real library's PhoneGattSession, as a shell would, until
its twitches are stored; and the typed refusals a shell gets for a malformed callback."""
import json
import pathlib
import threading
import time

import pytest

import twitchwatch_device as tw_device
import twitchwatch_ffi as tw
import twitchwatch_app as tw_app
import twitchwatch_journal as tw_journal
import twitchwatch_model as tw_model

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "polar-dialogue.json"
E = tw_device.GattEvent
A = tw_device.GattAction


class Heard(tw.MonitorListener):
    def __init__(self):
        self.states, self.battery, self.events = [], [], []
        self.summary, self.error = None, None
        self.ended = threading.Event()

    def on_event(self, event):
        self.events.append(event)

    def on_minute(self, minute):
        pass

    def on_connection(self, state):
        self.states.append(state)

    def on_battery(self, percent):
        self.battery.append(percent)

    def on_progress(self, stats, fraction_done):
        pass

    def on_session_end(self, summary, error):
        self.summary, self.error = summary, error
        self.ended.set()


def event(e):
    uuid = e.get("characteristic_uuid")
    data = lambda: bytes.fromhex(e["hex"])  # noqa: E731
    kind = e["event"]
    if kind == "connected":
        return E.CONNECTED()
    if kind == "services_discovered":
        return E.SERVICES_DISCOVERED(characteristic_uuids=e["characteristic_uuids"])
    if kind == "mtu_changed":
        return E.MTU_CHANGED(mtu=e["mtu"])
    if kind == "subscribed":
        return E.SUBSCRIBED(characteristic_uuid=uuid)
    if kind == "write_acknowledged":
        return E.WRITE_ACKNOWLEDGED(characteristic_uuid=uuid)
    if kind == "read_result":
        return E.READ_RESULT(characteristic_uuid=uuid, bytes=data())
    if kind == "indication":
        return E.INDICATION(characteristic_uuid=uuid, bytes=data())
    if kind == "notification":
        return E.NOTIFICATION(characteristic_uuid=uuid, bytes=data())
    if kind == "stop_requested":
        return E.STOP_REQUESTED()
    raise AssertionError(f"the fixture has an event this test does not know: {kind}")


def as_fixture(action):
    """The action as the fixture spells it; `None` for the timer, which the fixture leaves out."""
    if action.is_wait_until():
        return None
    if action.is_connect():
        return {"action": "connect"}
    if action.is_discover_services():
        return {"action": "discover_services", "service_uuid": action.service_uuid}
    if action.is_request_mtu():
        return {"action": "request_mtu", "mtu": action.mtu}
    if action.is_read():
        return {"action": "read", "characteristic_uuid": action.characteristic_uuid}
    if action.is_subscribe():
        return {
            "action": "subscribe",
            "characteristic_uuid": action.characteristic_uuid,
            "indications": action.indications,
        }
    if action.is_write():
        return {
            "action": "write",
            "characteristic_uuid": action.characteristic_uuid,
            "hex": action.bytes.hex(),
            "with_response": action.with_response,
        }
    if action.is_disconnect():
        return {"action": "disconnect"}
    raise AssertionError(f"unknown action {action}")


@pytest.fixture()
def paired(tmp_path):
    fx = json.loads(FIXTURE.read_text())
    app = tw.TwitchWatch.open(str(tmp_path / "store"), tw_app.OpenOptions())
    d, s = fx["device"], fx["session"]
    app.devices().pair(
        tw_model.PairedDevice(
            id=d["id"], name=d["name"], protocol=tw_model.DeviceProtocol.POLAR_PMD,
            sample_rate_hz=d["sample_rate_hz"], with_gyro=d["with_gyro"], paired_at_ms=0,
        )
    )
    config = tw_device.SessionConfig(
        connect_timeout_ms=s["connect_timeout_ms"], response_timeout_ms=s["response_timeout_ms"],
        data_timeout_ms=s["data_timeout_ms"], mtu=s["mtu"],
        reconnect=tw_device.ReconnectPolicy(initial_delay_ms=200, max_delay_ms=2000, max_attempts=None),
        jitter_seed=1,
    )
    yield fx, app, config
    app.close_store()


class Posted(tw.AlertListener):
    def __init__(self):
        self.notifications = []

    def on_alert(self, alert, notification):
        self.notifications.append(notification)


def test_the_recorded_polar_dialogue_streams_into_the_store(paired):
    fx, app, config = paired
    heard, posted = Heard(), Posted()
    handle = app.monitoring().add_listener(heard)
    alert_handle = app.alerts().add_listener(posted)
    session = tw.PhoneGattSession(app, config)
    assert session.device().protocol == tw_model.DeviceProtocol.POLAR_PMD
    start = fx["start_us"]
    pending = [a for a in map(as_fixture, session.start(start)) if a]
    for x in fx["exchanges"]:
        if "core" in x:
            assert pending, f"no action where the fixture has {x['core']}"
            assert pending.pop(0) == x["core"]
        else:
            if x["shell"]["event"] == "stop_requested":
                # While the sensor streams, the user reports trouble swallowing: the urgent alert
                # reaches the alert listener and the stream goes on to its stop.
                app.journal().record_checkin(
                    tw_journal.CheckIn(at_ms=int(time.time() * 1000), symptoms=[tw_journal.Symptom.DIFFICULTY_SWALLOWING])
                )
            actions = session.handle(event(x["shell"]), start + x["at_ms"] * 1000)
            pending += [a for a in map(as_fixture, actions) if a]
    assert not pending
    # Listeners hear on their own delivery threads, after the calls above returned.
    assert heard.ended.wait(30), "the session's end never reached the listener"
    deadline = time.monotonic() + 30
    while not posted.notifications and time.monotonic() < deadline:
        time.sleep(0.005)
    (urgent,) = posted.notifications
    assert urgent.channel_id == "twitchwatch.alerts.urgent" and urgent.heads_up
    assert session.is_finished() and session.failure() is None

    expect = fx["expect"]
    names = [type(s).__name__.rsplit(".", 1)[-1].lower() for s in heard.states]
    assert names == expect["states"]
    assert heard.battery == expect["battery"]
    assert heard.ended.is_set() and heard.error is None
    assert heard.summary.stream.samples_ok == expect["samples"]
    assert heard.summary.stream.frames_ok == expect["samples"] // 36
    assert session.stream_stats().samples_ok == expect["samples"]
    # The scripted hand's twitches are found and stored, and nothing else is.
    twitches = expect["fasciculations"]
    assert [e.kind for e in heard.events] == [tw_model.MotorEventKind.FASCICULATION] * twitches
    assert heard.summary.fasciculations == twitches
    assert app.counts().events == twitches and app.counts().minutes >= 1
    start_ms = start // 1000
    stored = app.history().events(start_ms, start_ms + 60_000)
    assert [e.kind for e in stored] == [e.kind for e in heard.events]
    handle.cancel()
    alert_handle.cancel()


def test_a_malformed_callback_is_a_typed_error_and_changes_nothing(paired):
    fx, app, config = paired
    session = tw.PhoneGattSession(app, config)
    start = fx["start_us"]
    assert as_fixture(session.start(start)[0]) == {"action": "connect"}
    (discover,) = [a for a in session.handle(E.CONNECTED(), start) if as_fixture(a)]
    assert discover.is_discover_services()
    with pytest.raises(tw.TwitchWatchError.InvalidInput) as err:
        session.handle(E.SERVICES_DISCOVERED(characteristic_uuids=["not a uuid"]), start)
    assert "not a Bluetooth UUID" in str(err.value)
    with pytest.raises(tw.TwitchWatchError.InvalidInput):
        session.handle(E.NOTIFICATION(characteristic_uuid="fb005c8", bytes=b"\x02"), start)
    assert not session.is_finished()
    # The session still waits for the discovery it asked for.
    discovered = next(x["shell"] for x in fx["exchanges"] if x.get("shell", {}).get("event") == "services_discovered")
    nxt = [a for a in map(as_fixture, session.handle(event(discovered), start)) if a]
    assert nxt == [{"action": "request_mtu", "mtu": 247}]


def test_nothing_paired_is_invalid_state(tmp_path):
    app = tw.TwitchWatch.open(str(tmp_path / "empty"), tw_app.OpenOptions())
    with pytest.raises(tw.TwitchWatchError.InvalidState) as err:
        tw.PhoneGattSession(app, None)
    assert "pair" in str(err.value)
    del app
