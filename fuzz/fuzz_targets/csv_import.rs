//! The recording importers (`twitchwatch classify --input`) must never panic on any file: a typed
//! error or a recording whose batches are well formed.
#![no_main]

include!("../checks/csv_import.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
