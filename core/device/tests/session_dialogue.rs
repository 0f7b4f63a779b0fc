//! The GATT session against a scripted sensor and against the recorded Polar dialogue shared with the
//! Kotlin and Python tests (tests/fixtures/polar-dialogue.json, format in docs/gatt-session.md).
//! Set TW_WRITE_FIXTURES=1 to write the fixture anew from the scripted sensor.

use std::collections::{HashMap, VecDeque};

use serde_json::{json, Value};
use twitchwatch_device::polar::{
    self, encode_control_response, encode_delta, unix_us_to_pmd_ns, MeasurementType, PmdFeatures,
    PolarError,
};
use twitchwatch_device::protocol::{
    self, encode_frame, sig_uuid, uuid_string, ControlCommand, ControlStatus, DataFrame,
};
use twitchwatch_device::session::{
    GattAction, GattEvent, GattSession, Jitter, ReconnectDecision, ReconnectPolicy, Reconnector,
    SessionConfig, SessionError, SessionOutput,
};
use twitchwatch_model::{ConnectionState, DeviceProtocol, PairedDevice};

const T0_US: i64 = 1_764_000_000_000_000;
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/polar-dialogue.json"
);

fn polar_device(rate: u16, gyro: bool) -> PairedDevice {
    PairedDevice {
        id: "A0:9E:1A:B5:A1:C2".into(),
        name: "Polar Sense B5A1C2D3".into(),
        protocol: DeviceProtocol::PolarPmd,
        sample_rate_hz: rate,
        with_gyro: gyro,
        paired_at_ms: 0,
    }
}

fn tw_device(rate: u16) -> PairedDevice {
    PairedDevice {
        id: "C0:FF:EE:00:00:01".into(),
        name: "TwitchWatch 0001".into(),
        protocol: DeviceProtocol::TwitchWatchV1,
        sample_rate_hz: rate,
        with_gyro: false,
        paired_at_ms: 0,
    }
}

