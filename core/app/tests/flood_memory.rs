//! Bounded memory under a flood, through the real monitor and a store on disk: the heap in use is
//! counted by a global allocator in this test binary (one test, so nothing else allocates meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use twitchwatch_app::monitor::{now_ms, Monitor, MonitorSettings};
use twitchwatch_device::protocol::decode_frame;
use twitchwatch_device::replay::FrameSource;
use twitchwatch_lab::simulator::{SimulatedSession, SimulatedWearable};
use twitchwatch_model::{DeviceProtocol, PairedDevice, SensorBatch};

struct Counting;
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static PEAK_BYTES: AtomicIsize = AtomicIsize::new(0);

fn grew(by: usize) {
    let now = LIVE_BYTES.fetch_add(by as isize, Ordering::Relaxed) + by as isize;
    PEAK_BYTES.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        grew(new_size);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Peak heap in use above `base` since the last reset.
fn reset_peak() {
    PEAK_BYTES.store(live(), Ordering::Relaxed);
}

fn peak() -> isize {
    PEAK_BYTES.load(Ordering::Relaxed)
}

const DEVICE: &str = "AA:BB:CC:00:00:02";
const MB: isize = 1 << 20;

#[test]
fn a_flood_and_a_stream_running_backwards_stay_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Half an hour of the wearable's frames (twitches, tremor, movement), collected first so that
    // only the monitor's own memory is measured below.
    let mut source = SimulatedWearable::live(
        &SimulatedSession {
            scenario: "mixed".into(),
            duration_s: Some(1800.0),
            speed: 1.0,
            ..Default::default()
        },
        now_ms(),
    )
    .unwrap();
    let mut frames = Vec::new();
    while let Some(f) = source.next_frame() {
        frames.push(f);
    }
    let rate = decode_frame(&frames[0].bytes).unwrap().sample_rate_hz;
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    monitor
        .store()
        .pair_device(&PairedDevice {
            id: DEVICE.into(),
            name: "flood".into(),
            protocol: DeviceProtocol::TwitchWatchV1,
            sample_rate_hz: rate,
            with_gyro: false,
            paired_at_ms: 0,
        })
        .unwrap();

    // Ten times the rate: the half hour arrives in three minutes of real time.
    let first = frames[0].arrival_us;
    let t0 = now_ms() * 1000 - 181_000_000;
    let warm_up = frames.len() / 10;
    let mut base = 0;
    for (i, f) in frames.iter().enumerate() {
        if i == warm_up {
            base = live();
            reset_peak();
        }
        let rx = t0 + (f.arrival_us - first) / 10;
        monitor.push_frame(DEVICE, &f.bytes, rx).unwrap();
    }
    let flood_growth = peak() - base;
    eprintln!("flood: peak heap growth {flood_growth} bytes after warm-up");
    let stats = monitor.stream_stats();
    assert!(
        stats.samples_dropped_time + stats.samples_dropped_rate > stats.samples_ok * 8 / 10,
        "{stats:?}"
    );
    // The store's page cache (16 MB at most) holds what was written; the rest of the pipeline holds a
    // few minutes of classifier state, whatever the length of the flood.
    assert!(
        flood_growth < 4 * MB,
        "the heap grew by {flood_growth} bytes during the flood"
    );

    // A source whose batches each start a minute before the last (a shell feeding samples with
    // a broken clock): every one would open a new minute that never closes.
    drop(monitor);
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let base = live();
    reset_peak();
    let start_us = now_ms() * 1000 - 60_000_000;
    for k in 0..20_000i64 {
        let batch = SensorBatch {
            first_sample_us: start_us - k * 60_000_000,
            sample_rate_hz: 100.0,
            accel_g: vec![[0.0, 0.0, 1.0]; 10],
            gyro_dps: Vec::new(),
            samples_lost_before: 0,
        };
        monitor.ingest(&batch).unwrap();
    }
    let backwards_growth = peak() - base;
    eprintln!("backwards: peak heap growth {backwards_growth} bytes");
    assert!(
        backwards_growth < MB / 4,
        "the heap grew by {backwards_growth} bytes for a stream running backwards"
    );
    assert!(
        monitor.stream_stats().samples_dropped_time >= 199_990,
        "{:?}",
        monitor.stream_stats()
    );
}
