//! The btleplug connection manager (feature `ble`): scan, connect, configure and stream the paired
//! wearable, with one long-lived notification stream per peripheral and reconnection after link loss.

use crate::polar::{self, ControlRequest, MeasurementType, PolarError};
use crate::protocol::{self, sig_uuid, ChannelSet, ControlCommand, ControlStatus};
use crate::shell::{polar_settings, Routed, ShellRouter};
use btleplug::api::{
    Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::stream::{Stream, StreamExt};
use futures::FutureExt;
use rand::Rng;
use std::pin::Pin;
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use twitchwatch_model::{ConnectionState, DeviceProtocol, PairedDevice, SensorBatch, StreamStats};
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum LinkError {
    #[error("no Bluetooth adapter found (is bluetoothd running and the adapter powered?)")]
    NoAdapter,
    #[error("Bluetooth adapter '{wanted}' not found; available: {available}")]
    AdapterNotFound { wanted: String, available: String },
    #[error("Bluetooth error: {0}")]
    Bluetooth(#[from] btleplug::Error),
    #[error(
        "device {id} not found within {waited_ms} ms of scanning (is it on, charged and in range?)"
    )]
    DeviceNotFound { id: String, waited_ms: u64 },
    #[error("device {id} has no {what}; it is not a {protocol} device")]
    MissingGatt {
        id: String,
        what: String,
        protocol: &'static str,
    },
    #[error("timed out after {after_ms} ms waiting for {what}: the peripheral does not answer")]
    Timeout { what: &'static str, after_ms: u64 },
    #[error("the wearable refused to start streaming: {0}")]
    Refused(String),
    #[error(transparent)]
    Polar(#[from] PolarError),
    #[error("the link was lost")]
    LinkLost,
    #[error("gave up after {attempts} reconnection attempts: {last}")]
    GaveUp { attempts: u32, last: String },
}

impl LinkError {
    /// Errors worth a reconnect; the rest (refusals, timeouts of a peripheral that never answers)
    /// need the user.
    fn is_transient(&self) -> bool {
        matches!(
            self,
            LinkError::Bluetooth(_) | LinkError::LinkLost | LinkError::DeviceNotFound { .. }
        )
    }
}

/// Timing and adapter choices for scanning and streaming.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Adapter name such as `hci0`; `None` uses the only adapter (errors if several, as their order
    /// changes from run to run).
    pub adapter: Option<String>,
    pub scan_timeout: Duration,
    pub connect_timeout: Duration,
    /// How long the control point may take to answer a command.
    pub response_timeout: Duration,
    /// Silence on the data characteristic after which the link is treated as lost.
    pub data_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// `None`: keep trying for ever.
    pub max_reconnect_attempts: Option<u32>,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            adapter: None,
            scan_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(15),
            response_timeout: Duration::from_secs(5),
            data_timeout: Duration::from_secs(5),
            backoff_initial: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
            max_reconnect_attempts: None,
        }
    }
}

/// One device seen while scanning.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanResult {
    pub id: String,
    pub name: String,
    pub rssi: Option<i16>,
    /// From advertised 0x180F service data, when the device sends it.
    pub battery_percent: Option<u8>,
    pub protocol: DeviceProtocol,
}

/// Device Information service strings, read on every connect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceInfo {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
}

/// What a streaming session reports to its shell.
#[derive(Debug)]
pub enum LinkEvent {
    State(ConnectionState),
    Batch(SensorBatch),
    Battery(u8),
    DeviceInfo(DeviceInfo),
    /// A notification that failed validation (already counted in the stats).
    Rejected(String),
    Stats(StreamStats),
    /// The session ended for good; no events follow.
    Failed(LinkError),
}

fn uuid(u: u128) -> Uuid {
    Uuid::from_u128(u)
}

/// The id we store for a peripheral: its address where the platform exposes one.
pub fn peripheral_id(p: &Peripheral) -> String {
    let addr = p.address();
    if addr == btleplug::api::BDAddr::default() {
        p.id().to_string()
    } else {
        addr.to_string()
    }
}