fn config() -> SessionConfig {
    SessionConfig {
        connect_timeout_ms: 10_000,
        response_timeout_ms: 2_000,
        data_timeout_ms: 3_000,
        reconnect: ReconnectPolicy {
            initial_delay_ms: 100,
            max_delay_ms: 1_000,
            max_attempts: None,
        },
        jitter_seed: 7,
        ..SessionConfig::default()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A sensor that answers each action the way the real one does, with scripted faults.
struct Sensor {
    protocol: DeviceProtocol,
    characteristics: Vec<u128>,
    features: Vec<u8>,
    /// Status answers for control requests by (opcode, type), used once each, then success.
    statuses: HashMap<(u8, u8), VecDeque<u8>>,
    settings_rates: Vec<u16>,
    silent_control: bool,
    connect_fails: u32,
    /// Send each settings answer as two indications, the first flagged "more".
    split_settings: bool,
}

impl Sensor {
    fn polar() -> Self {
        Self {
            protocol: DeviceProtocol::PolarPmd,
            characteristics: vec![
                polar::PMD_CONTROL_POINT_UUID,
                polar::PMD_DATA_UUID,
                sig_uuid(protocol::BATTERY_LEVEL_UUID16),
                sig_uuid(protocol::MANUFACTURER_NAME_UUID16),
                sig_uuid(protocol::MODEL_NUMBER_UUID16),
                sig_uuid(protocol::FIRMWARE_REVISION_UUID16),
            ],
            features: PmdFeatures::new(&[
                MeasurementType::Ppg,
                MeasurementType::Acc,
                MeasurementType::Ppi,
                MeasurementType::Gyro,
                MeasurementType::Mag,
                MeasurementType::SdkMode,
            ])
            .encode(),
            statuses: HashMap::new(),
            settings_rates: vec![26, 52, 104, 208, 416],
            silent_control: false,
            connect_fails: 0,
            split_settings: false,
        }
    }

    fn twitchwatch() -> Self {
        Self {
            protocol: DeviceProtocol::TwitchWatchV1,
            characteristics: vec![
                protocol::CONTROL_POINT_UUID,
                protocol::DATA_UUID,
                sig_uuid(protocol::BATTERY_LEVEL_UUID16),
            ],
            features: Vec::new(),
            statuses: HashMap::new(),
            settings_rates: Vec::new(),
            silent_control: false,
            connect_fails: 0,
            split_settings: false,
        }
    }

    fn answer_with(&mut self, op: u8, mtype: u8, status: u8) -> &mut Self {
        self.statuses
            .entry((op, mtype))
            .or_default()
            .push_back(status);
        self
    }

    fn control_uuid(&self) -> u128 {
        match self.protocol {
            DeviceProtocol::PolarPmd => polar::PMD_CONTROL_POINT_UUID,
            DeviceProtocol::TwitchWatchV1 => protocol::CONTROL_POINT_UUID,
        }
    }

    fn settings_answer(&self, mtype: u8) -> Vec<u8> {
        let mut out = vec![
            0xF0,
            0x01,
            mtype,
            0x00,
            0x00,
            0x00,
            self.settings_rates.len() as u8,
        ];
        for r in &self.settings_rates {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&[0x01, 0x01, 0x10, 0x00]);
        let range: u16 = if mtype == MeasurementType::Gyro as u8 {
            2000
        } else {
            8
        };
        out.extend_from_slice(&[0x02, 0x01]);
        out.extend_from_slice(&range.to_le_bytes());
        out.extend_from_slice(&[0x04, 0x01, 0x03]);
        out
    }

    fn answer(&mut self, action: &GattAction) -> Vec<GattEvent> {
        match action {
            GattAction::Connect => {
                if self.connect_fails > 0 {
                    self.connect_fails -= 1;
                    return vec![GattEvent::ConnectFailed {
                        reason: "device not found".into(),
                    }];
                }
                vec![GattEvent::Connected]
            }
            GattAction::DiscoverServices { .. } => vec![GattEvent::ServicesDiscovered {
                characteristic_uuids: self
                    .characteristics
                    .iter()
                    .map(|u| uuid_string(*u))
                    .collect(),
            }],
            GattAction::RequestMtu { .. } => vec![GattEvent::MtuChanged { mtu: Some(232) }],
            GattAction::Read {
                characteristic_uuid,
            } => {
                let u = protocol::parse_uuid(characteristic_uuid).unwrap();
                let bytes = if u == polar::PMD_CONTROL_POINT_UUID {
                    self.features.clone()
                } else if u == sig_uuid(protocol::BATTERY_LEVEL_UUID16) {
                    vec![87]
                } else if u == sig_uuid(protocol::MANUFACTURER_NAME_UUID16) {
                    b"Polar Electro Oy".to_vec()
                } else if u == sig_uuid(protocol::MODEL_NUMBER_UUID16) {
                    b"Polar Sense".to_vec()
                } else {
                    b"2.1.8".to_vec()
                };
                vec![GattEvent::ReadResult {
                    characteristic_uuid: characteristic_uuid.clone(),
                    bytes,
                }]
            }
            GattAction::Subscribe {
                characteristic_uuid,
                ..
            } => vec![GattEvent::Subscribed {
                characteristic_uuid: characteristic_uuid.clone(),
            }],
            GattAction::Write {
                characteristic_uuid,
                bytes,
                ..
            } => {
                let mut events = vec![GattEvent::WriteAcknowledged {
                    characteristic_uuid: characteristic_uuid.clone(),
                }];
                if self.silent_control {
                    return events;
                }
                let op = bytes[0];
                let mtype = bytes.get(1).copied().unwrap_or(0);
                let status = self
                    .statuses
                    .get_mut(&(op, mtype))
                    .and_then(|q| q.pop_front())
                    .unwrap_or(0);
                let answer = match self.protocol {
                    DeviceProtocol::TwitchWatchV1 => vec![0xF0, op, status],
                    DeviceProtocol::PolarPmd if op == 1 && status == 0 => {
                        self.settings_answer(mtype)
                    }
                    DeviceProtocol::PolarPmd => {
                        let factor = (op == 2 && status == 0 && mtype != 9).then(|| {
                            if mtype == MeasurementType::Gyro as u8 {
                                2000.0 / 32768.0
                            } else {
                                0.244
                            }
                        });
                        encode_control_response(op, mtype, status, factor)
                    }
                };
                if self.split_settings && op == 1 && answer.len() > 8 {
                    // Cut inside the rate list: only the joined parameters parse.
                    let (first, rest) = answer.split_at(8);
                    let mut head = first.to_vec();
                    head[4] = 1;
                    let mut tail = answer[..5].to_vec();
                    tail.extend_from_slice(rest);
                    for bytes in [head, tail] {
                        events.push(GattEvent::Indication {
                            characteristic_uuid: uuid_string(self.control_uuid()),
                            bytes,
                        });
                    }
                    return events;
                }
                events.push(GattEvent::Indication {
                    characteristic_uuid: uuid_string(self.control_uuid()),
                    bytes: answer,
                });
                events
            }
            GattAction::WaitUntil { .. } | GattAction::Disconnect => Vec::new(),
        }
    }
}

/// Everything one run saw: non-action outputs, and the dialogue as (core action | shell event).
#[derive(Default)]
struct Run {
    outputs: Vec<SessionOutput>,
    actions: Vec<GattAction>,
    exchanges: Vec<Value>,
}

impl Run {
    fn states(&self) -> Vec<ConnectionState> {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                SessionOutput::State(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    fn failed(&self) -> Option<&SessionError> {
        self.outputs.iter().find_map(|o| match o {
            SessionOutput::Failed(e) => Some(e),
            _ => None,
        })
    }

    fn samples(&self) -> (usize, usize) {
        self.outputs.iter().fold((0, 0), |(a, g), o| match o {
            SessionOutput::Batch(b) => (a + b.len(), g + b.gyro_dps.len()),
            _ => (a, g),
        })
    }

    fn writes(&self) -> Vec<Vec<u8>> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                GattAction::Write { bytes, .. } => Some(bytes.clone()),
                _ => None,
            })
            .collect()
    }
}

fn action_json(a: &GattAction) -> Option<Value> {
    Some(match a {
        GattAction::Connect => json!({"action": "connect"}),
        GattAction::DiscoverServices { service_uuid } => {
            json!({"action": "discover_services", "service_uuid": service_uuid})
        }
        GattAction::RequestMtu { mtu } => json!({"action": "request_mtu", "mtu": mtu}),
        GattAction::Read {
            characteristic_uuid,
        } => json!({"action": "read", "characteristic_uuid": characteristic_uuid}),
        GattAction::Subscribe {
            characteristic_uuid,
            indications,
        } => json!({"action": "subscribe", "characteristic_uuid": characteristic_uuid,
                     "indications": indications}),
        GattAction::Write {
            characteristic_uuid,
            bytes,
            with_response,
        } => json!({"action": "write", "characteristic_uuid": characteristic_uuid,
                     "hex": hex(bytes), "with_response": with_response}),
        GattAction::Disconnect => json!({"action": "disconnect"}),
        // Timers are the driver's business; the fixture leaves them out.
        GattAction::WaitUntil { .. } => return None,
    })
}

fn event_json(e: &GattEvent) -> Value {
    match e {
        GattEvent::Connected => json!({"event": "connected"}),
        GattEvent::ConnectFailed { reason } => json!({"event": "connect_failed", "reason": reason}),
        GattEvent::ServicesDiscovered {
            characteristic_uuids,
        } => json!({"event": "services_discovered", "characteristic_uuids": characteristic_uuids}),
        GattEvent::MtuChanged { mtu } => json!({"event": "mtu_changed", "mtu": mtu}),
        GattEvent::Subscribed {
            characteristic_uuid,
        } => json!({"event": "subscribed", "characteristic_uuid": characteristic_uuid}),
        GattEvent::WriteAcknowledged {
            characteristic_uuid,
        } => json!({"event": "write_acknowledged", "characteristic_uuid": characteristic_uuid}),
        GattEvent::ReadResult {
            characteristic_uuid,
            bytes,
        } => json!({"event": "read_result", "characteristic_uuid": characteristic_uuid,
                    "hex": hex(bytes)}),
        GattEvent::OperationFailed {
            characteristic_uuid,
            reason,
        } => json!({"event": "operation_failed", "characteristic_uuid": characteristic_uuid,
                    "reason": reason}),
        GattEvent::Indication {
            characteristic_uuid,
            bytes,
        } => json!({"event": "indication", "characteristic_uuid": characteristic_uuid,
                    "hex": hex(bytes)}),
        GattEvent::Notification {
            characteristic_uuid,
            bytes,
        } => json!({"event": "notification", "characteristic_uuid": characteristic_uuid,
                    "hex": hex(bytes)}),
        GattEvent::Disconnected => json!({"event": "disconnected"}),
        GattEvent::TimedOut => json!({"event": "timed_out"}),
        GattEvent::StopRequested => json!({"event": "stop_requested"}),
    }
}

fn event_from_json(v: &Value) -> GattEvent {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    match v["event"].as_str().expect("event") {
        "connected" => GattEvent::Connected,
        "connect_failed" => GattEvent::ConnectFailed {
            reason: s("reason"),
        },
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
            characteristic_uuid: s("characteristic_uuid"),
        },
        "write_acknowledged" => GattEvent::WriteAcknowledged {
            characteristic_uuid: s("characteristic_uuid"),
        },
        "read_result" => GattEvent::ReadResult {
            characteristic_uuid: s("characteristic_uuid"),
            bytes: unhex(&s("hex")),
        },
        "indication" => GattEvent::Indication {
            characteristic_uuid: s("characteristic_uuid"),
            bytes: unhex(&s("hex")),
        },
        "notification" => GattEvent::Notification {
            characteristic_uuid: s("characteristic_uuid"),
            bytes: unhex(&s("hex")),
        },
        "disconnected" => GattEvent::Disconnected,
        "timed_out" => GattEvent::TimedOut,
        "stop_requested" => GattEvent::StopRequested,
        other => panic!("unknown event {other}"),
    }
}

