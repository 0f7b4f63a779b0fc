//! The app crate's integration tests, in one binary so that the test build links once.

mod monitor;
mod screens;
