//! The CLI run as a user runs it, in one test binary so that the test build links once.

mod care_cli;
mod cli;
mod data_cli;
mod hostile_cli;
mod task_cli;