/// Performs queued actions against the sensor until none is left.
fn drive(
    session: &mut GattSession,
    sensor: &mut Sensor,
    mut outputs: Vec<SessionOutput>,
    now_us: i64,
    run: &mut Run,
) {
    let mut queue: VecDeque<SessionOutput> = outputs.drain(..).collect();
    while let Some(o) = queue.pop_front() {
        match o {
            SessionOutput::Do(a) => {
                if let Some(j) = action_json(&a) {
                    run.exchanges.push(json!({"core": j}));
                }
                for e in sensor.answer(&a) {
                    run.exchanges
                        .push(json!({"at_ms": (now_us - T0_US) / 1000, "shell": event_json(&e)}));
                    queue.extend(session.handle(e, now_us));
                }
                run.actions.push(a);
            }
            other => run.outputs.push(other),
        }
    }
}

fn feed(
    session: &mut GattSession,
    sensor: &mut Sensor,
    event: GattEvent,
    now_us: i64,
    run: &mut Run,
) {
    run.exchanges
        .push(json!({"at_ms": (now_us - T0_US) / 1000, "shell": event_json(&event)}));
    let outs = session.handle(event, now_us);
    drive(session, sensor, outs, now_us, run);
}

fn connect(device: &PairedDevice, sensor: &mut Sensor) -> (GattSession, Run) {
    let mut session = GattSession::new(device, config());
    let mut run = Run::default();
    let outs = session.start(T0_US);
    drive(&mut session, sensor, outs, T0_US, &mut run);
    (session, run)
}

fn pmd_data(measurement: MeasurementType, frame: u64, rate: u16, n: usize) -> Vec<u8> {
    let period_us = 1e6 / f64::from(rate);
    let last_us = T0_US + ((frame as f64 + 1.0) * n as f64 * period_us) as i64;
    let samples: Vec<[i16; 3]> = (0..n)
        .map(|i| {
            let k = (frame as usize * n + i) as i16;
            match measurement {
                MeasurementType::Gyro => [k % 7 - 3, 2 - k % 5, k % 3],
                _ => [k % 9 - 4, 3 - k % 6, 4096 + k % 11 - 5],
            }
        })
        .collect();
    encode_delta(measurement, unix_us_to_pmd_ns(last_us), &samples)
}

