//! Bounded memory: after warm-up, the classifier allocates nothing per sample (counted by a global
//! allocator in this test binary), so its memory cannot grow with recording length.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::simulator::{Involuntary, Scenario, Segment, SimConfig, Simulator};
use twitchwatch_model::Activity;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_streaming_does_not_allocate() {
    for rate in [50.0f32, 400.0, 1000.0] {
        // Ten minutes with twitches, tremor and typing, so every path (twitch queue, tremor runs,
        // spasm envelope, minute book) is exercised.
        let scenario = Scenario {
            name: "alloc".into(),
            description: String::new(),
            segments: vec![
                Segment::new(120.0, Activity::Rest).with(Involuntary::Twitches {
                    rate_per_min: 10.0,
                    amplitude_mg: (5.0, 40.0),
                }),
                Segment::new(120.0, Activity::Rest).with(Involuntary::TremorContinuous {
                    freq_hz: 5.0,
                    amplitude_mg: 60.0,
                }),
                Segment::new(120.0, Activity::Typing),
                Segment::new(240.0, Activity::Rest).with(Involuntary::Twitches {
                    rate_per_min: 6.0,
                    amplitude_mg: (5.0, 40.0),
                }),
            ],
        };
        let mut sim = Simulator::new(
            &scenario,
            SimConfig {
                sample_rate_hz: rate,
                ..SimConfig::default()
            },
        )
        .unwrap();
        let mut batches = Vec::new();
        while let Some(b) = sim.next_batch((rate / 10.0) as usize) {
            batches.push(b);
        }
        let mut classifier = StreamingClassifier::new(ClassifierConfig::default());
        // Room for every event and minute up front: the caller owns the output, and draining it is
        // the caller's business.
        let mut out = ClassifierOutput {
            events: Vec::with_capacity(4096),
            minutes: Vec::with_capacity(64),
            twitch_candidates: Vec::new(),
        };
        let warmup = 300; // 30 s: filters primed, buffers built.
        for b in &batches[..warmup] {
            classifier.push_batch(b, &mut out).unwrap();
        }
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for b in &batches[warmup..] {
            classifier.push_batch(b, &mut out).unwrap();
        }
        let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        let samples: usize = batches[warmup..].iter().map(|b| b.len()).sum();
        assert!(
            out.events.len() > 10,
            "{rate} Hz: the stream should have produced events"
        );
        assert_eq!(
            allocations, 0,
            "{rate} Hz: {allocations} allocations for {samples} samples in steady state"
        );
    }
}
