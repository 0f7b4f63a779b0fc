//! Simulator throughput: samples per second of accelerometer + gyroscope generation (target: a
//! simulated day at 100 Hz, 8.64 M samples, in a few seconds). `cargo bench -p twitchwatch-lab --bench simulator`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use twitchwatch_lab::simulator::{builtin_scenario, SimConfig, Simulator};

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulator");
    group.sample_size(10);
    // An hour of the demo scenario (everything: rest, typing, tremor, walking, reaching, spasm, writing).
    let scenario = builtin_scenario("mixed")
        .expect("built-in")
        .with_duration(3600.0);
    for rate in [100.0f32, 400.0] {
        let samples = (3600.0 * rate) as u64;
        group.throughput(Throughput::Elements(samples));
        group.bench_function(format!("mixed_1h_{rate}hz_accel_gyro"), |b| {
            b.iter(|| {
                let config = SimConfig {
                    sample_rate_hz: rate,
                    ..SimConfig::default()
                };
                let mut sim = Simulator::new(&scenario, config).expect("valid");
                let mut n = 0usize;
                while let Some(chunk) = sim.next_raw(1024) {
                    n += chunk.len();
                }
                n
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