/// A few mg of deterministic sensor noise for sample `k` on `axis`, in counts (±`counts`).
fn noise(k: usize, axis: usize, counts: i32) -> i32 {
    let mut z = (k as u64 * 3 + axis as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 29;
    (z % (2 * counts as u64 + 1)) as i32 - counts
}

/// Seconds into the recorded stream at which the hand twitches, and the twitch's width (s).
const TWITCHES_AT_S: [f64; 3] = [5.0, 11.0, 17.0];
const TWITCH_SIGMA_S: f64 = 0.012;

/// The skin's acceleration under one twitch, peak 1 at `dt` = 0: a single smooth push-and-return
/// (the second derivative of a Gaussian bump), most of its energy at 10–20 Hz.
fn twitch_pulse(dt: f64) -> f64 {
    let u = dt / TWITCH_SIGMA_S;
    (1.0 - u * u) * (-0.5 * u * u).exp()
}

/// A resting hand with three twitches, as the sensor's counts (ACC ≈ 0.244 mg, GYRO ≈ 0.061 dps per
/// count in the recorded start answers): gravity on z, noise, a slow sway, and each twitch's push.
fn resting_hand(measurement: MeasurementType, frame: u64, rate: u16, n: usize) -> Vec<u8> {
    let period_us = 1e6 / f64::from(rate);
    let last_us = T0_US + ((frame as f64 + 1.0) * n as f64 * period_us) as i64;
    let samples: Vec<[i16; 3]> = (0..n)
        .map(|i| {
            let k = frame as usize * n + i;
            let t = k as f64 / f64::from(rate);
            let push: f64 = TWITCHES_AT_S.iter().map(|at| twitch_pulse(t - at)).sum();
            let sway = (t * 0.3 * std::f64::consts::TAU).sin();
            let v = |axis: usize, base: f64, noise_counts: i32| {
                (base + f64::from(noise(k, axis, noise_counts))).round() as i16
            };
            match measurement {
                MeasurementType::Gyro => [v(0, 8.0 * push, 4), v(1, -5.0 * push, 4), v(2, 0.0, 4)],
                _ => [
                    v(0, 100.0 * push + 8.0 * sway, 3),
                    v(1, -60.0 * push, 3),
                    v(2, 4096.0 + 40.0 * push, 3),
                ],
            }
        })
        .collect();
    encode_delta(measurement, unix_us_to_pmd_ns(last_us), &samples)
}

/// Frames of each measurement in the recorded stream (20 s at 208 Hz, 36 samples a frame).
const RECORDED_FRAMES: u64 = 116;

fn data_event(bytes: Vec<u8>) -> GattEvent {
    GattEvent::Notification {
        characteristic_uuid: uuid_string(polar::PMD_DATA_UUID),
        bytes,
    }
}

/// The recorded dialogue: a Verity Sense at 208 Hz with the gyroscope, whose ACC stream was left
/// running (the first ACC start answers "already in state"), 20 s of a resting hand with three
/// twitches, a battery notification, then stop.
fn record_polar_dialogue() -> (Run, PairedDevice) {
    let device = polar_device(208, true);
    let mut sensor = Sensor::polar();
    sensor.answer_with(2, MeasurementType::Acc as u8, 6);
    let (mut session, mut run) = connect(&device, &mut sensor);
    let frame_us = (36.0 * 1e6 / 208.0) as i64;
    for k in 0..RECORDED_FRAMES {
        let at = T0_US + 1_000_000 + k as i64 * frame_us;
        for m in [MeasurementType::Gyro, MeasurementType::Acc] {
            feed(
                &mut session,
                &mut sensor,
                data_event(resting_hand(m, k, 208, 36)),
                at,
                &mut run,
            );
        }
    }
    let at = T0_US + 1_000_000 + RECORDED_FRAMES as i64 * frame_us;
    feed(
        &mut session,
        &mut sensor,
        GattEvent::Notification {
            characteristic_uuid: uuid_string(sig_uuid(protocol::BATTERY_LEVEL_UUID16)),
            bytes: vec![86],
        },
        at,
        &mut run,
    );
    feed(
        &mut session,
        &mut sensor,
        GattEvent::StopRequested,
        at + 1_000,
        &mut run,
    );
    assert!(session.is_finished());
    (run, device)
}

fn fixture_json(run: &Run, device: &PairedDevice) -> Value {
    let c = config();
    let (samples, gyro) = run.samples();
    let state_name = |s: &ConnectionState| match s {
        ConnectionState::Disconnected => "disconnected",
        ConnectionState::Scanning => "scanning",
        ConnectionState::Connecting => "connecting",
        ConnectionState::Connected => "connected",
        ConnectionState::Streaming => "streaming",
        ConnectionState::Reconnecting { .. } => "reconnecting",
    };
    json!({
        "format": "twitchwatch-gatt-dialogue",
        "version": 1,
        "description": "Polar Verity Sense, ACC and GYRO at 208 Hz in SDK mode; the ACC stream was left running, so its first start answers 'already in state' and the core stops and starts it again; 20 s of a resting hand with three twitches (116 delta-compressed frames of each); one battery notification; then the user stops.",
        "device": {
            "id": device.id, "name": device.name, "protocol": device.protocol.as_str(),
            "sample_rate_hz": device.sample_rate_hz, "with_gyro": device.with_gyro,
        },
        "session": {
            "connect_timeout_ms": c.connect_timeout_ms, "response_timeout_ms": c.response_timeout_ms,
            "data_timeout_ms": c.data_timeout_ms, "mtu": c.mtu,
        },
        "start_us": T0_US,
        "exchanges": run.exchanges,
        "expect": {
            "states": run.states().iter().map(state_name).collect::<Vec<_>>(),
            "samples": samples,
            "gyro_samples": gyro,
            "battery": run.outputs.iter().filter_map(|o| match o {
                SessionOutput::Battery(b) => Some(*b), _ => None }).collect::<Vec<_>>(),
            "stopped": run.outputs.contains(&SessionOutput::Stopped),
            // What the scripted hand did; the classifier's side is checked where it runs.
            "fasciculations": TWITCHES_AT_S.len(),
        },
    })
}

#[test]
fn the_recorded_polar_dialogue_replays_exactly() {
    let (run, device) = record_polar_dialogue();
    let generated = fixture_json(&run, &device);
    if std::env::var_os("TW_WRITE_FIXTURES").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(FIXTURE, text).expect("write fixture");
    }
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("fixture")).expect("json");
    assert_eq!(
        fixture, generated,
        "the fixture is out of date: run with TW_WRITE_FIXTURES=1"
    );

    // Replay: feed only the shell's events; the core's actions must come out as recorded.
    let mut session = GattSession::new(&device, config());
    let start = fixture["start_us"].as_i64().unwrap();
    let mut actions: VecDeque<GattAction> = VecDeque::new();
    let mut outputs = Vec::new();
    let mut take = |outs: Vec<SessionOutput>, actions: &mut VecDeque<GattAction>| {
        for o in outs {
            match o {
                SessionOutput::Do(GattAction::WaitUntil { .. }) => {}
                SessionOutput::Do(a) => actions.push_back(a),
                other => outputs.push(other),
            }
        }
    };
    take(session.start(start), &mut actions);
    for x in fixture["exchanges"].as_array().unwrap() {
        if let Some(core) = x.get("core") {
            let a = actions
                .pop_front()
                .expect("the core asked for nothing more");
            assert_eq!(&action_json(&a).unwrap(), core);
        } else {
            let at = start + x["at_ms"].as_i64().unwrap() * 1000;
            take(
                session.handle(event_from_json(&x["shell"]), at),
                &mut actions,
            );
        }
    }
    assert!(actions.is_empty(), "{actions:?}");
    assert!(session.is_finished());
    let expect = &fixture["expect"];
    assert_eq!(expect["samples"], RECORDED_FRAMES * 36);
    assert_eq!(expect["gyro_samples"], RECORDED_FRAMES * 36);
    assert_eq!(expect["battery"], json!([87, 86]));
    assert_eq!(
        expect["states"],
        json!(["connecting", "connected", "streaming", "disconnected"])
    );
    // The full dialogue in order: features, SDK mode, settings and start of each, the restart.
    let writes: Vec<String> = run.writes().iter().map(|w| hex(w)).collect();
    assert_eq!(writes[0], "0209");
    assert_eq!(writes[1], "0105");
    assert!(writes[2].starts_with("0205"));
    assert_eq!(writes[3], "0102");
    assert!(writes[4].starts_with("0202"));
    assert_eq!(writes[5], "0302", "stop after 'already in state'");
    assert!(writes[6].starts_with("0202"), "then start again");
    assert_eq!(&writes[7..], ["0302", "0305", "0309"]);
    assert!(run.actions.contains(&GattAction::Read {
        characteristic_uuid: uuid_string(polar::PMD_CONTROL_POINT_UUID)
    }));
    let info = run.outputs.iter().find_map(|o| match o {
        SessionOutput::DeviceInfo(i) => Some(i.clone()),
        _ => None,
    });
    assert_eq!(info.unwrap().model.as_deref(), Some("Polar Sense"));
}

