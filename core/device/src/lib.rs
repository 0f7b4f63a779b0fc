//! Everything that produces `SensorBatch`es from a wearable: our GATT protocol, Polar PMD, bytes pushed in
//! by a shell, and (feature `ble`) the btleplug connection manager. The simulator lives in the lab crate.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod guard;
#[cfg(feature = "ble")]
pub mod link;
pub mod polar;
pub mod protocol;
pub mod replay;
pub mod session;
pub mod shell;
