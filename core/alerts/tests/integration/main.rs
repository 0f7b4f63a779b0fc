//! The alerts crate's integration tests, in one binary so that the test build links once.

mod rules;
mod rules_docs;
mod rules_support;
mod task_rules;