fn polar_failure_at_start(status: u8) -> Run {
    let device = polar_device(52, false);
    let mut sensor = Sensor::polar();
    sensor.answer_with(2, MeasurementType::Acc as u8, status);
    connect(&device, &mut sensor).1
}

#[test]
fn every_pmd_status_code_ends_the_session_with_its_own_error() {
    let mut messages = std::collections::HashSet::new();
    for status in (1u8..=13).filter(|s| *s != 6).chain([99]) {
        let run = polar_failure_at_start(status);
        let failed = run
            .failed()
            .unwrap_or_else(|| panic!("status {status} accepted"));
        let SessionError::Polar(e) = failed else {
            panic!("status {status}: {failed:?}")
        };
        assert_eq!(e.status_code(), Some(status));
        assert_eq!(*e, PolarError::from_status(status, 2, 2));
        assert!(
            messages.insert(failed.to_string()),
            "status {status} shares a message"
        );
        assert_eq!(run.actions.last(), Some(&GattAction::Disconnect));
        assert_eq!(run.states().last(), Some(&ConnectionState::Disconnected));
        assert!(!run.states().contains(&ConnectionState::Streaming));
    }
    let charger = polar_failure_at_start(13);
    assert!(charger.failed().unwrap().to_string().contains("charger"));
}

#[test]
fn a_settings_answer_over_several_indications_is_joined_before_it_is_read() {
    let device = polar_device(208, true);
    let mut sensor = Sensor::polar();
    sensor.split_settings = true;
    let (_, run) = connect(&device, &mut sensor);
    assert!(run.failed().is_none(), "{:?}", run.failed());
    assert_eq!(run.states().last(), Some(&ConnectionState::Streaming));
    // Both measurements were asked for their settings and started after the joined answer.
    let writes: Vec<String> = run.writes().iter().map(|w| hex(w)).collect();
    assert_eq!(writes.iter().filter(|w| w.starts_with("01")).count(), 2);
    assert!(writes.iter().any(|w| w.starts_with("0202")));

    // The joined list is the one checked: a rate in neither part is still refused.
    let mut sensor = Sensor::polar();
    sensor.split_settings = true;
    sensor.settings_rates = vec![25, 50, 100, 200];
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(
        run.failed(),
        Some(&SessionError::Polar(PolarError::InvalidSampleRate))
    );
}

#[test]
fn already_in_state_restarts_once_then_is_an_error() {
    let restarted = polar_failure_at_start(6);
    assert!(restarted.failed().is_none());
    assert_eq!(restarted.states().last(), Some(&ConnectionState::Streaming));
    let device = polar_device(52, false);
    let mut sensor = Sensor::polar();
    sensor
        .answer_with(2, MeasurementType::Acc as u8, 6)
        .answer_with(2, MeasurementType::Acc as u8, 6);
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(
        run.failed(),
        Some(&SessionError::Polar(PolarError::AlreadyInState))
    );
}

#[test]
fn sdk_mode_only_where_the_rate_needs_it_and_its_errors_are_typed() {
    let device = polar_device(52, false);
    let (_, run) = connect(&device, &mut Sensor::polar());
    assert!(!run.writes().contains(&vec![0x02, 0x09]));
    assert_eq!(run.states().last(), Some(&ConnectionState::Streaming));

    let device = polar_device(208, false);
    let mut sensor = Sensor::polar();
    sensor.answer_with(2, 9, 6);
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(run.writes()[0], vec![0x02, 0x09]);
    assert!(run.failed().is_none(), "SDK mode already on is fine");

    let mut sensor = Sensor::polar();
    sensor.answer_with(2, 9, 12);
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(
        run.failed(),
        Some(&SessionError::Polar(PolarError::InvalidState))
    );
}

#[test]
fn a_rate_the_settings_do_not_list_is_refused_before_starting() {
    let device = polar_device(100, false);
    let mut sensor = Sensor::polar();
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(
        run.failed(),
        Some(&SessionError::Polar(PolarError::InvalidSampleRate))
    );
    assert!(!run.writes().iter().any(|w| w.starts_with(&[0x02, 0x02])));
}

