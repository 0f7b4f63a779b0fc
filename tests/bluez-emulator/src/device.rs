//! One emulated peripheral: its `org.bluez.Device1` object, connection state, GATT export, control-point
//! handling and the streaming task, with the injected faults applied frame by frame.

use crate::gatt::{self, CharRole};
use crate::source::SampleSource;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use twitchwatch_device::polar::{self, ControlRequest, MeasurementType, PmdFeatures, PmdSettings};
use twitchwatch_device::protocol::{
    self, sig_uuid, uuid_string, ChannelSet, ControlCommand, ControlStatus, DataFrame,
};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zbus::{fdo, interface, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    TwitchWatch,
    Polar,
}

#[derive(Debug, Clone)]
pub struct DeviceSpec {
    pub address: String,
    pub name: String,
    pub kind: DeviceKind,
    pub rssi: i16,
}

/// Faults to inject; counters apply to the next N data frames.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub drop: u32,
    pub duplicate: u32,
    pub reorder: u32,
    pub malformed: u32,
    /// Accepts connections and writes but never answers the control point nor streams.
    pub silent: bool,
    /// Delay before connecting and before each control-point answer.
    pub slow_ms: u32,
    /// Status code for the next start command.
    pub control_error: Option<u8>,
    /// The device's clock runs this many times fast while streaming (0 and 1: normal), so it
    /// sends that many times the configured rate with frame times that agree with each other.
    pub flood: u32,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceStats {
    pub frames_sent: u64,
    pub samples_sent: u64,
    pub frames_dropped: u64,
    pub link_losses: u32,
    pub connects: u32,
}

#[derive(Debug, Clone, Copy)]
struct ActiveStream {
    rate_hz: u16,
    gyro: bool,
}

#[derive(Default)]
struct PolarState {
    sdk_mode: bool,
    acc: Option<PmdSettings>,
    gyro: Option<PmdSettings>,
}

struct State {
    advertised: bool,
    connected: bool,
    gatt_exported: bool,
    down_until: Option<Instant>,
    notifying: HashSet<CharRole>,
    stream: Option<ActiveStream>,
    generation: u64,
    faults: Faults,
    battery: u8,
    stats: DeviceStats,
    seq: u16,
    frame_counter: u64,
    polar: PolarState,
    scenario: String,
    /// (first sample's device time µs, wall-clock send time ns) of frames, for latency measurement.
    sent_log: VecDeque<(u64, u64)>,
    log_sends: bool,
    /// Bumped on every disconnect: a control-point answer still pending from an older link is void.
    link_epoch: u64,
}

pub struct DeviceCtl {
    pub spec: DeviceSpec,
    pub path: String,
    conn: Connection,
    me: Weak<DeviceCtl>,
    state: Mutex<State>,
    boot: Instant,
    boot_unix_us: i64,
    char_paths: HashMap<CharRole, String>,
}

