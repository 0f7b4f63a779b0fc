//! The app crate's integration tests, in one binary so that the test build links once.

mod crash;
mod data;
mod floods;
mod gatt_session;
mod monitor;
mod screens;
mod tasks;