/// Picks the adapter by name (`hci0`), or the only one.
pub async fn adapter(manager: &Manager, name: Option<&str>) -> Result<Adapter, LinkError> {
    let adapters = manager.adapters().await?;
    let mut named = Vec::new();
    for a in adapters {
        let info = a.adapter_info().await.unwrap_or_default();
        named.push((info, a));
    }
    match name {
        Some(wanted) => {
            let available = named
                .iter()
                .map(|(i, _)| i.clone())
                .collect::<Vec<_>>()
                .join(", ");
            named
                .into_iter()
                .find(|(info, _)| info.split_whitespace().next() == Some(wanted) || info == wanted)
                .map(|(_, a)| a)
                .ok_or(LinkError::AdapterNotFound {
                    wanted: wanted.to_string(),
                    available,
                })
        }
        None => {
            if named.len() > 1 {
                let available = named
                    .iter()
                    .map(|(i, _)| i.clone())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(LinkError::AdapterNotFound {
                    wanted: "(none given; several present, choose one)".into(),
                    available,
                });
            }
            named.pop().map(|(_, a)| a).ok_or(LinkError::NoAdapter)
        }
    }
}

async fn classify(p: &Peripheral) -> Option<ScanResult> {
    let props = p.properties().await.ok().flatten()?;
    let name = props.local_name.clone().unwrap_or_default();
    let protocol = if props.services.contains(&uuid(protocol::SERVICE_UUID)) {
        DeviceProtocol::TwitchWatchV1
    } else if props.services.contains(&uuid(polar::PMD_SERVICE_UUID))
        || name.starts_with(polar::POLAR_NAME_PREFIX)
    {
        DeviceProtocol::PolarPmd
    } else {
        return None;
    };
    let battery_percent = props
        .service_data
        .get(&uuid(sig_uuid(protocol::BATTERY_SERVICE_UUID16)))
        .and_then(|v| v.first().copied())
        .filter(|b| *b <= 100);
    Some(ScanResult {
        id: peripheral_id(p),
        name,
        rssi: props.rssi,
        battery_percent,
        protocol,
    })
}

/// Scans for `duration` and returns the TwitchWatch and Polar devices seen, strongest first.
pub async fn scan(config: &LinkConfig, duration: Duration) -> Result<Vec<ScanResult>, LinkError> {
    let manager = Manager::new().await?;
    let central = adapter(&manager, config.adapter.as_deref()).await?;
    central.start_scan(scan_filter()).await?;
    tokio::time::sleep(duration).await;
    let _ = central.stop_scan().await;
    let mut out = Vec::new();
    for p in central.peripherals().await? {
        if let Some(r) = classify(&p).await {
            out.push(r);
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.rssi.unwrap_or(i16::MIN)));
    Ok(out)
}

fn scan_filter() -> ScanFilter {
    // Polar advertises heart rate, not PMD: filter on both and confirm by name.
    ScanFilter {
        services: vec![
            uuid(protocol::SERVICE_UUID),
            uuid(sig_uuid(0x180D)),
            uuid(polar::PMD_SERVICE_UUID),
        ],
    }
}

/// Finds the peripheral with `id`, scanning until it appears or the scan times out.
async fn find(
    central: &Adapter,
    events: &mut CentralEvents,
    id: &str,
    timeout: Duration,
) -> Result<Peripheral, LinkError> {
    let matches = |p: &Peripheral| peripheral_id(p).eq_ignore_ascii_case(id);
    if let Some(p) = central.peripherals().await?.into_iter().find(matches) {
        return Ok(p);
    }
    central.start_scan(scan_filter()).await?;
    let started = Instant::now();
    let found = tokio::time::timeout(timeout, async {
        while let Some(ev) = events.next().await {
            if let CentralEvent::DeviceDiscovered(pid) | CentralEvent::DeviceUpdated(pid) = ev {
                if let Ok(p) = central.peripheral(&pid).await {
                    if matches(&p) {
                        return Some(p);
                    }
                }
            }
        }
        None
    })
    .await;
    let _ = central.stop_scan().await;
    match found {
        Ok(Some(p)) => Ok(p),
        _ => Err(LinkError::DeviceNotFound {
            id: id.to_string(),
            waited_ms: started.elapsed().as_millis() as u64,
        }),
    }
}

/// A running stream from the paired device; dropping it stops the task.
pub struct LinkSession {
    events: mpsc::Receiver<LinkEvent>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl LinkSession {
    /// Starts streaming `device` on the current tokio runtime. Events arrive through `next_event`.
    pub fn start(device: PairedDevice, config: LinkConfig) -> Self {
        let (tx, events) = mpsc::channel(1024);
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let result = run_session(&device, &config, &tx, stop_rx).await;
            if let Err(e) = result {
                let _ = tx.send(LinkEvent::Failed(e)).await;
            }
            let _ = tx
                .send(LinkEvent::State(ConnectionState::Disconnected))
                .await;
        });
        Self {
            events,
            stop,
            task: Some(task),
        }
    }

    pub async fn next_event(&mut self) -> Option<LinkEvent> {
        self.events.recv().await
    }

    /// Asks the device to stop streaming, disconnects, and waits for the task to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

