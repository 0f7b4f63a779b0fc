//! Our wearable's frame decoder and stream accounting must never panic, whatever the bytes.
#![no_main]

include!("../checks/frame_decoder.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
