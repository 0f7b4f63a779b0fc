//! Everything that produces `SensorBatch`es: our wearable's GATT protocol, Polar PMD, the simulator,
//! bytes pushed in by a shell, and (feature `ble`) the btleplug connection manager.

#[cfg(feature = "ble")]
pub mod link;
pub mod polar;
pub mod protocol;
pub mod shell;
pub mod simulator;
