//! The sans-IO GATT session: the whole connection dialogue with a paired wearable (TwitchWatch V1 or
//! Polar PMD) and the reconnect policy, as a state machine that says what to do and takes what happened.
//!
//! No transport lives here. A driver (the btleplug link, an Android or iOS shell) performs each
//! [`GattAction`] it is handed, one at a time, and feeds back a [`GattEvent`] with the current time;
//! the session answers with [`SessionOutput`]s: more actions, sensor batches, link state and typed errors.
//! So the protocol knowledge is written once and every transport behaves the same.

use std::collections::VecDeque;

use crate::polar::{self, ControlRequest, MeasurementType, PmdFeatures, PmdSettings, PolarError};
use crate::protocol::{
    self, parse_uuid, sig_uuid, uuid_string, ChannelSet, ControlCommand, ControlStatus,
};
use crate::shell::{polar_settings, Routed, ShellError, ShellRouter};
use thiserror::Error;
use twitchwatch_model::{ConnectionState, DeviceProtocol, PairedDevice, SensorBatch, StreamStats};

/// The ATT MTU asked for: a 244-byte TwitchWatch frame needs 247, and Polar's frames fit in it.
pub const DEFAULT_MTU: u16 = 247;
/// Stream counters are reported at most this often while data flows.
const STATS_EVERY_US: i64 = 1_000_000;

/// What the driver is asked to do. UUIDs are hyphenated lowercase strings, bytes exact.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum GattAction {
    /// Find and connect to the paired device; answer `Connected` or `ConnectFailed`.
    Connect,
    /// Discover services; answer `ServicesDiscovered` with every characteristic found.
    DiscoverServices { service_uuid: String },
    /// Ask for this ATT MTU; answer `MtuChanged` (with `None` where the platform negotiates by itself).
    RequestMtu { mtu: u16 },
    /// Read a characteristic; answer `ReadResult` or `OperationFailed`.
    Read { characteristic_uuid: String },
    /// Enable indications (`true`) or notifications on a characteristic; answer `Subscribed`.
    Subscribe {
        characteristic_uuid: String,
        indications: bool,
    },
    /// Write these bytes; answer `WriteAcknowledged` once the write (with response) is done.
    Write {
        characteristic_uuid: String,
        bytes: Vec<u8>,
        with_response: bool,
    },
    /// Feed `TimedOut` when the clock reaches `deadline_us` (µs since the Unix epoch) and no other
    /// event came first. A new `WaitUntil` replaces the previous one.
    WaitUntil { deadline_us: i64 },
    /// Drop the connection; no answer is needed.
    Disconnect,
}

/// What happened on the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum GattEvent {
    Connected,
    ConnectFailed {
        reason: String,
    },
    ServicesDiscovered {
        characteristic_uuids: Vec<String>,
    },
    MtuChanged {
        mtu: Option<u16>,
    },
    Subscribed {
        characteristic_uuid: String,
    },
    WriteAcknowledged {
        characteristic_uuid: String,
    },
    ReadResult {
        characteristic_uuid: String,
        bytes: Vec<u8>,
    },
    /// A read, write, subscribe or MTU request failed at the GATT level.
    OperationFailed {
        characteristic_uuid: Option<String>,
        reason: String,
    },
    Indication {
        characteristic_uuid: String,
        bytes: Vec<u8>,
    },
    Notification {
        characteristic_uuid: String,
        bytes: Vec<u8>,
    },
    Disconnected,
    /// The deadline of the last `WaitUntil` passed.
    TimedOut,
    /// The user stopped monitoring: leave the sensor idle, then disconnect.
    StopRequested,
}

/// Device Information service strings, read on every connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
}

/// Why a session ended for good. Link losses are not here: they are retried by the reconnect policy.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SessionError {
    #[error("device {id} has no {what}; it is not a {protocol} device")]
    MissingGatt {
        id: String,
        what: String,
        protocol: &'static str,
    },
    #[error("timed out after {after_ms} ms waiting for the control point to answer: the peripheral does not answer")]
    ControlPointTimeout { after_ms: u64 },
    #[error("the wearable refused to start streaming: {}", .status.describe())]
    Refused { status: ControlStatus },
    #[error("the wearable's control-point answer is malformed: {reason}")]
    MalformedResponse { reason: String },
    #[error(transparent)]
    Polar(#[from] PolarError),
    #[error("gave up after {attempts} reconnection attempts: {last}")]
    GaveUp { attempts: u32, last: String },
}