type Notifications = Pin<Box<dyn Stream<Item = btleplug::api::ValueNotification> + Send>>;
type CentralEvents = Pin<Box<dyn Stream<Item = CentralEvent> + Send>>;

async fn run_session(
    device: &PairedDevice,
    config: &LinkConfig,
    tx: &mpsc::Sender<LinkEvent>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), LinkError> {
    let send = |e: LinkEvent| async move {
        let _ = tx.send(e).await;
    };
    let manager = Manager::new().await?;
    let central = adapter(&manager, config.adapter.as_deref()).await?;
    // One adapter event stream for the whole session: it tells us about disconnects.
    let mut central_events = central.events().await?;
    let mut router = ShellRouter::new(device);
    // One peripheral handle and one notification stream for the whole session (see the notes).
    let mut peripheral: Option<(Peripheral, Notifications)> = None;
    let mut attempt: u32 = 0;
    // Set by a link loss, cleared once the decoder has been told about the reconnect.
    let mut pending_reconnect = false;
    let mut last_error;
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        send(LinkEvent::State(ConnectionState::Connecting)).await;
        let result = async {
            if peripheral.is_none() {
                let p = find(
                    &central,
                    &mut central_events,
                    &device.id,
                    config.scan_timeout,
                )
                .await?;
                let n = p.notifications().await?;
                peripheral = Some((p, n));
            }
            let Some((p, notes)) = peripheral.as_mut() else {
                return Err(LinkError::LinkLost);
            };
            connect_and_stream(
                p,
                notes,
                &mut central_events,
                &mut router,
                device,
                config,
                tx,
                &mut stop,
                &mut pending_reconnect,
                &mut attempt,
            )
            .await
        }
        .await;
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.is_transient() => {
                pending_reconnect = true;
                last_error = e.to_string();
                tracing::info!("link to {} interrupted: {e}", device.id);
            }
            Err(e) => {
                if let Some((p, _)) = peripheral.as_ref() {
                    let _ = p.disconnect().await;
                }
                return Err(e);
            }
        }
        attempt += 1;
        if config.max_reconnect_attempts.is_some_and(|m| attempt > m) {
            return Err(LinkError::GaveUp {
                attempts: attempt - 1,
                last: last_error,
            });
        }
        let retry_in = backoff(config, attempt);
        send(LinkEvent::State(ConnectionState::Reconnecting {
            attempt,
            retry_in_ms: retry_in.as_millis() as u64,
        }))
        .await;
        tokio::select! {
            _ = tokio::time::sleep(retry_in) => {}
            _ = stop.changed() => return Ok(()),
        }
    }
}

