//! btleplug's real Linux backend against the emulator, in one test binary so that the build links
//! once; run through tests/ble/run.sh, which starts the private bus and the emulator.

mod ble_faults;
mod ble_stream;
mod common;