/// What the session tells its driver and its listeners.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionOutput {
    Do(GattAction),
    State(ConnectionState),
    Batch(SensorBatch),
    Battery(u8),
    DeviceInfo(DeviceInfo),
    /// A notification that failed validation (already counted in the stats); the stream goes on.
    Rejected(ShellError),
    Stats(StreamStats),
    /// The session ended for good; `State(Disconnected)` follows, then nothing.
    Failed(SessionError),
    /// The session ended after `StopRequested`; nothing follows.
    Stopped,
}

/// Exponential back-off with jitter and an optional give-up, as pure arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReconnectPolicy {
    pub initial_delay_ms: u64,
    pub max_delay_ms: u64,
    /// `None`: keep trying for ever.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_delay_ms: 200,
            max_delay_ms: 2_000,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `attempt` (1 = the first retry): initial·2^(attempt-1), capped, then
    /// scaled into 0.5..=1.0 by `unit` (0..1) so that many phones do not retry in step.
    pub fn delay_ms(&self, attempt: u32, unit: f64) -> u64 {
        let exp = self
            .initial_delay_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay_ms);
        (capped as f64 * (0.5 + 0.5 * unit.clamp(0.0, 1.0))).round() as u64
    }

    pub fn gives_up_at(&self, attempt: u32) -> bool {
        self.max_attempts.is_some_and(|m| attempt > m)
    }
}

/// A small deterministic random source (SplitMix64), seeded by the caller: tests fix the seed, a
/// product driver seeds it from the clock or the OS.
#[derive(Debug, Clone)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A number in 0..1.
    pub fn next_unit(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What the reconnect policy decided after a link loss.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconnectDecision {
    RetryIn { attempt: u32, delay_ms: u64 },
    GiveUp { attempts: u32, last: String },
}

/// Counts failed attempts since the last good stream and decides when to retry and when to stop.
#[derive(Debug, Clone)]
pub struct Reconnector {
    policy: ReconnectPolicy,
    jitter: Jitter,
    attempt: u32,
}

impl Reconnector {
    pub fn new(policy: ReconnectPolicy, jitter: Jitter) -> Self {
        Self {
            policy,
            jitter,
            attempt: 0,
        }
    }

    pub fn on_failure(&mut self, reason: &str) -> ReconnectDecision {
        self.attempt += 1;
        if self.policy.gives_up_at(self.attempt) {
            return ReconnectDecision::GiveUp {
                attempts: self.attempt - 1,
                last: reason.to_string(),
            };
        }
        let unit = self.jitter.next_unit();
        ReconnectDecision::RetryIn {
            attempt: self.attempt,
            delay_ms: self.policy.delay_ms(self.attempt, unit),
        }
    }

    /// A stream is running again: the next loss starts from the shortest delay.
    pub fn on_streaming(&mut self) {
        self.attempt = 0;
    }
}

/// Timing of a session. Times are µs since the Unix epoch on the driver's wall clock.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionConfig {
    /// From `Connect` to `Connected` (includes the driver's scan for the device).
    pub connect_timeout_ms: u64,
    /// How long any other GATT operation, and the control point's answer, may take.
    pub response_timeout_ms: u64,
    /// Silence on the data characteristic after which the link is treated as lost.
    pub data_timeout_ms: u64,
    pub mtu: u16,
    pub reconnect: ReconnectPolicy,
    pub jitter_seed: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            connect_timeout_ms: 25_000,
            response_timeout_ms: 5_000,
            data_timeout_ms: 5_000,
            mtu: DEFAULT_MTU,
            reconnect: ReconnectPolicy::default(),
            jitter_seed: 0x5457_0001,
        }
    }
}

/// The fixed parts of a device's dialogue: which UUIDs, which bytes start and stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GattProfile {
    pub service_uuid: String,
    pub control_point_uuid: String,
    pub data_uuid: String,
    pub battery_level_uuid: String,
    /// Start writes in order (Polar: SDK mode where needed, then each measurement).
    pub start_commands: Vec<Vec<u8>>,
    /// Stop writes in order, leaving the sensor idle for the next session.
    pub stop_commands: Vec<Vec<u8>>,
}

/// Polar sensors stream ACC at 52 Hz in normal mode; any other rate needs SDK mode.
fn needs_sdk_mode(device: &PairedDevice) -> bool {
    device.protocol == DeviceProtocol::PolarPmd && device.sample_rate_hz != 52
}

fn tw_start(device: &PairedDevice) -> ControlCommand {
    ControlCommand::Start {
        sample_rate_hz: device.sample_rate_hz,
        channels: if device.with_gyro {
            ChannelSet::ACCEL_GYRO
        } else {
            ChannelSet::ACCEL
        },
    }
}