/// Exponential back-off with jitter: base·2^(attempt-1), capped, then scaled by 0.5..=1.0 so that
/// many phones do not retry in step.
fn backoff(config: &LinkConfig, attempt: u32) -> Duration {
    let exp = config
        .backoff_initial
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(config.backoff_max);
    capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

fn find_char(p: &Peripheral, u: u128) -> Option<Characteristic> {
    p.characteristics().into_iter().find(|c| c.uuid == uuid(u))
}

/// Connects (if needed), configures and streams until `stop` turns true (`Ok`) or the link fails.
#[allow(clippy::too_many_arguments)]
async fn connect_and_stream(
    p: &Peripheral,
    notes: &mut Notifications,
    central_events: &mut CentralEvents,
    router: &mut ShellRouter,
    device: &PairedDevice,
    config: &LinkConfig,
    tx: &mpsc::Sender<LinkEvent>,
    stop: &mut watch::Receiver<bool>,
    pending_reconnect: &mut bool,
    attempt: &mut u32,
) -> Result<(), LinkError> {
    let send = |e: LinkEvent| async move {
        let _ = tx.send(e).await;
    };
    if !p.is_connected().await.unwrap_or(false) {
        match tokio::time::timeout(config.connect_timeout, p.connect()).await {
            Ok(r) => r?,
            Err(_) => {
                let _ = p.disconnect().await;
                return Err(LinkError::LinkLost);
            }
        }
    }
    p.discover_services().await?;
    send(LinkEvent::State(ConnectionState::Connected)).await;
    let (control_uuid, data_uuid, what) = match device.protocol {
        DeviceProtocol::TwitchWatchV1 => (
            protocol::CONTROL_POINT_UUID,
            protocol::DATA_UUID,
            "TwitchWatch service",
        ),
        DeviceProtocol::PolarPmd => (
            polar::PMD_CONTROL_POINT_UUID,
            polar::PMD_DATA_UUID,
            "Polar PMD service",
        ),
    };
    let missing = || LinkError::MissingGatt {
        id: device.id.clone(),
        what: what.to_string(),
        protocol: device.protocol.as_str(),
    };
    let control = find_char(p, control_uuid).ok_or_else(missing)?;
    let data = find_char(p, data_uuid).ok_or_else(missing)?;

    let mut info = DeviceInfo::default();
    for (u, slot) in [
        (protocol::MANUFACTURER_NAME_UUID16, &mut info.manufacturer),
        (protocol::MODEL_NUMBER_UUID16, &mut info.model),
        (protocol::FIRMWARE_REVISION_UUID16, &mut info.firmware),
    ] {
        if let Some(c) = find_char(p, sig_uuid(u)) {
            if let Ok(bytes) = p.read(&c).await {
                *slot = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    send(LinkEvent::DeviceInfo(info)).await;
    if let Some(c) = find_char(p, sig_uuid(protocol::BATTERY_LEVEL_UUID16)) {
        if let Ok([level]) = p.read(&c).await.as_deref() {
            send(LinkEvent::Battery(*level)).await;
        }
        let _ = p.subscribe(&c).await;
    }
    // btleplug does not resubscribe after a reconnect: we do, every time.
    p.subscribe(&control).await?;
    p.subscribe(&data).await?;
    if std::mem::take(pending_reconnect) {
        router.note_reconnect();
    }

    // Batches that arrive while we wait for the control point are kept, not lost.
    let mut early: Vec<LinkEvent> = Vec::new();
    match device.protocol {
        DeviceProtocol::TwitchWatchV1 => {
            let cmd = ControlCommand::Start {
                sample_rate_hz: device.sample_rate_hz,
                channels: if device.with_gyro {
                    ChannelSet::ACCEL_GYRO
                } else {
                    ChannelSet::ACCEL
                },
            };
            let reply = command(
                p,
                notes,
                router,
                &control,
                &cmd.encode(),
                config,
                &mut early,
            )
            .await?;
            match protocol::decode_control_response(&reply) {
                Ok((_, ControlStatus::Success)) | Ok((_, ControlStatus::AlreadyInState)) => {}
                Ok((_, status)) => return Err(LinkError::Refused(status.describe())),
                Err(e) => return Err(LinkError::Refused(e.to_string())),
            }
        }
        DeviceProtocol::PolarPmd => {
            let (acc, gyro) = polar_settings(device);
            if acc.sample_rate_hz != 52 {
                let reply = command(
                    p,
                    notes,
                    router,
                    &control,
                    &ControlRequest::StartSdkMode.encode(),
                    config,
                    &mut early,
                )
                .await?;
                match polar::parse_control_response(&reply) {
                    Ok(_) | Err(PolarError::AlreadyInState) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let mut starts = vec![
                (MeasurementType::Gyro, gyro),
                (MeasurementType::Acc, Some(acc)),
            ];
            starts.retain(|(_, s)| s.is_some());
            for (measurement, settings) in starts.into_iter() {
                let Some(settings) = settings else { continue };
                let req = ControlRequest::Start {
                    measurement,
                    settings,
                };
                let mut reply = command(
                    p,
                    notes,
                    router,
                    &control,
                    &req.encode(),
                    config,
                    &mut early,
                )
                .await?;
                if let Err(PolarError::AlreadyInState) = polar::parse_control_response(&reply) {
                    // A stream left running by an earlier session: stop it, then start again.
                    command(
                        p,
                        notes,
                        router,
                        &control,
                        &ControlRequest::Stop(measurement).encode(),
                        config,
                        &mut early,
                    )
                    .await?;
                    reply = command(
                        p,
                        notes,
                        router,
                        &control,
                        &req.encode(),
                        config,
                        &mut early,
                    )
                    .await?;
                }
                let resp = polar::parse_control_response(&reply)?;
                if let Some(f) = resp.settings.factor {
                    router.set_polar_factor(measurement, f);
                }
            }
        }
    }
    send(LinkEvent::State(ConnectionState::Streaming)).await;
    // Back-off starts again from the shortest delay at the next loss.
    *attempt = 0;
    for e in early {
        send(e).await;
    }

    // Adapter events queued while connecting (e.g. the disconnect of a failed attempt) are stale now.
    while let Some(Some(_)) = central_events.next().now_or_never() {}
    if !p.is_connected().await.unwrap_or(false) {
        return Err(LinkError::LinkLost);
    }
    let peripheral_pid = p.id();
    let mut last_data = Instant::now();
    let mut last_stats = Instant::now();
    loop {
        let silence_left = config.data_timeout.saturating_sub(last_data.elapsed());
        tokio::select! {
            n = notes.next() => {
                let Some(n) = n else { return Err(LinkError::LinkLost) };
                if n.uuid == uuid(data_uuid) {
                    last_data = Instant::now();
                }
                for e in route(router, n.uuid, &n.value) {
                    send(e).await;
                }
                if last_stats.elapsed() > Duration::from_secs(1) {
                    last_stats = Instant::now();
                    send(LinkEvent::Stats(router.stats())).await;
                }
            }
            ev = central_events.next() => {
                match ev {
                    Some(CentralEvent::DeviceDisconnected(pid)) if pid == peripheral_pid => {
                        send(LinkEvent::Stats(router.stats())).await;
                        return Err(LinkError::LinkLost);
                    }
                    Some(_) => {}
                    None => return Err(LinkError::LinkLost),
                }
            }
            _ = tokio::time::sleep(silence_left) => {
                tracing::info!("no data from {} for {:?}; reconnecting", device.id, config.data_timeout);
                let _ = p.disconnect().await;
                return Err(LinkError::LinkLost);
            }
            _ = stop.changed() => {
                // Leave the sensor idle, or the next session's start answers "already in state".
                let stop_cmds = match device.protocol {
                    DeviceProtocol::TwitchWatchV1 => vec![ControlCommand::Stop.encode()],
                    DeviceProtocol::PolarPmd => {
                        let mut cmds = vec![ControlRequest::Stop(MeasurementType::Acc).encode()];
                        if device.with_gyro {
                            cmds.push(ControlRequest::Stop(MeasurementType::Gyro).encode());
                        }
                        if device.sample_rate_hz != 52 {
                            cmds.push(ControlRequest::Stop(MeasurementType::SdkMode).encode());
                        }
                        cmds
                    }
                };
                for cmd in stop_cmds {
                    let _ = p.write(&control, &cmd, WriteType::WithResponse).await;
                }
                for b in router.flush() {
                    send(LinkEvent::Batch(b)).await;
                }
                send(LinkEvent::Stats(router.stats())).await;
                let _ = p.disconnect().await;
                return Ok(());
            }
        }
    }
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn route(router: &mut ShellRouter, u: Uuid, bytes: &[u8]) -> Vec<LinkEvent> {
    match router.push_uuid(u.as_u128(), bytes, now_us()) {
        Ok(Routed::Batches(b)) => b.into_iter().map(LinkEvent::Batch).collect(),
        Ok(Routed::Battery(level)) => vec![LinkEvent::Battery(level)],
        // A late indication (e.g. to a stop): nobody waits for it any more.
        Ok(Routed::ControlResponse(_)) => Vec::new(),
        Err(e) => {
            tracing::debug!("rejected notification: {e}");
            vec![LinkEvent::Rejected(e.to_string())]
        }
    }
}

/// Writes a control-point command and waits for its indication, routing other notifications.
async fn command(
    p: &Peripheral,
    notes: &mut Notifications,
    router: &mut ShellRouter,
    control: &Characteristic,
    bytes: &[u8],
    config: &LinkConfig,
    early: &mut Vec<LinkEvent>,
) -> Result<Vec<u8>, LinkError> {
    p.write(control, bytes, WriteType::WithResponse).await?;
    let deadline = tokio::time::Instant::now() + config.response_timeout;
    loop {
        let next = tokio::time::timeout_at(deadline, notes.next()).await;
        match next {
            Err(_) => {
                return Err(LinkError::Timeout {
                    what: "the control point to answer",
                    after_ms: config.response_timeout.as_millis() as u64,
                })
            }
            Ok(None) => return Err(LinkError::LinkLost),
            Ok(Some(n)) if n.uuid == control.uuid => return Ok(n.value),
            Ok(Some(n)) => early.extend(route(router, n.uuid, &n.value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let config = LinkConfig::default();
        for attempt in 1..20 {
            let b = backoff(&config, attempt);
            let ceiling = config
                .backoff_initial
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(config.backoff_max);
            assert!(b <= ceiling && b >= ceiling / 2, "attempt {attempt}: {b:?}");
        }
        assert!(backoff(&config, 1) <= Duration::from_millis(200));
    }
}
