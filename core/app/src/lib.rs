//! The application layer over the stages (device → classify → store → rules → alerts): the `Monitor`
//! that wires one session through all of them, and the phone screens' view states built on it.

pub mod monitor;
pub mod screens;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
