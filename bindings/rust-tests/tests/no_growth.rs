//! 10,000 rapid calls through the API and the FFI machinery without growth in memory. Own test binary:
//! a counting global allocator measures live heap bytes, so nothing else may run beside it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;

use twitchwatch_alerts::Alert;
use twitchwatch_app::data::OpenOptions;
use twitchwatch_ffi::{TwitchWatch, TwitchWatchError, UniFfiTag};
use twitchwatch_journal::{CheckIn, JournalEntry, Symptom};
use uniffi::{Lift, Lower, RustBuffer, RustCallStatus};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
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
    let before = LIVE_BYTES.load(Ordering::SeqCst);
    for _ in 0..10_000 {
        one_round(&app, today);
    }
    let after = LIVE_BYTES.load(Ordering::SeqCst);
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