fn unix_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The settings a Verity Sense lists for ACC or GYRO: 52 Hz in normal mode, 26-416 Hz in SDK mode.
fn polar_settings_answer(m: MeasurementType, sdk_mode: bool) -> Vec<u8> {
    let rates: &[u16] = if sdk_mode {
        &[26, 52, 104, 208, 416]
    } else {
        &[52]
    };
    let mut out = vec![0xF0, 0x01, m as u8, 0x00, 0x00, 0x00, rates.len() as u8];
    for r in rates {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend_from_slice(&[0x01, 0x01, 0x10, 0x00]);
    let range: u16 = if m == MeasurementType::Gyro { 2000 } else { 8 };
    out.extend_from_slice(&[0x02, 0x01]);
    out.extend_from_slice(&range.to_le_bytes());
    out.extend_from_slice(&[0x04, 0x01, 0x03]);
    out
}

fn failed(msg: &str) -> fdo::Error {
    fdo::Error::Failed(msg.to_string())
}

impl DeviceCtl {
    pub fn new(spec: DeviceSpec, conn: Connection) -> Arc<Self> {
        let path = format!(
            "{}/dev_{}",
            crate::ADAPTER_PATH,
            spec.address.replace(':', "_").to_uppercase()
        );
        let mut char_paths = HashMap::new();
        for s in gatt::layout(spec.kind) {
            let sp = gatt::service_path(&path, &s);
            for c in &s.chars {
                char_paths.insert(c.role, gatt::char_path(&sp, c));
            }
        }
        let boot_unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        Arc::new_cyclic(|me| Self {
            spec,
            path,
            conn,
            me: me.clone(),
            state: Mutex::new(State {
                advertised: false,
                connected: false,
                gatt_exported: false,
                down_until: None,
                notifying: HashSet::new(),
                stream: None,
                generation: 0,
                faults: Faults::default(),
                battery: 87,
                stats: DeviceStats::default(),
                seq: 0,
                frame_counter: 0,
                polar: PolarState::default(),
                scenario: crate::source::BLE_TEST_SCENARIO.into(),
                sent_log: VecDeque::new(),
                log_sends: false,
                link_epoch: 0,
            }),
            boot: Instant::now(),
            boot_unix_us,
            char_paths,
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stats(&self) -> DeviceStats {
        self.state().stats
    }

    pub fn is_streaming(&self) -> bool {
        self.state().stream.is_some()
    }

    pub fn set_faults(&self, update: impl FnOnce(&mut Faults)) {
        update(&mut self.state().faults);
    }

    pub fn set_scenario(&self, name: &str) {
        self.state().scenario = name.to_string();
    }

    /// Starts or stops recording send instants (bounded) for latency measurement.
    pub fn log_sends(&self, on: bool) {
        let mut st = self.state();
        st.log_sends = on;
        st.sent_log.clear();
    }

    pub fn take_sent_log(&self) -> Vec<(u64, u64)> {
        self.state().sent_log.drain(..).collect()
    }

    /// Device clock of `now`, µs since boot.
    fn device_time_us(&self) -> u64 {
        self.boot.elapsed().as_micros() as u64
    }

    async fn emit_props(&self, path: &str, iface: &str, props: HashMap<&str, Value<'_>>) {
        let body = (iface, props, Vec::<&str>::new());
        if let Err(e) = self
            .conn
            .emit_signal(
                None::<zbus::names::BusName<'_>>,
                path,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                &body,
            )
            .await
        {
            tracing::warn!("emitting PropertiesChanged on {path}: {e}");
        }
    }

    async fn emit_device(&self, name: &str, value: Value<'_>) {
        let props = HashMap::from([(name, value)]);
        self.emit_props(&self.path, "org.bluez.Device1", props)
            .await;
    }

    /// Makes the device visible (exports Device1, or refreshes its RSSI as a new advertisement would).
    pub async fn advertise(&self) -> fdo::Result<()> {
        let first = {
            let mut st = self.state();
            let first = !st.advertised;
            st.advertised = true;
            first
        };
        if first {
            self.conn
                .object_server()
                .at(
                    self.path.as_str(),
                    Device1 {
                        ctl: self.me.clone(),
                    },
                )
                .await?;
        } else {
            self.emit_device("RSSI", Value::from(self.spec.rssi)).await;
        }
        Ok(())
    }

    /// Forgets the device (Adapter1.RemoveDevice).
    pub async fn remove(&self) -> fdo::Result<()> {
        self.drop_link().await;
        self.state().advertised = false;
        self.conn
            .object_server()
            .remove::<Device1, _>(self.path.as_str())
            .await?;
        Ok(())
    }

    /// Restores the power-on state: disconnected, no faults, counters zeroed.
    pub async fn reset(&self) {
        self.drop_link().await;
        let mut st = self.state();
        st.faults = Faults::default();
        st.down_until = None;
        st.stats = DeviceStats::default();
        st.battery = 87;
        st.polar = PolarState::default();
    }

    pub async fn connect(&self) -> fdo::Result<()> {
        let (down, slow_ms, already) = {
            let st = self.state();
            let down = st.down_until.is_some_and(|t| Instant::now() < t);
            (down, st.faults.slow_ms, st.connected)
        };
        if down {
            // Like a real controller: the attempt runs into the connection timeout, then fails.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return Err(failed("le-connection-abort-by-local"));
        }
        if slow_ms > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(slow_ms))).await;
        }
        if already {
            return Ok(());
        }
        {
            let mut st = self.state();
            st.connected = true;
            st.stats.connects += 1;
        }
        self.emit_device("Connected", Value::from(true)).await;
        self.export_gatt().await?;
        self.emit_device("ServicesResolved", Value::from(true))
            .await;
        Ok(())
    }

    async fn export_gatt(&self) -> fdo::Result<()> {
        if std::mem::replace(&mut self.state().gatt_exported, true) {
            return Ok(());
        }
        let server = self.conn.object_server();
        for s in gatt::layout(self.spec.kind) {
            let sp = gatt::service_path(&self.path, &s);
            server
                .at(
                    sp.as_str(),
                    gatt::GattService {
                        uuid: s.uuid,
                        device: self.path.clone(),
                    },
                )
                .await?;
            for c in &s.chars {
                let cp = gatt::char_path(&sp, c);
                server
                    .at(
                        cp.as_str(),
                        gatt::GattCharacteristic {
                            uuid: c.uuid,
                            service: sp.clone(),
                            flags: c.flags,
                            role: c.role,
                            device: self.me.clone(),
                        },
                    )
                    .await?;
                if gatt::has_cccd(c) {
                    server
                        .at(
                            gatt::desc_path(&cp, c).as_str(),
                            gatt::GattDescriptor {
                                characteristic: cp.clone(),
                            },
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn remove_gatt(&self) {
        if !std::mem::replace(&mut self.state().gatt_exported, false) {
            return;
        }
        let server = self.conn.object_server();
        for s in gatt::layout(self.spec.kind) {
            let sp = gatt::service_path(&self.path, &s);
            for c in &s.chars {
                let cp = gatt::char_path(&sp, c);
                if gatt::has_cccd(c) {
                    let _ = server
                        .remove::<gatt::GattDescriptor, _>(gatt::desc_path(&cp, c).as_str())
                        .await;
                }
                let _ = server
                    .remove::<gatt::GattCharacteristic, _>(cp.as_str())
                    .await;
            }
            let _ = server.remove::<gatt::GattService, _>(sp.as_str()).await;
        }
    }

    /// Ends the link the way BlueZ reports it: ServicesResolved off, GATT gone, Connected off.
    pub async fn drop_link(&self) {
        let was_connected = {
            let mut st = self.state();
            st.generation += 1;
            st.stream = None;
            st.notifying.clear();
            st.polar.acc = None;
            st.polar.gyro = None;
            st.link_epoch += 1;
            std::mem::replace(&mut st.connected, false)
        };
        if !was_connected {
            return;
        }
        self.emit_device("ServicesResolved", Value::from(false))
            .await;
        self.remove_gatt().await;
        self.emit_device("Connected", Value::from(false)).await;
    }

    /// Drops the link now and refuses connections for `down_ms`.
    pub async fn link_loss(&self, down_ms: u32) {
        {
            let mut st = self.state();
            st.down_until = Some(Instant::now() + Duration::from_millis(u64::from(down_ms)));
            st.stats.link_losses += 1;
        }
        self.drop_link().await;
    }

    pub fn is_notifying(&self, role: CharRole) -> bool {
        self.state().notifying.contains(&role)
    }

    pub fn set_notifying(&self, role: CharRole, on: bool) {
        let mut st = self.state();
        if on {
            st.notifying.insert(role);
        } else {
            st.notifying.remove(&role);
        }
    }

    async fn notify(&self, role: CharRole, bytes: Vec<u8>) {
        if !self.is_notifying(role) {
            return;
        }
        let Some(path) = self.char_paths.get(&role) else {
            return;
        };
        let props = HashMap::from([("Value", Value::from(bytes))]);
        self.emit_props(path, "org.bluez.GattCharacteristic1", props)
            .await;
    }

    pub async fn set_battery(&self, level: u8) {
        self.state().battery = level;
        self.notify(CharRole::Battery, vec![level]).await;
    }

    pub async fn read(&self, role: CharRole) -> fdo::Result<Vec<u8>> {
        let st = self.state();
        if !st.connected {
            return Err(failed("Not connected"));
        }
        let text = |s: &str| Ok(s.as_bytes().to_vec());
        match (role, self.spec.kind) {
            (CharRole::Battery, _) => Ok(vec![st.battery]),
            (CharRole::Manufacturer, DeviceKind::Polar) => text("Polar Electro Oy"),
            (CharRole::Manufacturer, DeviceKind::TwitchWatch) => text("TwitchWatch"),
            (CharRole::Model, DeviceKind::Polar) => text("Polar Sense"),
            (CharRole::Model, DeviceKind::TwitchWatch) => text("TW-1 (emulated)"),
            (CharRole::Firmware, DeviceKind::Polar) => text("2.1.8"),
            (CharRole::Firmware, DeviceKind::TwitchWatch) => text("1.0.0"),
            // A Verity Sense's feature read: PPG, ACC, PPI, GYRO, MAG and SDK mode.
            (CharRole::Control, DeviceKind::Polar) => Ok(PmdFeatures::new(&[
                MeasurementType::Ppg,
                MeasurementType::Acc,
                MeasurementType::Ppi,
                MeasurementType::Gyro,
                MeasurementType::Mag,
                MeasurementType::SdkMode,
            ])
            .encode()),
            (CharRole::Control, _) => Ok(Vec::new()),
            _ => Err(fdo::Error::NotSupported("Read not permitted".into())),
        }
    }

    pub async fn write(&self, role: CharRole, value: Vec<u8>) -> fdo::Result<()> {
        if role != CharRole::Control {
            return Err(fdo::Error::NotSupported("Write not permitted".into()));
        }
        if !self.state().connected {
            return Err(failed("Not connected"));
        }
        let Some(me) = self.me.upgrade() else {
            return Ok(());
        };
        // The ATT write response comes at once; the indication with the result follows.
        tokio::spawn(async move {
            match me.spec.kind {
                DeviceKind::TwitchWatch => me.handle_twitchwatch_control(value).await,
                DeviceKind::Polar => me.handle_polar_control(value).await,
            }
        });
        Ok(())
    }

    /// Waits out the slow-peripheral delay, then returns the one-shot control error when `value` is a
    /// start request (other requests leave it for the start); `None` when the peripheral is silent or
    /// the link dropped meanwhile.
    async fn control_faults(&self, value: &[u8]) -> Option<Option<u8>> {
        let (epoch, silent, delay) = {
            let st = self.state();
            (
                st.link_epoch,
                st.faults.silent,
                Duration::from_millis(u64::from(st.faults.slow_ms)),
            )
        };
        if silent {
            return None;
        }
        tokio::time::sleep(delay).await;
        let mut st = self.state();
        if st.link_epoch != epoch {
            return None;
        }
        // Both protocols' start opcodes: 0x01 for ours, 0x02 (not SDK mode) for Polar's.
        let is_start = match self.spec.kind {
            DeviceKind::TwitchWatch => value.first() == Some(&0x01),
            DeviceKind::Polar => value.first() == Some(&0x02) && value.get(1) != Some(&0x09),
        };
        Some(if is_start {
            st.faults.control_error.take()
        } else {
            None
        })
    }

    async fn handle_twitchwatch_control(self: Arc<Self>, value: Vec<u8>) {
        let Some(forced) = self.control_faults(&value).await else {
            return;
        };
        let cmd = match ControlCommand::decode(&value) {
            Ok(c) => c,
            Err(e) => {
                let status = match e {
                    protocol::ControlError::InvalidRate(_) => ControlStatus::InvalidRate,
                    protocol::ControlError::InvalidChannels(_) => ControlStatus::InvalidChannels,
                    protocol::ControlError::UnknownOpcode(_) => ControlStatus::UnknownOpcode,
                    _ => ControlStatus::InvalidLength,
                };
                let op = value.first().copied().unwrap_or(0);
                self.notify(CharRole::Control, vec![0xF0, op, status.code()])
                    .await;
                return;
            }
        };
        if let (Some(code), ControlCommand::Start { .. }) = (forced, cmd) {
            self.notify(
                CharRole::Control,
                cmd.encode_response(ControlStatus::from_code(code)),
            )
            .await;
            return;
        }
        match cmd {
            ControlCommand::Start {
                sample_rate_hz,
                channels,
            } => {
                self.notify(
                    CharRole::Control,
                    cmd.encode_response(ControlStatus::Success),
                )
                .await;
                self.start_stream(ActiveStream {
                    rate_hz: sample_rate_hz,
                    gyro: channels.gyro,
                });
            }
            ControlCommand::Stop => {
                self.stop_stream();
                self.notify(
                    CharRole::Control,
                    cmd.encode_response(ControlStatus::Success),
                )
                .await;
            }
        }
    }

    async fn handle_polar_control(self: Arc<Self>, value: Vec<u8>) {
        let Some(forced) = self.control_faults(&value).await else {
            return;
        };
        let op = value.first().copied().unwrap_or(0);
        let mtype = value.get(1).copied().unwrap_or(0);
        let respond = |status: u8, factor: Option<f32>| {
            polar::encode_control_response(op, mtype, status, factor)
        };
        let request = match ControlRequest::decode(&value) {
            Ok(r) => r,
            Err(e) => {
                let status = e.status_code().unwrap_or(5);
                self.notify(CharRole::Control, respond(status, None)).await;
                return;
            }
        };
        if let (Some(code), ControlRequest::Start { .. }) = (forced, &request) {
            self.notify(CharRole::Control, respond(code, None)).await;
            return;
        }
        let reply = {
            let mut st = self.state();
            match request {
                ControlRequest::StartSdkMode => {
                    st.polar.sdk_mode = true;
                    respond(0, None)
                }
                ControlRequest::Stop(MeasurementType::SdkMode) => {
                    st.polar.sdk_mode = false;
                    respond(0, None)
                }
                ControlRequest::GetSettings(m) => polar_settings_answer(m, st.polar.sdk_mode),
                ControlRequest::Start {
                    measurement,
                    settings,
                } => {
                    let rate_ok = if st.polar.sdk_mode {
                        (26..=416).contains(&settings.sample_rate_hz)
                    } else {
                        settings.sample_rate_hz == 52
                    };
                    let slot = match measurement {
                        MeasurementType::Acc => Some(&mut st.polar.acc),
                        MeasurementType::Gyro => Some(&mut st.polar.gyro),
                        _ => None,
                    };
                    match slot {
                        None => respond(3, None),
                        Some(_) if !rate_ok => respond(8, None),
                        Some(slot) if slot.is_some() => respond(6, None),
                        Some(slot) => {
                            *slot = Some(settings);
                            respond(0, Some(settings.default_factor(measurement)))
                        }
                    }
                }
                ControlRequest::Stop(m) => {
                    match m {
                        MeasurementType::Acc => st.polar.acc = None,
                        MeasurementType::Gyro => st.polar.gyro = None,
                        _ => {}
                    }
                    respond(0, None)
                }
            }
        };
        let ok = reply.get(3) == Some(&0);
        self.notify(CharRole::Control, reply).await;
        if ok && op == 2 {
            let acc = self.state().polar.acc;
            if let Some(acc) = acc {
                let gyro = self.state().polar.gyro.is_some();
                self.start_stream(ActiveStream {
                    rate_hz: acc.sample_rate_hz,
                    gyro,
                });
            }
        } else if ok && op == 3 && self.state().polar.acc.is_none() {
            self.stop_stream();
        }
    }

    fn stop_stream(&self) {
        let mut st = self.state();
        st.generation += 1;
        st.stream = None;
    }

    fn start_stream(&self, stream: ActiveStream) {
        let (generation, scenario) = {
            let mut st = self.state();
            st.generation += 1;
            st.stream = Some(stream);
            (st.generation, st.scenario.clone())
        };
        if let Some(me) = self.me.upgrade() {
            tokio::spawn(me.stream_task(generation, stream, scenario));
        }
    }

    async fn stream_task(self: Arc<Self>, generation: u64, stream: ActiveStream, scenario: String) {
        let rate = u32::from(stream.rate_hz.max(1));
        let samples_per_frame = match self.spec.kind {
            DeviceKind::TwitchWatch => DataFrame::max_samples(ChannelSet {
                accel: true,
                gyro: stream.gyro,
            }),
            DeviceKind::Polar => 36,
        } as u64;
        let mut source = SampleSource::new(&scenario, stream.rate_hz, stream.gyro);
        // The device samples from now on; frames cover [next, next + n) in its clock.
        let mut next_index = self.device_time_us() * u64::from(rate) / 1_000_000;
        let mut held: Option<Vec<u8>> = None;
        let period = Duration::from_micros(samples_per_frame * 1_000_000 / u64::from(rate));
        let mut ticker = tokio::time::interval(period.min(Duration::from_millis(50)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The stream's own clock: the device's, except that a flood makes it run fast.
        let mut clock_us = self.device_time_us();
        let mut last_tick = std::time::Instant::now();
        loop {
            ticker.tick().await;
            let speed = u64::from(self.state().faults.flood.max(1));
            let elapsed_us = last_tick.elapsed().as_micros() as u64;
            last_tick = std::time::Instant::now();
            clock_us += elapsed_us * speed;
            let now_index = clock_us * u64::from(rate) / 1_000_000;
            while next_index + samples_per_frame <= now_index {
                if self.state().generation != generation {
                    return;
                }
                let first_us = next_index * 1_000_000 / u64::from(rate);
                let (accel_g, gyro_dps) = source.next(samples_per_frame as usize);
                next_index += samples_per_frame;
                if self.spec.kind == DeviceKind::Polar && stream.gyro {
                    // PMD sends GYRO in frames of its own, just before the ACC frame of the same span.
                    let gyro = self.encode_polar_gyro(first_us, stream.rate_hz, &gyro_dps);
                    self.notify(CharRole::Data, gyro).await;
                }
                let frame = self.encode(first_us, stream, &accel_g, &gyro_dps);
                // Faults, decided under the lock; sends happen outside it.
                let mut sends: Vec<Vec<u8>> = Vec::new();
                {
                    let mut st = self.state();
                    let f = &mut st.faults;
                    if f.drop > 0 {
                        f.drop -= 1;
                        st.stats.frames_dropped += 1;
                    } else if f.malformed > 0 {
                        f.malformed -= 1;
                        let mut bad = frame.clone();
                        let mid = bad.len() / 2;
                        if let Some(b) = bad.get_mut(mid) {
                            *b ^= 0x5A;
                        }
                        bad.truncate(bad.len().saturating_sub(3));
                        sends.push(bad);
                    } else if f.reorder > 0 && held.is_none() {
                        f.reorder -= 1;
                        held = Some(frame);
                    } else if f.duplicate > 0 {
                        f.duplicate -= 1;
                        sends.push(frame.clone());
                        sends.push(frame);
                    } else {
                        sends.push(frame);
                    }
                    if let (false, Some(h)) = (sends.is_empty(), held.as_ref()) {
                        // The held frame goes out right after its successor.
                        let h = h.clone();
                        sends.push(h);
                        held = None;
                    }
                    st.stats.samples_sent += samples_per_frame;
                }
                for bytes in sends {
                    {
                        let mut st = self.state();
                        st.stats.frames_sent += 1;
                        if st.log_sends && st.sent_log.len() < 1_000_000 {
                            st.sent_log.push_back((first_us, unix_ns()));
                        }
                    }
                    self.notify(CharRole::Data, bytes).await;
                }
            }
            if self.state().generation != generation {
                return;
            }
        }
    }

    fn encode_polar_gyro(&self, first_us: u64, rate_hz: u16, gyro_dps: &[[f32; 3]]) -> Vec<u8> {
        let factor = PmdSettings::gyro(rate_hz).default_factor(MeasurementType::Gyro);
        let raw: Vec<[i16; 3]> = gyro_dps
            .iter()
            .map(|v| v.map(|x| (x / factor).round().clamp(-32768.0, 32767.0) as i16))
            .collect();
        let n = raw.len() as u64;
        let last_us = self.boot_unix_us as u64
            + first_us
            + n.saturating_sub(1) * 1_000_000 / u64::from(rate_hz.max(1));
        polar::encode_delta(
            MeasurementType::Gyro,
            polar::unix_us_to_pmd_ns(last_us as i64),
            &raw,
        )
    }

    fn encode(
        &self,
        first_us: u64,
        stream: ActiveStream,
        accel_g: &[[f32; 3]],
        gyro_dps: &[[f32; 3]],
    ) -> Vec<u8> {
        let counter = {
            let mut st = self.state();
            st.frame_counter += 1;
            st.frame_counter
        };
        match self.spec.kind {
            DeviceKind::TwitchWatch => {
                let accel_lsb = 8.0 / 32768.0;
                let gyro_lsb = 2000.0 / 32768.0;
                let q = |v: &[f32; 3], lsb: f32| {
                    v.map(|x| (x / lsb).round().clamp(-32768.0, 32767.0) as i16)
                };
                let seq = {
                    let mut st = self.state();
                    let s = st.seq;
                    st.seq = st.seq.wrapping_add(1);
                    s
                };
                protocol::encode_frame(&DataFrame {
                    seq,
                    device_time_us: first_us,
                    sample_rate_hz: stream.rate_hz,
                    accel_g_per_lsb: accel_lsb,
                    gyro_dps_per_lsb: if stream.gyro { gyro_lsb } else { 0.0 },
                    accel_raw: accel_g.iter().map(|v| q(v, accel_lsb)).collect(),
                    gyro_raw: if stream.gyro {
                        gyro_dps.iter().map(|v| q(v, gyro_lsb)).collect()
                    } else {
                        Vec::new()
                    },
                })
            }
            DeviceKind::Polar => {
                let settings = PmdSettings::acc(stream.rate_hz);
                let factor = settings.default_factor(MeasurementType::Acc);
                let raw: Vec<[i16; 3]> = accel_g
                    .iter()
                    .map(|v| {
                        v.map(|x| (x * 1000.0 / factor).round().clamp(-32768.0, 32767.0) as i16)
                    })
                    .collect();
                let n = raw.len() as u64;
                let last_us = self.boot_unix_us as u64
                    + first_us
                    + n.saturating_sub(1) * 1_000_000 / u64::from(stream.rate_hz.max(1));
                let last_ns = polar::unix_us_to_pmd_ns(last_us as i64);
                // Alternate layouts so every run exercises both decoders.
                if counter % 2 == 0 {
                    polar::encode_uncompressed_acc(last_ns, &raw)
                } else {
                    polar::encode_delta(MeasurementType::Acc, last_ns, &raw)
                }
            }
        }
    }
}

/// `org.bluez.Device1` for one peripheral; state lives in the `DeviceCtl`.
pub struct Device1 {
    ctl: Weak<DeviceCtl>,
}

impl Device1 {
    fn ctl(&self) -> fdo::Result<Arc<DeviceCtl>> {
        self.ctl.upgrade().ok_or_else(|| failed("device gone"))
    }

    fn with<T>(&self, f: impl FnOnce(&DeviceCtl, &State) -> T, default: T) -> T {
        match self.ctl.upgrade() {
            Some(ctl) => {
                let st = ctl.state();
                f(&ctl, &st)
            }
            None => default,
        }
    }
}

#[interface(name = "org.bluez.Device1")]
impl Device1 {
    async fn connect(&self) -> fdo::Result<()> {
        self.ctl()?.connect().await
    }

    async fn disconnect(&self) -> fdo::Result<()> {
        self.ctl()?.drop_link().await;
        Ok(())
    }

    async fn pair(&self) -> fdo::Result<()> {
        Ok(())
    }

    async fn cancel_pairing(&self) -> fdo::Result<()> {
        Ok(())
    }

    #[zbus(property)]
    fn address(&self) -> String {
        self.with(|c, _| c.spec.address.clone(), String::new())
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        self.with(
            |c, _| match c.spec.kind {
                DeviceKind::TwitchWatch => "random".into(),
                DeviceKind::Polar => "public".into(),
            },
            "public".into(),
        )
    }

    #[zbus(property)]
    fn name(&self) -> String {
        self.with(|c, _| c.spec.name.clone(), String::new())
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        self.with(|c, _| c.spec.name.clone(), String::new())
    }

    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        OwnedObjectPath::try_from(crate::ADAPTER_PATH).unwrap_or_default()
    }

    #[zbus(property)]
    fn paired(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn trusted(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn blocked(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn connected(&self) -> bool {
        self.with(|_, s| s.connected, false)
    }

    #[zbus(property)]
    fn services_resolved(&self) -> bool {
        self.with(|_, s| s.connected && s.gatt_exported, false)
    }

    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> i16 {
        self.with(|c, _| c.spec.rssi, -100)
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        self.with(
            |c, _| match c.spec.kind {
                DeviceKind::TwitchWatch => vec![
                    uuid_string(protocol::SERVICE_UUID),
                    uuid_string(sig_uuid(protocol::BATTERY_SERVICE_UUID16)),
                ],
                // Polar advertises heart rate, not PMD (see the notes).
                DeviceKind::Polar => vec![uuid_string(sig_uuid(
                    twitchwatch_device::polar::HEART_RATE_SERVICE_UUID16,
                ))],
            },
            Vec::new(),
        )
    }

    /// Battery level in the advertisement's 0x180F service data, as many wearables do.
    #[zbus(property)]
    fn service_data(&self) -> HashMap<String, OwnedValue> {
        self.with(
            |_, s| {
                let mut map = HashMap::new();
                if let Ok(v) = OwnedValue::try_from(Value::from(vec![s.battery])) {
                    map.insert(uuid_string(sig_uuid(protocol::BATTERY_SERVICE_UUID16)), v);
                }
                map
            },
            HashMap::new(),
        )
    }
}
