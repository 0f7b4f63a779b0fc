// The body of the `csv_import` fuzz target, shared with the corpus replay test in a normal
// `cargo test` (included with `include!`, so no inner attributes or doc comments here).
// The recording importers (`twitchwatch classify --input`) must never panic on any file: a typed
// error or a recording whose batches are well formed.
use twitchwatch_lab::recording::{import, Format};

/// One input through the target's entry points; panics when an invariant breaks.
pub fn check(data: &[u8]) {
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
}
