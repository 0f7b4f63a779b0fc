//! `PhoneGattSession`: the core's sans-IO GATT session with the paired wearable, for shells that run
//! the platform's own Bluetooth (Android `BluetoothGatt`, iOS CoreBluetooth). The shell performs the
//! actions it is handed and feeds back every callback; batches go into the monitor of its `TwitchWatch`.
//!
//! The events and actions are the core's own types (`twitchwatch_device::session`), derived in place.

use std::sync::{Arc, Mutex};

use twitchwatch_device::protocol::parse_uuid;
use twitchwatch_device::session::{
    GattAction, GattEvent, GattSession, SessionConfig, SessionOutput,
};
use twitchwatch_model::{PairedDevice, StreamStats};
use twitchwatch_store::sync::lock;

use crate::error::{FfiResult, TwitchWatchError};
use crate::twitchwatch::{Shared, TwitchWatch};

/// The CoreBluetooth state-restoration identifier the iOS shell passes to `CBCentralManager`.
#[uniffi::export]
pub fn ios_restore_identifier() -> String {
    twitchwatch_app::screens::IOS_RESTORE_IDENTIFIER.to_owned()
}

/// What the session said about its own end, kept for the shell to ask after the fact.
struct Driven {
    session: GattSession,
    failure: Option<String>,
}

/// One connection dialogue with the paired wearable, across reconnects, until it is stopped or fails.
///
/// Perform the returned actions one at a time, in order, and answer each with its event (see
/// docs/gatt-session.md): `WaitUntil` (re)arms the one timer, `Disconnect` needs no answer. Feed every
/// notification and indication, link loss and the user's stop too. Connection state, battery, events,
/// minutes and alerts reach the `TwitchWatch`'s listeners; `onSessionEnd` comes when it ends.
/// Calls are serialised; do not call `handle` from inside a listener (it would wait on itself).
#[derive(uniffi::Object)]
pub struct PhoneGattSession {
    /// The `TwitchWatch`'s open data: after `closeStore()` every call is `InvalidState`.
    shared: Arc<Shared>,
    device: PairedDevice,
    /// Held across a whole `handle`, so the outputs of two events reach the monitor in order.
    order: Mutex<()>,
    /// Held only briefly, never while listeners run, so a listener can ask `isFinished`.
    state: Mutex<Driven>,
}

/// A UUID the shell passed must be one: a garbled one is the shell's bug, not the sensor's.
fn check_uuid(uuid: &str) -> FfiResult<()> {
    match parse_uuid(uuid) {
        Some(_) => Ok(()),
        None => Err(TwitchWatchError::invalid(format!(
            "'{uuid}' is not a Bluetooth UUID; pass the characteristic's UUID as the platform prints it \
             (128-bit hyphenated, or 4 hex digits)"
        ))),
    }
}

fn check_event(event: &GattEvent) -> FfiResult<()> {
    match event {
        GattEvent::ServicesDiscovered {
            characteristic_uuids,
        } => characteristic_uuids.iter().try_for_each(|u| check_uuid(u)),
        GattEvent::Subscribed {
            characteristic_uuid,
        }
        | GattEvent::WriteAcknowledged {
            characteristic_uuid,
        }
        | GattEvent::ReadResult {
            characteristic_uuid,
            ..
        }
        | GattEvent::Indication {
            characteristic_uuid,
            ..
        }
        | GattEvent::Notification {
            characteristic_uuid,
            ..
        } => check_uuid(characteristic_uuid),
        GattEvent::OperationFailed {
            characteristic_uuid: Some(u),
            ..
        } => check_uuid(u),
        GattEvent::Connected
        | GattEvent::ConnectFailed { .. }
        | GattEvent::MtuChanged { .. }
        | GattEvent::OperationFailed {
            characteristic_uuid: None,
            ..
        }
        | GattEvent::Disconnected
        | GattEvent::TimedOut
        | GattEvent::StopRequested => Ok(()),
    }
}

