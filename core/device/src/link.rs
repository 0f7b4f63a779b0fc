//! The btleplug transport (feature `ble`): scanning, and a driver that performs the shared
//! `GattSession`'s actions on one peripheral with one long-lived notification stream.

use crate::polar::{self, PolarError};
use crate::protocol::{self, sig_uuid, uuid_string};
use crate::session::{
    GattAction, GattEvent, GattSession, ReconnectPolicy, SessionConfig, SessionError, SessionOutput,
};
use btleplug::api::{
    Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::stream::{Stream, StreamExt};
use futures::FutureExt;
use std::collections::VecDeque;
use std::pin::Pin;
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use twitchwatch_model::{
    ConnectionState, DeviceProtocol, DiscoveredDevice, PairedDevice, SensorBatch, StreamStats,
};

pub use crate::session::DeviceInfo;
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

impl From<SessionError> for LinkError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::MissingGatt { id, what, protocol } => {
                LinkError::MissingGatt { id, what, protocol }
            }
            SessionError::ControlPointTimeout { after_ms } => LinkError::Timeout {
                what: "the control point to answer",
                after_ms,
            },
            SessionError::Refused { status } => LinkError::Refused(status.describe()),
            SessionError::MalformedResponse { reason } => LinkError::Refused(reason),
            SessionError::Polar(e) => LinkError::Polar(e),
            SessionError::GaveUp { attempts, last } => LinkError::GaveUp { attempts, last },
        }
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
    /// Events waiting for the app. When the app falls this far behind, further batches are dropped
    /// and counted (`StreamStats::samples_dropped_backlog`) rather than the link ceasing to read,
    /// which would only move the pile of notifications into the Bluetooth stack, without a bound.
    pub event_queue_len: usize,
}

impl LinkConfig {
    /// The session's timing: the link scans and connects with its own timeouts, so the session's
    /// connect deadline is only a backstop behind both.
    pub fn session_config(&self) -> SessionConfig {
        let ms = |d: Duration| d.as_millis().min(u128::from(u64::MAX)) as u64;
        SessionConfig {
            connect_timeout_ms: ms(self.scan_timeout + self.connect_timeout) + 5_000,
            response_timeout_ms: ms(self.response_timeout),
            data_timeout_ms: ms(self.data_timeout),
            reconnect: ReconnectPolicy {
                initial_delay_ms: ms(self.backoff_initial),
                max_delay_ms: ms(self.backoff_max),
                max_attempts: self.max_reconnect_attempts,
            },
            jitter_seed: rand::random(),
            ..SessionConfig::default()
        }
    }
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
            event_queue_len: 1024,
        }
    }
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

async fn classify(p: &Peripheral) -> Option<DiscoveredDevice> {
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
    Some(DiscoveredDevice {
        id: peripheral_id(p),
        name,
        rssi: props.rssi,
        battery_percent,
        protocol,
    })
}

/// Scans for `duration` and returns the TwitchWatch and Polar devices seen, strongest first.
pub async fn scan(
    config: &LinkConfig,
    duration: Duration,
) -> Result<Vec<DiscoveredDevice>, LinkError> {
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
        let (tx, events) = mpsc::channel(config.event_queue_len.max(2));
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

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn find_char(p: &Peripheral, u: u128) -> Option<Characteristic> {
    p.characteristics().into_iter().find(|c| c.uuid == uuid(u))
}

/// The peripheral and its notification stream, kept for the whole session: bluez-async leaks a
/// match rule when a stream is dropped while data flows (see the notes).
struct Radio<'a> {
    central: &'a Adapter,
    central_events: CentralEvents,
    config: &'a LinkConfig,
    device_id: &'a str,
    peripheral: Option<(Peripheral, Notifications)>,
}