#[test]
fn features_without_the_gyroscope_are_refused() {
    let device = polar_device(52, true);
    let mut sensor = Sensor::polar();
    sensor.features = PmdFeatures::new(&[MeasurementType::Acc, MeasurementType::Ecg]).encode();
    let (_, run) = connect(&device, &mut sensor);
    assert_eq!(
        run.failed(),
        Some(&SessionError::Polar(PolarError::NotSupported {
            measurement: 5
        }))
    );
    // A feature read the core does not understand is not a refusal.
    let mut sensor = Sensor::polar();
    sensor.features = Vec::new();
    let (_, run) = connect(&device, &mut sensor);
    assert!(run.failed().is_none());
}

#[test]
fn a_missing_service_is_a_typed_error() {
    let mut sensor = Sensor::polar();
    sensor
        .characteristics
        .retain(|u| *u != polar::PMD_DATA_UUID);
    let (_, run) = connect(&polar_device(52, false), &mut sensor);
    assert!(matches!(
        run.failed(),
        Some(SessionError::MissingGatt { .. })
    ));
}

#[test]
fn the_twitchwatch_dialogue_and_its_refusals() {
    let (_, run) = connect(&tw_device(100), &mut Sensor::twitchwatch());
    assert_eq!(run.writes(), vec![vec![0x01, 100, 0, 0x01]]);
    assert_eq!(run.states().last(), Some(&ConnectionState::Streaming));
    let mut sensor = Sensor::twitchwatch();
    sensor.answer_with(1, 100, ControlStatus::AlreadyInState.code());
    assert!(connect(&tw_device(100), &mut sensor).1.failed().is_none());
    for status in [1u8, 2, 3, 4, 6, 7, 42] {
        let mut sensor = Sensor::twitchwatch();
        sensor.answer_with(1, 100, status);
        let (_, run) = connect(&tw_device(100), &mut sensor);
        assert_eq!(
            run.failed(),
            Some(&SessionError::Refused {
                status: ControlStatus::from_code(status)
            })
        );
    }
    let mut sensor = Sensor::twitchwatch();
    sensor.answer_with(1, 100, 6);
    let failed = connect(&tw_device(100), &mut sensor).1;
    assert!(failed.failed().unwrap().to_string().contains("battery"));
}

fn tw_frame(seq: u16) -> GattEvent {
    GattEvent::Notification {
        characteristic_uuid: uuid_string(protocol::DATA_UUID),
        bytes: encode_frame(&DataFrame {
            seq,
            device_time_us: u64::from(seq) * 100_000,
            sample_rate_hz: 100,
            accel_g_per_lsb: 8.0 / 32768.0,
            gyro_dps_per_lsb: 0.0,
            accel_raw: vec![[0, 0, 4096]; 10],
            gyro_raw: Vec::new(),
        }),
    }
}

#[test]
fn dropped_duplicated_and_reordered_notifications_are_accounted() {
    let mut sensor = Sensor::twitchwatch();
    let (mut session, mut run) = connect(&tw_device(100), &mut sensor);
    for (i, seq) in [0u16, 1, 3, 2, 2, 5, 6].into_iter().enumerate() {
        let at = T0_US + 100_000 * (i as i64 + 1);
        feed(&mut session, &mut sensor, tw_frame(seq), at, &mut run);
    }
    feed(
        &mut session,
        &mut sensor,
        GattEvent::StopRequested,
        T0_US + 2_000_000,
        &mut run,
    );
    let stats = session.stats();
    assert_eq!(stats.frames_duplicate, 1, "{stats:?}");
    assert_eq!(stats.frames_reordered, 1, "{stats:?}");
    assert_eq!(stats.frames_missing, 1, "{stats:?}");
    assert_eq!(run.samples().0, 60, "0,1,2,3,5,6 delivered once each");
    assert_eq!(run.writes().last(), Some(&ControlCommand::Stop.encode()));

    // Polar has no sequence numbers: the frame times tell duplicates, reordering and gaps.
    let device = polar_device(52, false);
    let mut sensor = Sensor::polar();
    let (mut session, mut run) = connect(&device, &mut sensor);
    for (i, k) in [0u64, 1, 1, 3, 2, 4].into_iter().enumerate() {
        let at = T0_US + 200_000 * (i as i64 + 1);
        let frame = pmd_data(MeasurementType::Acc, k, 52, 10);
        feed(&mut session, &mut sensor, data_event(frame), at, &mut run);
    }
    let stats = session.stats();
    assert_eq!(stats.frames_ok, 4, "{stats:?}");
    assert_eq!(
        stats.frames_duplicate, 2,
        "the repeat and the late frame: {stats:?}"
    );
    assert_eq!(stats.samples_lost, 10, "{stats:?}");
    // A malformed notification is rejected with a typed error and the stream goes on.
    let mut bad = pmd_data(MeasurementType::Acc, 5, 52, 10);
    bad.truncate(14);
    feed(
        &mut session,
        &mut sensor,
        data_event(bad),
        T0_US + 2_000_000,
        &mut run,
    );
    feed(
        &mut session,
        &mut sensor,
        data_event(pmd_data(MeasurementType::Acc, 6, 52, 10)),
        T0_US + 2_100_000,
        &mut run,
    );
    assert!(run
        .outputs
        .iter()
        .any(|o| matches!(o, SessionOutput::Rejected(e) if e.to_string().contains("Polar"))));
    assert_eq!(session.stats().frames_ok, 5);
    assert!(!session.is_finished());
}

