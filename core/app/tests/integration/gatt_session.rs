//! A phone shell's path through the core: the paired Polar sensor's GATT session from the screens,
//! the recorded dialogue (tests/fixtures/polar-dialogue.json) fed in as a shell would, and every
//! output applied to the monitor, so the batches end in the store.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use twitchwatch_app::monitor::{
    Monitor, MonitorError, MonitorListener, MonitorSettings, SessionSummary,
};
use twitchwatch_app::screens::ScreenModel;
use twitchwatch_device::session::{GattAction, GattEvent, SessionConfig};
use twitchwatch_model::{DeviceProtocol, PairedDevice};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/polar-dialogue.json"
);

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn event(v: &Value) -> GattEvent {
    let uuid = || {
        v["characteristic_uuid"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let bytes = || unhex(v["hex"].as_str().unwrap_or_default());
    match v["event"].as_str().expect("event") {
        "connected" => GattEvent::Connected,
        "services_discovered" => GattEvent::ServicesDiscovered {
            characteristic_uuids: v["characteristic_uuids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_str().unwrap().to_string())
                .collect(),
        },
        "mtu_changed" => GattEvent::MtuChanged {
            mtu: v["mtu"].as_u64().map(|m| m as u16),
        },
        "subscribed" => GattEvent::Subscribed {
            characteristic_uuid: uuid(),
        },
        "write_acknowledged" => GattEvent::WriteAcknowledged {
            characteristic_uuid: uuid(),
        },
        "read_result" => GattEvent::ReadResult {
            characteristic_uuid: uuid(),
            bytes: bytes(),
        },
        "indication" => GattEvent::Indication {
            characteristic_uuid: uuid(),
            bytes: bytes(),
        },
        "notification" => GattEvent::Notification {
            characteristic_uuid: uuid(),
            bytes: bytes(),
        },
        "stop_requested" => GattEvent::StopRequested,
        other => panic!("the fixture has an event this test does not know: {other}"),
    }
}

/// The session's end as the listeners heard it: its totals, and the error's text if any.
#[derive(Default)]
struct Ended(Mutex<Option<(SessionSummary, Option<String>)>>);

impl std::ops::Deref for Ended {
    type Target = Mutex<Option<(SessionSummary, Option<String>)>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl MonitorListener for Ended {
    fn on_session_end(&self, summary: &SessionSummary, error: Option<&MonitorError>) {
        *self.0.lock().unwrap() = Some((summary.clone(), error.map(|e| e.to_string())));
    }
}

fn kind(a: &GattAction) -> &'static str {
    match a {
        GattAction::Connect => "connect",
        GattAction::DiscoverServices { .. } => "discover_services",
        GattAction::RequestMtu { .. } => "request_mtu",
        GattAction::Read { .. } => "read",
        GattAction::Subscribe { .. } => "subscribe",
        GattAction::Write { .. } => "write",
        GattAction::WaitUntil { .. } => "wait_until",
        GattAction::Disconnect => "disconnect",
    }
}

#[test]
fn a_shell_moves_the_recorded_polar_dialogue_into_the_store() {
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).unwrap();
    let d = &fixture["device"];
    let dir = tempfile::tempdir().unwrap();
    let screens = ScreenModel::new(Monitor::open(dir.path(), MonitorSettings::default()).unwrap());
    assert!(screens
        .paired_gatt_session(SessionConfig::default())
        .unwrap()
        .is_none());
    let device = PairedDevice {
        id: d["id"].as_str().unwrap().into(),
        name: d["name"].as_str().unwrap().into(),
        protocol: DeviceProtocol::PolarPmd,
        sample_rate_hz: d["sample_rate_hz"].as_u64().unwrap() as u16,
        with_gyro: d["with_gyro"].as_bool().unwrap(),
        paired_at_ms: 0,
    };
    screens.monitor().store().pair_device(&device).unwrap();
    let mut session = screens
        .paired_gatt_session(SessionConfig::default())
        .unwrap()
        .expect("a session for the paired sensor");

    let start = fixture["start_us"].as_i64().unwrap();
    let monitor = screens.monitor();
    let ended = Arc::new(Ended::default());
    monitor.add_listener(ended.clone());
    let mut pending: VecDeque<GattAction> = VecDeque::new();
    let (actions, _) = monitor.apply_session_outputs(session.start(start)).unwrap();
    pending.extend(actions.into_iter().filter(|a| kind(a) != "wait_until"));
    for x in fixture["exchanges"].as_array().unwrap() {
        if let Some(core) = x.get("core") {
            let a = pending.pop_front().expect("an action");
            assert_eq!(kind(&a), core["action"].as_str().unwrap());
        } else {
            let at = start + x["at_ms"].as_i64().unwrap() * 1000;
            let outputs = session.handle(event(&x["shell"]), at);
            let (actions, _) = monitor.apply_session_outputs(outputs).unwrap();
            pending.extend(actions.into_iter().filter(|a| kind(a) != "wait_until"));
        }
    }
    assert!(session.is_finished());
    // The stop ended the pipeline: the session's totals came to the listeners with no error.
    let ended = ended.lock().unwrap().take().expect("on_session_end");
    assert!(ended.1.is_none(), "{:?}", ended.1);
    let stats = ended.0.stream;
    let samples = fixture["expect"]["samples"].as_u64().unwrap();
    assert_eq!(stats.samples_ok, samples, "{stats:?}");
    assert_eq!(stats.frames_ok, samples / 36, "{stats:?}");
    // The scripted hand's twitches are found, stored, and nothing else is.
    let twitches = fixture["expect"]["fasciculations"].as_u64().unwrap();
    assert_eq!(u64::from(ended.0.fasciculations), twitches, "{:?}", ended.0);
    let counts = monitor.store().counts();
    assert_eq!(counts.events as u64, twitches, "{counts:?}");
    assert!(counts.minutes >= 1, "{counts:?}");
    assert_eq!(session.stats().samples_ok, samples);
}
