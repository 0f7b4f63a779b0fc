//! Journal input must never panic: what a shell or the CLI types (the choice parsers) and what the
//! store reads back (a journal entry or a check-in as JSON, possibly damaged) gets a typed error or
//! a value whose validation answers.
#![no_main]

include!("../checks/journal_input.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