#[test]
fn a_sensor_that_goes_silent_is_reconnected_and_the_gap_counted() {
    let mut sensor = Sensor::twitchwatch();
    let (mut session, mut run) = connect(&tw_device(100), &mut sensor);
    feed(
        &mut session,
        &mut sensor,
        tw_frame(0),
        T0_US + 100_000,
        &mut run,
    );
    // A timer that fires before the deadline is ignored.
    feed(
        &mut session,
        &mut sensor,
        GattEvent::TimedOut,
        T0_US + 1_000_000,
        &mut run,
    );
    assert!(session.is_streaming());
    // 3 s of silence after the last frame: disconnect and back off.
    feed(
        &mut session,
        &mut sensor,
        GattEvent::TimedOut,
        T0_US + 3_200_000,
        &mut run,
    );
    assert!(run.actions.ends_with(&[
        GattAction::Disconnect,
        GattAction::WaitUntil {
            deadline_us: T0_US
                + 3_200_000
                + 1000
                    * match run.states().last() {
                        Some(ConnectionState::Reconnecting { retry_in_ms, .. }) =>
                            *retry_in_ms as i64,
                        other => panic!("{other:?}"),
                    }
        }
    ]));
    // The back-off passes: connect, the whole dialogue again, streaming.
    let before = run.actions.len();
    feed(
        &mut session,
        &mut sensor,
        GattEvent::TimedOut,
        T0_US + 4_500_000,
        &mut run,
    );
    assert_eq!(run.actions[before], GattAction::Connect);
    assert_eq!(run.states().last(), Some(&ConnectionState::Streaming));
    feed(
        &mut session,
        &mut sensor,
        tw_frame(50),
        T0_US + 5_100_000,
        &mut run,
    );
    let stats = session.stats();
    assert_eq!(stats.reconnects, 1, "{stats:?}");
    assert!(stats.samples_lost >= 400, "{stats:?}");
}

#[test]
fn a_control_point_that_never_answers_is_a_timeout_not_a_retry() {
    let mut sensor = Sensor::polar();
    sensor.silent_control = true;
    let (mut session, mut run) = connect(&polar_device(52, false), &mut sensor);
    assert!(run.failed().is_none());
    feed(
        &mut session,
        &mut sensor,
        GattEvent::TimedOut,
        T0_US + 2_000_000,
        &mut run,
    );
    assert_eq!(
        run.failed(),
        Some(&SessionError::ControlPointTimeout { after_ms: 2000 })
    );
    assert!(session.is_finished());
    // Nothing is done after the end.
    assert!(session
        .handle(GattEvent::Connected, T0_US + 3_000_000)
        .is_empty());
}

#[test]
fn late_and_duplicated_indications_do_not_answer_the_wrong_request() {
    let device = polar_device(52, false);
    let mut session = GattSession::new(&device, config());
    let mut sensor = Sensor::polar();
    let mut run = Run::default();
    let outs = session.start(T0_US);
    // Drive by hand up to the ACC start, then inject a stale settings answer before the real one.
    let mut queue: VecDeque<SessionOutput> = outs.into();
    while let Some(o) = queue.pop_front() {
        let SessionOutput::Do(a) = o else {
            run.outputs.push(o);
            continue;
        };
        let is_start = matches!(&a, GattAction::Write { bytes, .. } if bytes.starts_with(&[2, 2]));
        let mut events = sensor.answer(&a);
        if is_start {
            let stale = GattEvent::Indication {
                characteristic_uuid: uuid_string(polar::PMD_CONTROL_POINT_UUID),
                bytes: vec![0xF0, 0x01, 0x02, 0x08],
            };
            events.insert(1, stale);
        }
        for e in events {
            queue.extend(session.handle(e, T0_US));
        }
    }
    assert!(run.failed().is_none(), "{:?}", run.failed());
    assert!(session.is_streaming());
}

#[test]
fn reconnect_policy_backs_off_with_jitter_and_gives_up() {
    let policy = ReconnectPolicy {
        initial_delay_ms: 200,
        max_delay_ms: 2_000,
        max_attempts: Some(5),
    };
    for attempt in 1..20 {
        let ceiling = (200u64 << (attempt - 1).min(16)).min(2_000);
        assert_eq!(policy.delay_ms(attempt, 1.0), ceiling);
        assert_eq!(policy.delay_ms(attempt, 0.0), ceiling / 2);
    }
    let mut a = Reconnector::new(policy, Jitter::new(42));
    let mut b = Reconnector::new(policy, Jitter::new(42));
    let mut delays = Vec::new();
    for attempt in 1..=5 {
        let d = a.on_failure("lost");
        assert_eq!(d, b.on_failure("lost"), "the same seed, the same delays");
        let ReconnectDecision::RetryIn {
            attempt: n,
            delay_ms,
        } = d
        else {
            panic!("gave up early")
        };
        assert_eq!(n, attempt);
        delays.push(delay_ms);
    }
    assert!(delays.windows(2).any(|w| w[0] != w[1]));
    assert_eq!(
        a.on_failure("still lost"),
        ReconnectDecision::GiveUp {
            attempts: 5,
            last: "still lost".into()
        }
    );
    // A good stream resets the count.
    b.on_streaming();
    assert!(matches!(
        b.on_failure("x"),
        ReconnectDecision::RetryIn { attempt: 1, .. }
    ));

    // Through the session: a sensor that cannot be found, with two attempts allowed.
    let mut config = config();
    config.reconnect.max_attempts = Some(2);
    let mut session = GattSession::new(&tw_device(100), config);
    let mut sensor = Sensor::twitchwatch();
    sensor.connect_fails = 10;
    let mut run = Run::default();
    let outs = session.start(T0_US);
    drive(&mut session, &mut sensor, outs, T0_US, &mut run);
    for k in 1..=3 {
        feed(
            &mut session,
            &mut sensor,
            GattEvent::TimedOut,
            T0_US + k * 5_000_000,
            &mut run,
        );
    }
    assert!(matches!(
        run.failed(),
        Some(SessionError::GaveUp { attempts: 2, .. })
    ));
    assert!(session.is_finished());
}

