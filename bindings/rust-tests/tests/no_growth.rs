//! 10,000 rapid calls through the API and the FFI machinery without growth in memory. Own test binary:
//! a counting global allocator measures live heap bytes, so nothing else may run beside it.

#[path = "support/counting_allocator.rs"]
mod counting_allocator;
mod support;
use counting_allocator::live_heap_bytes;
use support::now_ms;

use std::sync::Arc;

use twitchwatch_alerts::Alert;
use twitchwatch_app::data::OpenOptions;
use twitchwatch_ffi::{TwitchWatch, TwitchWatchError, UniFfiTag};
use twitchwatch_journal::{CheckIn, JournalEntry, Symptom};
use uniffi::{Lift, Lower, RustBuffer, RustCallStatus};

// The exported C functions the generated Kotlin/Swift/Python call (library symbols).
extern "C" {
    fn uniffi_twitchwatch_ffi_fn_func_twitchwatch_version(
        status: &mut RustCallStatus,
    ) -> RustBuffer;
    fn uniffi_twitchwatch_ffi_fn_func_parse_motor_event_kind(
        name: RustBuffer,
        status: &mut RustCallStatus,
    ) -> RustBuffer;
}

/// One round of what an app does on a screen refresh, including the error path and the FFI layer.
fn one_round(app: &Arc<TwitchWatch>, today: twitchwatch_store::CalendarDay) {
    // Through the C ABI: a success (returned buffer) and an error (error buffer), both freed as the
    // foreign side frees them.
    let mut status = RustCallStatus::default();
    let v = unsafe { uniffi_twitchwatch_ffi_fn_func_twitchwatch_version(&mut status) };
    assert_eq!(status.code as i8, 0);
    v.destroy();
    let name = <String as Lower<UniFfiTag>>::lower("hiccup".to_owned());
    let mut status = RustCallStatus::default();
    let out = unsafe { uniffi_twitchwatch_ffi_fn_func_parse_motor_event_kind(name, &mut status) };
    assert_eq!(status.code as i8, 1, "expected an error status");
    let err = std::mem::ManuallyDrop::into_inner(status.error_buf);
    let err = <TwitchWatchError as Lift<UniFfiTag>>::try_lift(err).expect("error lifts");
    assert!(matches!(err, TwitchWatchError::InvalidInput { .. }));
    out.destroy();

    // Object handles: lowering hands the foreign side a reference, lifting takes it back.
    let handle = <Arc<TwitchWatch> as Lower<UniFfiTag>>::lower(app.clone());
    let back = <Arc<TwitchWatch> as Lift<UniFfiTag>>::try_lift(handle).expect("handle lifts");
    drop(back);

    // Reads and their records through RustBuffers, as every return value travels.
    let entry = app.journal().entry(today).unwrap().expect("entry");
    let buf = <JournalEntry as Lower<UniFfiTag>>::lower(entry);
    let entry = <JournalEntry as Lift<UniFfiTag>>::try_lift(buf).unwrap();
    assert_eq!(entry.date, today);
    for alert in app.alerts().list().unwrap() {
        let buf = <Alert as Lower<UniFfiTag>>::lower(alert);
        <Alert as Lift<UniFfiTag>>::try_lift(buf).unwrap();
    }
    let _ = app.history().daily_summaries(today, today).unwrap();
    let _ = app.counts().unwrap();
    let _ = app.history().events(0, now_ms()).unwrap();
    // Error paths of the object.
    let bad_day = <String as Lower<UniFfiTag>>::lower("not a date".to_owned());
    assert!(<twitchwatch_store::CalendarDay as Lift<UniFfiTag>>::try_lift(bad_day).is_err());
    assert!(app.alerts().acknowledge("no-such-alert".into()).is_err());
}

#[test]
fn ten_thousand_rapid_calls_do_not_grow_memory() {
    let dir = tempfile::tempdir().unwrap();
    let app = TwitchWatch::open(dir.path().display().to_string(), OpenOptions::default()).unwrap();
    let today = app.history().today().unwrap();
    app.journal()
        .put(JournalEntry {
            date: today,
            caffeine_mg: Some(200.0),
            drinks: vec![],
            sleep_hours: Some(7.0),
            sleep_quality_1_5: None,
            stress_0_10: Some(3),
            hydration: None,
            water_ml: None,
            exertion_0_10: None,
            nicotine_mg: None,
            medications: vec![],
            supplements: vec![],
            notes: String::new(),
        })
        .unwrap();
    app.journal()
        .record_checkin(CheckIn {
            at_ms: now_ms() - 1000,
            twitch_sites: Default::default(),
            symptoms: [Symptom::DifficultySpeaking].into(),
            note: String::new(),
        })
        .unwrap();

    // Warm up caches (sled pages, lazily built statics) before measuring.
    for _ in 0..1_000 {
        one_round(&app, today);
    }
    let before = live_heap_bytes();
    for _ in 0..10_000 {
        one_round(&app, today);
    }
    let after = live_heap_bytes();
    let growth = after - before;
    // A leak of even 16 bytes per round would show as 160 kB; sled's background flusher may hold a
    // few transient buffers, hence a small allowance rather than zero.
    assert!(
        growth < 64 * 1024,
        "live heap grew by {growth} bytes over 10,000 rounds (before {before}, after {after})"
    );
    assert_eq!(
        Arc::strong_count(&app),
        1,
        "object handles leaked references"
    );
}
