//! The lab: what the product is developed and checked with, never shipped on a phone (the FFI links it
//! only under its `demo` feature): the simulated wearable and its fault injection, the labelled
//! evaluation suite, importers for the public recordings in `shared/data`, and a simulated finger
//! tapper for the active tasks.

pub mod eval;
pub mod recording;
pub mod simulator;
pub mod spasm_diagnosis;
pub mod tapping;