impl Radio<'_> {
    /// Performs one action and says what happened, if anything is to be said.
    async fn perform(&mut self, action: GattAction) -> Option<GattEvent> {
        let failed = |uuid: Option<&str>, e: &dyn std::fmt::Display| GattEvent::OperationFailed {
            characteristic_uuid: uuid.map(str::to_string),
            reason: e.to_string(),
        };
        let characteristic =
            |p: &Peripheral, text: &str| protocol::parse_uuid(text).and_then(|u| find_char(p, u));
        match action {
            GattAction::Connect => Some(match self.connect().await {
                Ok(()) => GattEvent::Connected,
                Err(e) => GattEvent::ConnectFailed {
                    reason: e.to_string(),
                },
            }),
            GattAction::DiscoverServices { .. } => {
                let (p, _) = self.peripheral.as_ref()?;
                Some(match p.discover_services().await {
                    Ok(()) => GattEvent::ServicesDiscovered {
                        characteristic_uuids: p
                            .characteristics()
                            .iter()
                            .map(|c| uuid_string(c.uuid.as_u128()))
                            .collect(),
                    },
                    Err(e) => failed(None, &e),
                })
            }
            // BlueZ negotiates the MTU by itself and btleplug does not expose it.
            GattAction::RequestMtu { .. } => Some(GattEvent::MtuChanged { mtu: None }),
            GattAction::Read {
                characteristic_uuid,
            } => {
                let (p, _) = self.peripheral.as_ref()?;
                let Some(c) = characteristic(p, &characteristic_uuid) else {
                    return Some(failed(Some(&characteristic_uuid), &"not discovered"));
                };
                Some(match p.read(&c).await {
                    Ok(bytes) => GattEvent::ReadResult {
                        characteristic_uuid,
                        bytes,
                    },
                    Err(e) => failed(Some(&characteristic_uuid), &e),
                })
            }
            GattAction::Subscribe {
                characteristic_uuid,
                ..
            } => {
                let (p, _) = self.peripheral.as_ref()?;
                let Some(c) = characteristic(p, &characteristic_uuid) else {
                    return Some(failed(Some(&characteristic_uuid), &"not discovered"));
                };
                Some(match p.subscribe(&c).await {
                    Ok(()) => GattEvent::Subscribed {
                        characteristic_uuid,
                    },
                    Err(e) => failed(Some(&characteristic_uuid), &e),
                })
            }
            GattAction::Write {
                characteristic_uuid,
                bytes,
                with_response,
            } => {
                let (p, _) = self.peripheral.as_ref()?;
                let Some(c) = characteristic(p, &characteristic_uuid) else {
                    return Some(failed(Some(&characteristic_uuid), &"not discovered"));
                };
                let kind = if with_response {
                    WriteType::WithResponse
                } else {
                    WriteType::WithoutResponse
                };
                Some(match p.write(&c, &bytes, kind).await {
                    Ok(()) => GattEvent::WriteAcknowledged {
                        characteristic_uuid,
                    },
                    Err(e) => failed(Some(&characteristic_uuid), &e),
                })
            }
            GattAction::Disconnect => {
                if let Some((p, _)) = self.peripheral.as_ref() {
                    let _ = p.disconnect().await;
                }
                None
            }
            // The driver loop keeps the timer.
            GattAction::WaitUntil { .. } => None,
        }
    }

    async fn connect(&mut self) -> Result<(), LinkError> {
        if self.peripheral.is_none() {
            let p = find(
                self.central,
                &mut self.central_events,
                self.device_id,
                self.config.scan_timeout,
            )
            .await?;
            let n = p.notifications().await?;
            self.peripheral = Some((p, n));
        }
        let Some((p, _)) = self.peripheral.as_ref() else {
            return Err(LinkError::LinkLost);
        };
        if !p.is_connected().await.unwrap_or(false) {
            match tokio::time::timeout(self.config.connect_timeout, p.connect()).await {
                Ok(r) => r?,
                Err(_) => {
                    let _ = p.disconnect().await;
                    return Err(LinkError::LinkLost);
                }
            }
        }
        // Adapter events queued while connecting (the disconnect of a failed attempt) are stale now.
        while let Some(Some(_)) = self.central_events.next().now_or_never() {}
        Ok(())
    }
}

/// Batches on their way to the app: the queue may fill with them only up to a reserve kept for the
/// rarer events (state, battery), and what finds no room is dropped and counted.
struct Backlog {
    reserve: usize,
    dropped_samples: u64,
    /// Samples dropped since the last batch delivered, reported as lost before the next one.
    lost_since_delivered: u64,
}

impl Backlog {
    fn new(capacity: usize) -> Self {
        Self {
            reserve: (capacity / 16).max(1),
            dropped_samples: 0,
            lost_since_delivered: 0,
        }
    }

    fn offer(&mut self, tx: &mpsc::Sender<LinkEvent>, mut batch: SensorBatch) {
        let lost = u64::from(batch.samples_lost_before).saturating_add(self.lost_since_delivered);
        batch.samples_lost_before = lost.min(u64::from(u32::MAX)) as u32;
        if tx.capacity() > self.reserve {
            match tx.try_send(LinkEvent::Batch(batch)) {
                Ok(()) => {
                    self.lost_since_delivered = 0;
                    return;
                }
                Err(mpsc::error::TrySendError::Full(LinkEvent::Batch(b)))
                | Err(mpsc::error::TrySendError::Closed(LinkEvent::Batch(b))) => batch = b,
                Err(_) => return,
            }
        }
        let n = batch.len() as u64;
        self.dropped_samples = self.dropped_samples.saturating_add(n);
        self.lost_since_delivered = u64::from(batch.samples_lost_before).saturating_add(n);
        tracing::debug!(
            samples = n,
            "the app fell behind the stream; a batch was dropped"
        );
    }
}