/// Polar measurements in the order they are started: GYRO first, so the ACC start (which the
/// batches follow) finds it running.
fn polar_starts(device: &PairedDevice) -> Vec<(MeasurementType, PmdSettings)> {
    let (acc, gyro) = polar_settings(device);
    let mut out = Vec::new();
    if let Some(g) = gyro {
        out.push((MeasurementType::Gyro, g));
    }
    out.push((MeasurementType::Acc, acc));
    out
}

fn polar_stops(device: &PairedDevice) -> Vec<Vec<u8>> {
    let mut cmds = vec![ControlRequest::Stop(MeasurementType::Acc).encode()];
    if device.with_gyro {
        cmds.push(ControlRequest::Stop(MeasurementType::Gyro).encode());
    }
    if needs_sdk_mode(device) {
        cmds.push(ControlRequest::Stop(MeasurementType::SdkMode).encode());
    }
    cmds
}

fn uuids(protocol: DeviceProtocol) -> (u128, u128, u128) {
    match protocol {
        DeviceProtocol::TwitchWatchV1 => (
            protocol::SERVICE_UUID,
            protocol::CONTROL_POINT_UUID,
            protocol::DATA_UUID,
        ),
        DeviceProtocol::PolarPmd => (
            polar::PMD_SERVICE_UUID,
            polar::PMD_CONTROL_POINT_UUID,
            polar::PMD_DATA_UUID,
        ),
    }
}

/// The profile of `device`'s protocol at its paired rate and sensors.
pub fn gatt_profile(device: &PairedDevice) -> GattProfile {
    let (service, control, data) = uuids(device.protocol);
    let (start_commands, stop_commands) = match device.protocol {
        DeviceProtocol::TwitchWatchV1 => (
            vec![tw_start(device).encode()],
            vec![ControlCommand::Stop.encode()],
        ),
        DeviceProtocol::PolarPmd => {
            let mut starts = Vec::new();
            if needs_sdk_mode(device) {
                starts.push(ControlRequest::StartSdkMode.encode());
            }
            for (measurement, settings) in polar_starts(device) {
                starts.push(
                    ControlRequest::Start {
                        measurement,
                        settings,
                    }
                    .encode(),
                );
            }
            (starts, polar_stops(device))
        }
    };
    GattProfile {
        service_uuid: uuid_string(service),
        control_point_uuid: uuid_string(control),
        data_uuid: uuid_string(data),
        battery_level_uuid: uuid_string(sig_uuid(protocol::BATTERY_LEVEL_UUID16)),
        start_commands,
        stop_commands,
    }
}

/// A control-point request the session waits on, and what its answer means.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Command {
    TwStart,
    PolarSdkMode,
    PolarSettings(MeasurementType),
    /// `retried`: this start follows a stop after "already in state"; a second one is an error.
    PolarStart {
        measurement: MeasurementType,
        settings: PmdSettings,
        retried: bool,
    },
    /// The stop before a restart.
    PolarRestartStop(MeasurementType, PmdSettings),
}

impl Command {
    fn encode(&self, device: &PairedDevice) -> Vec<u8> {
        match *self {
            Command::TwStart => tw_start(device).encode(),
            Command::PolarSdkMode => ControlRequest::StartSdkMode.encode(),
            Command::PolarSettings(m) => ControlRequest::GetSettings(m).encode(),
            Command::PolarStart {
                measurement,
                settings,
                ..
            } => ControlRequest::Start {
                measurement,
                settings,
            }
            .encode(),
            Command::PolarRestartStop(m, _) => ControlRequest::Stop(m).encode(),
        }
    }
}

/// One step of the connection dialogue, as data.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Discover,
    Mtu,
    /// Optional: skipped when the characteristic is absent, a failure is not fatal.
    ReadInfo(u16),
    EmitInfo,
    ReadBattery,
    SubscribeBattery,
    Subscribe {
        uuid: u128,
        indications: bool,
    },
    ReadFeatures,
    Command(Command),
}

/// What the session waits for.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Nothing,
    Connect,
    Discover,
    Mtu,
    Read(u128),
    Subscribe {
        uuid: u128,
        required: bool,
    },
    /// A control write: done once both the write is acknowledged and its answer indicated.
    Command {
        command: Command,
        acked: bool,
        answer: Option<Vec<u8>>,
        /// The answer so far said more frames follow (Polar's "more" flag, byte 4).
        more: bool,
    },
    /// A stop write while stopping.
    StopWrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Setup,
    Streaming,
    Backoff,
    Stopping,
    Ended,
}