fn default_config() -> SessionConfig {
    // Phones that lose a link together must not retry in step: seed the jitter from the clock.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    SessionConfig {
        jitter_seed: seed,
        ..SessionConfig::default()
    }
}

#[uniffi::export]
impl PhoneGattSession {
    /// A session for the wearable paired in `twitchwatch`'s store, of either protocol, at its paired
    /// rate (the session starts Polar SDK mode where the rate needs it). `config`: timeouts, MTU and
    /// reconnect policy; `null` for the defaults. `InvalidState` when nothing is paired.
    #[uniffi::constructor(default(config = None))]
    pub fn new(
        twitchwatch: Arc<TwitchWatch>,
        config: Option<SessionConfig>,
    ) -> FfiResult<Arc<Self>> {
        let shared = twitchwatch.shared();
        let device = shared.monitor()?.store().paired_device()?.ok_or_else(|| {
            TwitchWatchError::state("no wearable is paired; pair one on the pairing screen first")
        })?;
        let session = GattSession::new(&device, config.unwrap_or_else(default_config));
        Ok(Arc::new(Self {
            shared,
            device,
            order: Mutex::new(()),
            state: Mutex::new(Driven {
                session,
                failure: None,
            }),
        }))
    }

    /// The wearable this session talks to (its id is the platform's: Android MAC address, iOS
    /// peripheral UUID).
    pub fn device(&self) -> PairedDevice {
        self.device.clone()
    }

    /// Begins: the first actions are `Connect` and its timer. `now_us`: wall clock, µs since the
    /// Unix epoch. `InvalidState` while a simulated session runs on the same store.
    pub fn start(&self, now_us: i64) -> FfiResult<Vec<GattAction>> {
        if self.shared.monitor()?.is_running() {
            return Err(TwitchWatchError::state(
                "a monitoring session is already running; stop it before connecting the wearable",
            ));
        }
        let _order = lock(&self.order);
        let outputs = lock(&self.state).session.start(now_us);
        self.apply(outputs)
    }

    /// Feeds one platform callback; returns the actions to perform next, in order. A malformed
    /// event (a UUID that is none) is `InvalidInput` and changes nothing; a malformed frame from the
    /// sensor is counted in `streamStats` and the stream goes on. Events after the end are ignored.
    pub fn handle(&self, event: GattEvent, now_us: i64) -> FfiResult<Vec<GattAction>> {
        check_event(&event)?;
        let _order = lock(&self.order);
        let outputs = {
            let mut driven = lock(&self.state);
            let outputs = driven.session.handle(event, now_us);
            if let Some(message) = outputs.iter().find_map(|o| match o {
                SessionOutput::Failed(e) => Some(e.to_string()),
                _ => None,
            }) {
                driven.failure = Some(message);
            }
            outputs
        };
        self.apply(outputs)
    }

    /// True once the session stopped or failed: no action will come any more.
    pub fn is_finished(&self) -> bool {
        lock(&self.state).session.is_finished()
    }

    /// Why the session ended, when it failed (a sentence to show the user), else `null`.
    pub fn failure(&self) -> Option<String> {
        lock(&self.state).failure.clone()
    }

    /// The MTU the shell reported, when it knows one.
    pub fn mtu(&self) -> Option<u16> {
        lock(&self.state).session.mtu()
    }

    /// Frame and sample counters of this session's stream.
    pub fn stream_stats(&self) -> StreamStats {
        lock(&self.state).session.stats()
    }
}

impl PhoneGattSession {
    /// Into the monitor (classify, store, listeners) outside the state lock; keeps the actions.
    fn apply(&self, outputs: Vec<SessionOutput>) -> FfiResult<Vec<GattAction>> {
        let (actions, _produced) = self.shared.monitor()?.apply_session_outputs(outputs)?;
        Ok(actions)
    }
}
