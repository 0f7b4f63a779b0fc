//! The Polar PMD decoder (frames, control-point responses, requests) must never panic on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twitchwatch_device::polar::{
    decode_data_frame, parse_control_response, ControlRequest, PmdSettings, PolarDecoder,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let resolution = u16::from(selector & 0x3F);
    if let Ok(frame) = decode_data_frame(bytes, resolution) {
        // Delta frames grow by at most 255 samples per 2-byte block header.
        assert!(frame.samples.len() <= 1 + bytes.len() * 255);
    }
    let _ = parse_control_response(bytes);
    if let Ok(req) = ControlRequest::decode(bytes) {
        let _ = req.encode();
    }
    let mut decoder = PolarDecoder::new(
        PmdSettings::acc(u16::from(selector) * 2),
        Some(PmdSettings::gyro(52)),
    );
    let mut rest = bytes;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        if let Ok(Some(batch)) = decoder.push(chunk) {
            assert!(batch.gyro_dps.is_empty() || batch.gyro_dps.len() == batch.accel_g.len());
        }
        rest = next;
    }
});
