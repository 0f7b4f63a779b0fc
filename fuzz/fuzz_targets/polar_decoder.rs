//! The Polar PMD decoder (frames, control-point responses, requests) must never panic on any bytes.
#![no_main]

include!("../checks/polar_decoder.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