/// One paired wearable's GATT session, across reconnects. See the module comment.
#[derive(Debug)]
pub struct GattSession {
    device: PairedDevice,
    config: SessionConfig,
    router: ShellRouter,
    reconnect: Reconnector,
    service_uuid: u128,
    control_uuid: u128,
    data_uuid: u128,
    phase: Phase,
    pending: Pending,
    steps: VecDeque<Step>,
    stop_writes: VecDeque<Vec<u8>>,
    discovered: Vec<u128>,
    info: DeviceInfo,
    mtu: Option<u16>,
    deadline_us: Option<i64>,
    last_data_us: i64,
    last_stats_us: i64,
    pending_reconnect: bool,
}

impl GattSession {
    pub fn new(device: &PairedDevice, config: SessionConfig) -> Self {
        let (service_uuid, control_uuid, data_uuid) = uuids(device.protocol);
        Self {
            router: ShellRouter::new(device),
            reconnect: Reconnector::new(config.reconnect, Jitter::new(config.jitter_seed)),
            device: device.clone(),
            config,
            service_uuid,
            control_uuid,
            data_uuid,
            phase: Phase::Idle,
            pending: Pending::Nothing,
            steps: VecDeque::new(),
            stop_writes: VecDeque::new(),
            discovered: Vec::new(),
            info: DeviceInfo::default(),
            mtu: None,
            deadline_us: None,
            last_data_us: 0,
            last_stats_us: 0,
            pending_reconnect: false,
        }
    }

    pub fn device(&self) -> &PairedDevice {
        &self.device
    }

    pub fn profile(&self) -> GattProfile {
        gatt_profile(&self.device)
    }

    pub fn stats(&self) -> StreamStats {
        self.router.stats()
    }

    /// The MTU the driver reported, when it knows one.
    pub fn mtu(&self) -> Option<u16> {
        self.mtu
    }

    /// True once `Failed` or `Stopped` was output: no further action will come.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// Whether a data notification arriving now would count as streaming.
    pub fn is_streaming(&self) -> bool {
        self.phase == Phase::Streaming
    }

    /// Begins: asks the driver to connect.
    pub fn start(&mut self, now_us: i64) -> Vec<SessionOutput> {
        let mut out = Vec::new();
        if self.phase == Phase::Idle {
            self.connect(now_us, &mut out);
        }
        out
    }

    /// Feeds one event; returns what to do and what to tell listeners, in order.
    pub fn handle(&mut self, event: GattEvent, now_us: i64) -> Vec<SessionOutput> {
        let mut out = Vec::new();
        self.handle_into(event, now_us, &mut out);
        out
    }

    /// `handle` into a caller's buffer (the hot path of a driver: no allocation per notification).
    pub fn handle_into(&mut self, event: GattEvent, now_us: i64, out: &mut Vec<SessionOutput>) {
        if self.phase == Phase::Ended {
            return;
        }
        match event {
            GattEvent::Notification {
                characteristic_uuid,
                bytes,
            }
            | GattEvent::Indication {
                characteristic_uuid,
                bytes,
            } => match parse_uuid(&characteristic_uuid) {
                Some(u) => self.on_value(u, &bytes, now_us, out),
                None => out.push(SessionOutput::Rejected(ShellError::BadUuid(
                    characteristic_uuid,
                ))),
            },
            GattEvent::Connected => self.on_connected(now_us, out),
            GattEvent::ConnectFailed { reason } => {
                if self.phase == Phase::Connecting {
                    self.lost(&reason, now_us, out);
                }
            }
            GattEvent::ServicesDiscovered {
                characteristic_uuids,
            } => {
                if self.pending == Pending::Discover {
                    self.discovered = characteristic_uuids
                        .iter()
                        .filter_map(|u| parse_uuid(u))
                        .collect();
                    self.on_discovered(now_us, out);
                }
            }
            GattEvent::MtuChanged { mtu } => {
                self.mtu = mtu.or(self.mtu);
                if self.pending == Pending::Mtu {
                    self.next_step(now_us, out);
                }
            }
            GattEvent::Subscribed {
                characteristic_uuid,
            } => {
                let u = parse_uuid(&characteristic_uuid);
                if let Pending::Subscribe { uuid, .. } = self.pending {
                    if Some(uuid) == u {
                        self.on_subscribed(uuid, now_us, out);
                    }
                }
            }
            GattEvent::ReadResult {
                characteristic_uuid,
                bytes,
            } => {
                let u = parse_uuid(&characteristic_uuid);
                if let Pending::Read(uuid) = self.pending {
                    if Some(uuid) == u {
                        self.on_read(uuid, Some(&bytes), now_us, out);
                    }
                }
            }
            GattEvent::WriteAcknowledged { .. } => match &mut self.pending {
                Pending::Command { acked, .. } => {
                    *acked = true;
                    self.try_finish_command(now_us, out);
                }
                Pending::StopWrite => self.next_stop_write(now_us, out),
                _ => {}
            },
            GattEvent::OperationFailed { reason, .. } => {
                self.on_operation_failed(reason, now_us, out)
            }
            GattEvent::Disconnected => match self.phase {
                Phase::Stopping => self.finish_stopped(false, out),
                Phase::Setup | Phase::Streaming | Phase::Connecting => {
                    self.lost("the link was lost", now_us, out)
                }
                _ => {}
            },
            GattEvent::TimedOut => self.on_timeout(now_us, out),
            GattEvent::StopRequested => self.on_stop(now_us, out),
        }
    }

