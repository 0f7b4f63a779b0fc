//! Evaluation harness (in progress).
