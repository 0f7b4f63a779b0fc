//! Classifier throughput per sample rate, accelerometer + gyroscope, on 10 minutes of the mixed
//! demo scenario (everything: twitches, typing, tremor, walking, reaching, spasm, writing).
//! Target: a day of 100 Hz (8.64 M samples) in < 1 s on one core.
//! `cargo bench -p twitchwatch-lab --bench classifier`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::simulator::{builtin_scenario, SimConfig, Simulator};
use twitchwatch_model::SensorBatch;

fn batches(rate: f32, seconds: f32) -> Vec<SensorBatch> {
    let scenario = builtin_scenario("mixed")
        .expect("built-in")
        .with_duration(seconds);
    let config = SimConfig {
        sample_rate_hz: rate,
        ..SimConfig::default()
    };
    let mut sim = Simulator::new(&scenario, config).expect("valid");
    let mut out = Vec::new();
    while let Some(b) = sim.next_batch((rate / 10.0) as usize) {
        out.push(b);
    }
    out
}

fn classify(c: &mut Criterion) {
    let mut group = c.benchmark_group("classifier");
    group.sample_size(10);
    for rate in [50.0f32, 100.0, 200.0, 400.0, 1000.0] {
        let data = batches(rate, 600.0);
        let samples: usize = data.iter().map(|b| b.len()).sum();
        group.throughput(Throughput::Elements(samples as u64));
        group.bench_with_input(
            BenchmarkId::new("mixed_10min_accel_gyro", format!("{rate}hz")),
            &data,
            |b, data| {
                b.iter(|| {
                    let mut classifier = StreamingClassifier::new(ClassifierConfig::default());
                    let mut out = ClassifierOutput::new();
                    for batch in data {
                        classifier.push_batch(batch, &mut out).expect("valid");
                    }
                    classifier.finish(&mut out);
                    out.events.len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