    /// A notification or indication by numeric UUID (drivers that already hold one).
    pub fn on_value(
        &mut self,
        uuid: u128,
        bytes: &[u8],
        now_us: i64,
        out: &mut Vec<SessionOutput>,
    ) {
        if self.phase == Phase::Ended {
            return;
        }
        match self.router.push_uuid(uuid, bytes, now_us) {
            Ok(Routed::Batches(batches)) => {
                if uuid == self.data_uuid {
                    self.last_data_us = now_us;
                }
                out.extend(batches.into_iter().map(SessionOutput::Batch));
                if now_us - self.last_stats_us >= STATS_EVERY_US {
                    self.last_stats_us = now_us;
                    out.push(SessionOutput::Stats(self.router.stats()));
                }
            }
            Ok(Routed::Battery(level)) => out.push(SessionOutput::Battery(level)),
            Ok(Routed::ControlResponse(answer)) => {
                if let Pending::Command {
                    command,
                    answer: slot,
                    more,
                    ..
                } = &mut self.pending
                {
                    // An answer to another request (late, or duplicated) is not this one's.
                    if answer.get(1) == command.encode(&self.device).first() {
                        let follows = self.device.protocol == DeviceProtocol::PolarPmd
                            && answer.get(4).is_some_and(|m| *m != 0);
                        match slot {
                            // A Polar answer longer than one indication: each further frame repeats
                            // the 5-byte header, and its parameters continue the first one's.
                            Some(first) if *more => {
                                first.extend_from_slice(answer.get(5..).unwrap_or_default());
                                *more = follows;
                            }
                            Some(_) => {}
                            None => {
                                *slot = Some(answer);
                                *more = follows;
                            }
                        }
                        self.try_finish_command(now_us, out);
                    }
                }
            }
            Err(e) => {
                if uuid == self.data_uuid {
                    self.last_data_us = now_us;
                }
                tracing::debug!("rejected notification: {e}");
                out.push(SessionOutput::Rejected(e));
            }
        }
    }

    fn arm(&mut self, deadline_us: i64, out: &mut Vec<SessionOutput>) {
        self.deadline_us = Some(deadline_us);
        out.push(SessionOutput::Do(GattAction::WaitUntil { deadline_us }));
    }

    fn arm_response(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        let d = now_us.saturating_add(self.config.response_timeout_ms as i64 * 1000);
        self.arm(d, out);
    }

    fn connect(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        self.phase = Phase::Connecting;
        self.pending = Pending::Connect;
        out.push(SessionOutput::State(ConnectionState::Connecting));
        out.push(SessionOutput::Do(GattAction::Connect));
        let d = now_us.saturating_add(self.config.connect_timeout_ms as i64 * 1000);
        self.arm(d, out);
    }

    fn on_connected(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.phase = Phase::Setup;
        self.info = DeviceInfo::default();
        self.steps = self.dialogue();
        self.next_step(now_us, out);
    }

    /// The whole dialogue of a connect, in order.
    fn dialogue(&self) -> VecDeque<Step> {
        let mut steps = VecDeque::from([
            Step::Discover,
            Step::Mtu,
            Step::ReadInfo(protocol::MANUFACTURER_NAME_UUID16),
            Step::ReadInfo(protocol::MODEL_NUMBER_UUID16),
            Step::ReadInfo(protocol::FIRMWARE_REVISION_UUID16),
            Step::EmitInfo,
            Step::ReadBattery,
            Step::SubscribeBattery,
            // Every connect subscribes again: platforms do not restore subscriptions after a loss.
            Step::Subscribe {
                uuid: self.control_uuid,
                indications: true,
            },
            Step::Subscribe {
                uuid: self.data_uuid,
                indications: false,
            },
        ]);
        match self.device.protocol {
            DeviceProtocol::TwitchWatchV1 => steps.push_back(Step::Command(Command::TwStart)),
            DeviceProtocol::PolarPmd => {
                steps.push_back(Step::ReadFeatures);
                if needs_sdk_mode(&self.device) {
                    steps.push_back(Step::Command(Command::PolarSdkMode));
                }
                for (measurement, settings) in polar_starts(&self.device) {
                    steps.push_back(Step::Command(Command::PolarSettings(measurement)));
                    steps.push_back(Step::Command(Command::PolarStart {
                        measurement,
                        settings,
                        retried: false,
                    }));
                }
            }
        }
        steps
    }

