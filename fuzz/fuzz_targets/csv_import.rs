//! The recording importers (`twitchwatch classify --input`) must never panic on any file: a typed
//! error or a recording whose batches are well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twitchwatch_lab::recording::{import, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => Format::TwitchWatchCsv,
        1 => Format::Pdkit,
        _ => Format::WristDailyLiving,
    };
    // Half the inputs with a rate override, including nonsense ones.
    let rate = (selector & 0x80 != 0).then(|| f32::from(selector & 0x7F) * 10.0);
    if let Ok(rec) = import(format, bytes, rate) {
        let mut samples = 0;
        for batch in rec.batches(64) {
            assert!(batch.len() <= 64);
            assert!(batch.gyro_dps.is_empty() || batch.gyro_dps.len() == batch.accel_g.len());
            samples += batch.len();
        }
        assert_eq!(samples, rec.len());
    }
});