/// Drives one `GattSession` over btleplug until it stops or fails.
async fn run_session(
    device: &PairedDevice,
    config: &LinkConfig,
    tx: &mpsc::Sender<LinkEvent>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), LinkError> {
    let manager = Manager::new().await?;
    let central = adapter(&manager, config.adapter.as_deref()).await?;
    // One adapter event stream for the whole session: it tells us about disconnects.
    let central_events = central.events().await?;
    let mut radio = Radio {
        central: &central,
        central_events,
        config,
        device_id: &device.id,
        peripheral: None,
    };
    let mut session = GattSession::new(device, config.session_config());
    let mut out = session.start(now_us());
    let mut actions: VecDeque<GattAction> = VecDeque::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut failure: Option<LinkError> = None;
    let mut central_ended = false;
    let mut backlog = Backlog::new(tx.max_capacity());
    loop {
        for o in out.drain(..) {
            let event = match o {
                SessionOutput::Do(GattAction::WaitUntil { deadline_us }) => {
                    let wait_us = deadline_us.saturating_sub(now_us()).max(0) as u64;
                    deadline = Some(tokio::time::Instant::now() + Duration::from_micros(wait_us));
                    continue;
                }
                SessionOutput::Do(a) => {
                    actions.push_back(a);
                    continue;
                }
                SessionOutput::Failed(e) => {
                    failure = Some(e.into());
                    continue;
                }
                // The task says Disconnected once, after the last action.
                SessionOutput::State(ConnectionState::Disconnected) | SessionOutput::Stopped => {
                    continue
                }
                SessionOutput::State(s) => LinkEvent::State(s),
                SessionOutput::Batch(b) => {
                    backlog.offer(tx, b);
                    continue;
                }
                SessionOutput::Stats(mut s) => {
                    s.samples_dropped_backlog = backlog.dropped_samples;
                    // A newer count follows; one that finds no room is not worth waiting for.
                    let _ = tx.try_send(LinkEvent::Stats(s));
                    continue;
                }
                SessionOutput::Battery(level) => LinkEvent::Battery(level),
                SessionOutput::DeviceInfo(info) => LinkEvent::DeviceInfo(info),
                SessionOutput::Rejected(e) => LinkEvent::Rejected(e.to_string()),
            };
            let _ = tx.send(event).await;
        }
        if let Some(action) = actions.pop_front() {
            if let Some(event) = radio.perform(action).await {
                session.handle_into(event, now_us(), &mut out);
            }
            continue;
        }
        if session.is_finished() {
            return failure.map_or(Ok(()), Err);
        }
        let event = {
            let notes = async {
                match radio.peripheral.as_mut() {
                    Some((_, n)) => n.next().await,
                    None => std::future::pending().await,
                }
            };
            let central = radio.central_events.next();
            let timer = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                n = notes => Wake::Note(n),
                ev = central, if !central_ended => Wake::Central(ev),
                _ = timer => Wake::Timer,
                _ = stop.changed() => Wake::Stop,
            }
        };
        match event {
            Wake::Note(Some(n)) => session.on_value(n.uuid.as_u128(), &n.value, now_us(), &mut out),
            Wake::Note(None) => {
                // The stream ended: the next connect finds the peripheral again.
                radio.peripheral = None;
                session.handle_into(GattEvent::Disconnected, now_us(), &mut out);
            }
            Wake::Central(Some(CentralEvent::DeviceDisconnected(pid))) => {
                let ours = radio.peripheral.as_ref().map(|(p, _)| p.id()) == Some(pid);
                let still_up = match radio.peripheral.as_ref() {
                    Some((p, _)) if ours => p.is_connected().await.unwrap_or(false),
                    _ => true,
                };
                // A late event of an earlier attempt is not this connection's loss.
                if ours && !still_up {
                    session.handle_into(GattEvent::Disconnected, now_us(), &mut out);
                }
            }
            Wake::Central(Some(_)) => {}
            Wake::Central(None) => {
                // No more adapter events: losses still show as silence or failed operations.
                central_ended = true;
                session.handle_into(GattEvent::Disconnected, now_us(), &mut out);
            }
            Wake::Timer => {
                deadline = None;
                session.handle_into(GattEvent::TimedOut, now_us(), &mut out);
            }
            Wake::Stop => session.handle_into(GattEvent::StopRequested, now_us(), &mut out),
        }
    }
}

enum Wake {
    Note(Option<btleplug::api::ValueNotification>),
    Central(Option<CentralEvent>),
    Timer,
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionError;

    #[test]
    fn session_errors_keep_their_meaning_on_the_link() {
        let e: LinkError = SessionError::ControlPointTimeout { after_ms: 2000 }.into();
        assert!(matches!(e, LinkError::Timeout { after_ms: 2000, .. }));
        assert!(e.to_string().contains("control point"), "{e}");
        let e: LinkError = SessionError::Refused {
            status: protocol::ControlStatus::LowBattery,
        }
        .into();
        assert!(e.to_string().contains("battery"), "{e}");
        let e: LinkError = SessionError::Polar(PolarError::DeviceInCharger).into();
        assert!(e.to_string().contains("charger"), "{e}");
        let config = LinkConfig::default().session_config();
        assert_eq!(config.reconnect.initial_delay_ms, 200);
        assert_eq!(config.reconnect.max_delay_ms, 2000);
    }
}