    fn next_step(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        loop {
            let Some(step) = self.steps.pop_front() else {
                self.on_streaming(now_us, out);
                return;
            };
            match step {
                Step::Discover => {
                    self.pending = Pending::Discover;
                    out.push(SessionOutput::Do(GattAction::DiscoverServices {
                        service_uuid: uuid_string(self.service_uuid),
                    }));
                }
                Step::Mtu => {
                    self.pending = Pending::Mtu;
                    out.push(SessionOutput::Do(GattAction::RequestMtu {
                        mtu: self.config.mtu,
                    }));
                }
                Step::ReadInfo(short) => {
                    if !self.discovered.contains(&sig_uuid(short)) {
                        continue;
                    }
                    self.read(sig_uuid(short), out);
                }
                Step::EmitInfo => {
                    out.push(SessionOutput::DeviceInfo(self.info.clone()));
                    continue;
                }
                Step::ReadBattery => {
                    let battery = sig_uuid(protocol::BATTERY_LEVEL_UUID16);
                    if !self.discovered.contains(&battery) {
                        continue;
                    }
                    self.read(battery, out);
                }
                Step::SubscribeBattery => {
                    let battery = sig_uuid(protocol::BATTERY_LEVEL_UUID16);
                    if !self.discovered.contains(&battery) {
                        continue;
                    }
                    self.subscribe(battery, false, false, out);
                }
                Step::Subscribe { uuid, indications } => {
                    self.subscribe(uuid, indications, true, out)
                }
                Step::ReadFeatures => self.read(self.control_uuid, out),
                Step::Command(command) => {
                    self.pending = Pending::Command {
                        command,
                        acked: false,
                        answer: None,
                        more: false,
                    };
                    out.push(SessionOutput::Do(GattAction::Write {
                        characteristic_uuid: uuid_string(self.control_uuid),
                        bytes: command.encode(&self.device),
                        with_response: true,
                    }));
                }
            }
            self.arm_response(now_us, out);
            return;
        }
    }

    fn read(&mut self, uuid: u128, out: &mut Vec<SessionOutput>) {
        self.pending = Pending::Read(uuid);
        out.push(SessionOutput::Do(GattAction::Read {
            characteristic_uuid: uuid_string(uuid),
        }));
    }

    fn subscribe(
        &mut self,
        uuid: u128,
        indications: bool,
        required: bool,
        out: &mut Vec<SessionOutput>,
    ) {
        self.pending = Pending::Subscribe { uuid, required };
        out.push(SessionOutput::Do(GattAction::Subscribe {
            characteristic_uuid: uuid_string(uuid),
            indications,
        }));
    }

    fn on_discovered(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        if !self.discovered.contains(&self.control_uuid)
            || !self.discovered.contains(&self.data_uuid)
        {
            let what = match self.device.protocol {
                DeviceProtocol::TwitchWatchV1 => "TwitchWatch service",
                DeviceProtocol::PolarPmd => "Polar PMD service",
            };
            self.fail(
                SessionError::MissingGatt {
                    id: self.device.id.clone(),
                    what: what.into(),
                    protocol: self.device.protocol.as_str(),
                },
                out,
            );
            return;
        }
        out.push(SessionOutput::State(ConnectionState::Connected));
        self.next_step(now_us, out);
    }

    fn on_subscribed(&mut self, uuid: u128, now_us: i64, out: &mut Vec<SessionOutput>) {
        if uuid == self.data_uuid && std::mem::take(&mut self.pending_reconnect) {
            // The next frame re-anchors sequence and time; the gap counts as lost.
            self.router.note_reconnect();
        }
        self.next_step(now_us, out);
    }

