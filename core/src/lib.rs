//! TwitchWatch core: everything the product does, with no FFI and no UI.
//! Stages, in the order data flows: `device` → `classify` → `store` → `rules` → `alerts`; `monitor` wires them.

pub mod alerts;
pub mod classify;
pub mod device;
pub mod journal;
pub mod model;
pub mod monitor;
pub mod recording;
pub mod report;
pub mod rules;
pub mod screens;
pub mod store;

pub use model::*;