#[test]
fn stop_leaves_the_polar_sensor_idle() {
    let device = polar_device(208, true);
    let mut sensor = Sensor::polar();
    let (mut session, mut run) = connect(&device, &mut sensor);
    let n = run.actions.len();
    feed(
        &mut session,
        &mut sensor,
        GattEvent::StopRequested,
        T0_US + 1_000_000,
        &mut run,
    );
    let writes: Vec<_> = run.actions[n..]
        .iter()
        .filter_map(|a| match a {
            GattAction::Write { bytes, .. } => Some(bytes.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(writes, vec![vec![3, 2], vec![3, 5], vec![3, 9]]);
    assert_eq!(run.actions.last(), Some(&GattAction::Disconnect));
    assert_eq!(run.outputs.last(), Some(&SessionOutput::Stopped));
    assert_eq!(session.profile().stop_commands, writes);
}

#[test]
fn a_link_loss_during_set_up_is_retried_and_a_stop_then_ends_it() {
    let device = polar_device(52, false);
    let mut session = GattSession::new(&device, config());
    let mut run = Run::default();
    let mut sensor = Sensor::polar();
    let outs = session.start(T0_US);
    // Connect, then lose the link while discovering: no answer to the discovery comes.
    assert!(outs.contains(&SessionOutput::Do(GattAction::Connect)));
    let outs = session.handle(GattEvent::Connected, T0_US);
    assert!(outs
        .iter()
        .any(|o| matches!(o, SessionOutput::Do(GattAction::DiscoverServices { .. }))));
    feed(
        &mut session,
        &mut sensor,
        GattEvent::Disconnected,
        T0_US + 10,
        &mut run,
    );
    assert!(matches!(
        run.states().last(),
        Some(ConnectionState::Reconnecting { attempt: 1, .. })
    ));
    // The back-off passes: the whole dialogue again, to streaming.
    feed(
        &mut session,
        &mut sensor,
        GattEvent::TimedOut,
        T0_US + 2_000_000,
        &mut run,
    );
    assert_eq!(run.states().last(), Some(&ConnectionState::Streaming));
    // Stopping while backing off ends at once, without writes.
    feed(
        &mut session,
        &mut sensor,
        GattEvent::Disconnected,
        T0_US + 2_100_000,
        &mut run,
    );
    let writes_before = run.writes().len();
    feed(
        &mut session,
        &mut sensor,
        GattEvent::StopRequested,
        T0_US + 2_200_000,
        &mut run,
    );
    assert_eq!(run.writes().len(), writes_before);
    assert_eq!(run.outputs.last(), Some(&SessionOutput::Stopped));
    assert!(session.is_finished());
}

#[test]
fn a_failed_required_subscription_reconnects() {
    let mut session = GattSession::new(&tw_device(100), config());
    let mut outs = session.start(T0_US);
    let mut events = VecDeque::from([GattEvent::Connected]);
    let mut states = Vec::new();
    let mut disconnected = false;
    let mut sensor = Sensor::twitchwatch();
    for _ in 0..40 {
        for o in outs.drain(..) {
            match o {
                SessionOutput::Do(GattAction::Subscribe {
                    characteristic_uuid,
                    ..
                }) if characteristic_uuid == uuid_string(protocol::DATA_UUID) => {
                    events.push_back(GattEvent::OperationFailed {
                        characteristic_uuid: Some(characteristic_uuid),
                        reason: "Not connected".into(),
                    })
                }
                SessionOutput::Do(GattAction::Disconnect) => disconnected = true,
                SessionOutput::Do(a) => events.extend(
                    sensor
                        .answer(&a)
                        .into_iter()
                        .filter(|e| *e != GattEvent::Connected),
                ),
                SessionOutput::State(s) => states.push(s),
                _ => {}
            }
        }
        let Some(e) = events.pop_front() else { break };
        outs = session.handle(e, T0_US);
    }
    assert!(matches!(
        states.last(),
        Some(ConnectionState::Reconnecting { .. })
    ));
    assert!(!session.is_finished());
    // The link was still up: it is dropped before the retry.
    assert!(disconnected);
}

fn any_event() -> impl proptest::strategy::Strategy<Value = GattEvent> {
    use proptest::prelude::*;
    let uuid = prop_oneof![
        Just(uuid_string(polar::PMD_CONTROL_POINT_UUID)),
        Just(uuid_string(polar::PMD_DATA_UUID)),
        Just(uuid_string(sig_uuid(protocol::BATTERY_LEVEL_UUID16))),
        Just("not-a-uuid".to_string()),
    ];
    let bytes = proptest::collection::vec(any::<u8>(), 0..40);
    prop_oneof![
        Just(GattEvent::Connected),
        Just(GattEvent::Disconnected),
        Just(GattEvent::TimedOut),
        Just(GattEvent::StopRequested),
        Just(GattEvent::MtuChanged { mtu: Some(23) }),
        Just(GattEvent::ConnectFailed { reason: "x".into() }),
        Just(GattEvent::ServicesDiscovered {
            characteristic_uuids: vec![
                uuid_string(polar::PMD_CONTROL_POINT_UUID),
                uuid_string(polar::PMD_DATA_UUID)
            ]
        }),
        uuid.clone().prop_map(|u| GattEvent::Subscribed {
            characteristic_uuid: u
        }),
        uuid.clone().prop_map(|u| GattEvent::WriteAcknowledged {
            characteristic_uuid: u
        }),
        (uuid.clone(), bytes.clone()).prop_map(|(u, b)| GattEvent::ReadResult {
            characteristic_uuid: u,
            bytes: b
        }),
        (uuid.clone(), bytes.clone()).prop_map(|(u, b)| GattEvent::Indication {
            characteristic_uuid: u,
            bytes: b
        }),
        (uuid, bytes).prop_map(|(u, b)| GattEvent::Notification {
            characteristic_uuid: u,
            bytes: b
        }),
        Just(GattEvent::OperationFailed {
            characteristic_uuid: None,
            reason: "x".into()
        }),
    ]
}

proptest::proptest! {
    /// Whatever a transport feeds, in whatever order, the session neither panics nor acts after its end.
    #[test]
    fn any_event_sequence_is_handled(events in proptest::collection::vec(any_event(), 0..80), gyro: bool, fast: bool) {
        let device = polar_device(if fast { 208 } else { 52 }, gyro);
        let mut session = GattSession::new(&device, config());
        let mut now = T0_US;
        let _ = session.start(now);
        for e in events {
            now += 700_000;
            let finished = session.is_finished();
            let outs = session.handle(e, now);
            if finished {
                proptest::prop_assert!(outs.is_empty());
            }
        }
    }
}