    fn on_read(
        &mut self,
        uuid: u128,
        bytes: Option<&[u8]>,
        now_us: i64,
        out: &mut Vec<SessionOutput>,
    ) {
        let text = |b: &[u8]| Some(String::from_utf8_lossy(b).into_owned());
        match bytes {
            Some(b) if uuid == sig_uuid(protocol::MANUFACTURER_NAME_UUID16) => {
                self.info.manufacturer = text(b)
            }
            Some(b) if uuid == sig_uuid(protocol::MODEL_NUMBER_UUID16) => self.info.model = text(b),
            Some(b) if uuid == sig_uuid(protocol::FIRMWARE_REVISION_UUID16) => {
                self.info.firmware = text(b)
            }
            Some([level]) if uuid == sig_uuid(protocol::BATTERY_LEVEL_UUID16) && *level <= 100 => {
                out.push(SessionOutput::Battery(*level))
            }
            Some(b) if uuid == self.control_uuid => match PmdFeatures::parse(b) {
                Ok(features) => {
                    let mut wanted = vec![MeasurementType::Acc];
                    if self.device.with_gyro {
                        wanted.push(MeasurementType::Gyro);
                    }
                    if needs_sdk_mode(&self.device) {
                        wanted.push(MeasurementType::SdkMode);
                    }
                    if let Some(m) = wanted.into_iter().find(|m| !features.supports(*m)) {
                        self.fail(
                            PolarError::NotSupported {
                                measurement: m as u8,
                            }
                            .into(),
                            out,
                        );
                        return;
                    }
                }
                // Firmware that answers the read with something else still takes requests; the
                // start's own status tells what it cannot do.
                Err(e) => tracing::debug!("Polar feature read not understood: {e}"),
            },
            _ => {}
        }
        self.next_step(now_us, out);
    }

    fn on_operation_failed(&mut self, reason: String, now_us: i64, out: &mut Vec<SessionOutput>) {
        match self.pending.clone() {
            // Optional reads and the MTU request: carry on without them.
            Pending::Read(_)
            | Pending::Mtu
            | Pending::Subscribe {
                required: false, ..
            } => {
                tracing::debug!("optional GATT operation failed: {reason}");
                self.next_step(now_us, out);
            }
            Pending::StopWrite => self.next_stop_write(now_us, out),
            Pending::Nothing => {}
            // The link is still up: drop it, so the retry starts from a clean connection.
            _ => {
                out.push(SessionOutput::Do(GattAction::Disconnect));
                self.lost(&reason, now_us, out)
            }
        }
    }

    fn try_finish_command(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        let Pending::Command {
            command,
            acked: true,
            answer: Some(answer),
            more: false,
        } = &self.pending
        else {
            return;
        };
        let (command, answer) = (*command, answer.clone());
        self.pending = Pending::Nothing;
        if let Err(e) = self.on_answer(command, &answer) {
            self.fail(e, out);
            return;
        }
        self.next_step(now_us, out);
    }

    /// What a control-point answer means for the dialogue; `Err` ends the session.
    fn on_answer(&mut self, command: Command, answer: &[u8]) -> Result<(), SessionError> {
        match command {
            Command::TwStart => match protocol::decode_control_response(answer) {
                // Already streaming (a reconnect while the wearable kept going) is as good.
                Ok((_, ControlStatus::Success | ControlStatus::AlreadyInState)) => Ok(()),
                Ok((_, status)) => Err(SessionError::Refused { status }),
                Err(e) => Err(SessionError::MalformedResponse {
                    reason: e.to_string(),
                }),
            },
            Command::PolarSdkMode => match polar::parse_control_response(answer) {
                Ok(_) | Err(PolarError::AlreadyInState) => Ok(()),
                Err(e) => Err(e.into()),
            },
            Command::PolarSettings(_) => {
                let resp = polar::parse_control_response(answer)?;
                let rates = &resp.settings.sample_rates_hz;
                // An empty list says nothing; a list without our rate is a refusal before asking.
                if !rates.is_empty() && !rates.contains(&self.device.sample_rate_hz) {
                    return Err(PolarError::InvalidSampleRate.into());
                }
                Ok(())
            }
            Command::PolarStart {
                measurement,
                settings,
                retried,
            } => match polar::parse_control_response(answer) {
                Ok(resp) => {
                    if let Some(f) = resp.settings.factor {
                        self.router.set_polar_factor(measurement, f);
                    }
                    Ok(())
                }
                // A stream left running by an earlier session: stop it, then start again, once.
                Err(PolarError::AlreadyInState) if !retried => {
                    self.steps.push_front(Step::Command(Command::PolarStart {
                        measurement,
                        settings,
                        retried: true,
                    }));
                    self.steps
                        .push_front(Step::Command(Command::PolarRestartStop(
                            measurement,
                            settings,
                        )));
                    Ok(())
                }
                Err(e) => Err(e.into()),
            },
            Command::PolarRestartStop(..) => match polar::parse_control_response(answer) {
                Ok(_) | Err(PolarError::AlreadyInState) => Ok(()),
                Err(e) => Err(e.into()),
            },
        }
    }

    fn on_streaming(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        self.phase = Phase::Streaming;
        self.pending = Pending::Nothing;
        self.reconnect.on_streaming();
        self.last_data_us = now_us;
        out.push(SessionOutput::State(ConnectionState::Streaming));
        let d = now_us.saturating_add(self.config.data_timeout_ms as i64 * 1000);
        self.arm(d, out);
    }

