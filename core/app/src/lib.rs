//! The application layer over the stages (device → classify → store → rules → alerts): the `Monitor`
//! that wires one session through all of them, the phone screens' view states built on it, and the
//! user's data as a whole (the data key, deleting everything, check-ins handed to a running monitor).

pub mod data;
pub mod inbox;
pub mod monitor;
pub mod screens;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
