//! The lab: what the product is developed and checked with, never shipped on a phone (the FFI links it
//! only under its `demo` feature): the simulated wearable and its fault injection, the labelled
//! evaluation suite, and importers for the public recordings in `shared/data`.

pub mod eval;
pub mod recording;
pub mod simulator;