    fn on_timeout(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        // A timer that fired early, or one replaced since, is not this deadline.
        match self.deadline_us {
            Some(d) if now_us >= d => {}
            _ => return,
        }
        self.deadline_us = None;
        match self.phase {
            Phase::Connecting => {
                out.push(SessionOutput::Do(GattAction::Disconnect));
                self.lost("connecting timed out", now_us, out);
            }
            Phase::Setup => match self.pending {
                // A peripheral that takes writes but never answers needs the user, not a retry.
                Pending::Command { .. } => self.fail(
                    SessionError::ControlPointTimeout {
                        after_ms: self.config.response_timeout_ms,
                    },
                    out,
                ),
                _ => {
                    out.push(SessionOutput::Do(GattAction::Disconnect));
                    self.lost("a GATT operation timed out", now_us, out);
                }
            },
            Phase::Streaming => {
                let silent_until = self
                    .last_data_us
                    .saturating_add(self.config.data_timeout_ms as i64 * 1000);
                if now_us >= silent_until {
                    tracing::info!(
                        "no data from {} for {} ms; reconnecting",
                        self.device.id,
                        self.config.data_timeout_ms
                    );
                    out.push(SessionOutput::Do(GattAction::Disconnect));
                    self.lost("the sensor went silent", now_us, out);
                } else {
                    self.arm(silent_until, out);
                }
            }
            Phase::Backoff => self.connect(now_us, out),
            Phase::Stopping => self.finish_stopped(true, out),
            Phase::Idle | Phase::Ended => {}
        }
    }

    /// A transient loss: count it, then retry after the back-off or give up.
    fn lost(&mut self, reason: &str, now_us: i64, out: &mut Vec<SessionOutput>) {
        tracing::info!("link to {} interrupted: {reason}", self.device.id);
        if matches!(self.phase, Phase::Setup | Phase::Streaming) {
            out.push(SessionOutput::Stats(self.router.stats()));
        }
        self.pending_reconnect = true;
        self.pending = Pending::Nothing;
        self.steps.clear();
        match self.reconnect.on_failure(reason) {
            ReconnectDecision::RetryIn { attempt, delay_ms } => {
                self.phase = Phase::Backoff;
                out.push(SessionOutput::State(ConnectionState::Reconnecting {
                    attempt,
                    retry_in_ms: delay_ms,
                }));
                self.arm(now_us.saturating_add(delay_ms as i64 * 1000), out);
            }
            ReconnectDecision::GiveUp { attempts, last } => {
                self.end_failed(SessionError::GaveUp { attempts, last }, out)
            }
        }
    }

    fn fail(&mut self, e: SessionError, out: &mut Vec<SessionOutput>) {
        out.push(SessionOutput::Do(GattAction::Disconnect));
        self.end_failed(e, out);
    }

    fn end_failed(&mut self, e: SessionError, out: &mut Vec<SessionOutput>) {
        self.phase = Phase::Ended;
        self.pending = Pending::Nothing;
        self.deadline_us = None;
        out.push(SessionOutput::Failed(e));
        out.push(SessionOutput::State(ConnectionState::Disconnected));
    }

    fn on_stop(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        match self.phase {
            Phase::Streaming => {
                // Leave the sensor idle, or the next session's start answers "already in state".
                self.phase = Phase::Stopping;
                self.stop_writes = self.profile().stop_commands.into();
                self.next_stop_write(now_us, out);
            }
            Phase::Stopping | Phase::Ended => {}
            Phase::Setup | Phase::Connecting => self.finish_stopped(true, out),
            Phase::Idle | Phase::Backoff => self.finish_stopped(false, out),
        }
    }

    fn next_stop_write(&mut self, now_us: i64, out: &mut Vec<SessionOutput>) {
        match self.stop_writes.pop_front() {
            Some(bytes) => {
                self.pending = Pending::StopWrite;
                out.push(SessionOutput::Do(GattAction::Write {
                    characteristic_uuid: uuid_string(self.control_uuid),
                    bytes,
                    with_response: true,
                }));
                self.arm_response(now_us, out);
            }
            None => self.finish_stopped(true, out),
        }
    }

    fn finish_stopped(&mut self, disconnect: bool, out: &mut Vec<SessionOutput>) {
        out.extend(self.router.flush().into_iter().map(SessionOutput::Batch));
        out.push(SessionOutput::Stats(self.router.stats()));
        if disconnect {
            out.push(SessionOutput::Do(GattAction::Disconnect));
        }
        self.phase = Phase::Ended;
        self.pending = Pending::Nothing;
        self.deadline_us = None;
        out.push(SessionOutput::State(ConnectionState::Disconnected));
        out.push(SessionOutput::Stopped);
    }
}
