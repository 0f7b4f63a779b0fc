//! What became of each simulated spasm, and what each false spasm looked like: the diagnosis behind
//! a spasm recall or false-spasm figure (`spasm-cases <split>`). The signal measures are computed
//! here from the samples, independently of the classifier's own paths, so that they say what the
//! sensor saw rather than what the classifier made of it.

use biquad::{Biquad, Coefficients, DirectForm2Transposed, ToHertz, Type, Q_BUTTERWORTH_F32};
use twitchwatch_classify::ClassifierConfig;
use twitchwatch_model::{MotorEventKind, SensorBatch, TimestampMs};

use crate::eval::{run_case_observed, suite, CaseGroup, EvalError, Split};
use crate::simulator::Placement;

/// One spasm label, or one false spasm in a healthy recording, with the signal over its span.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpasmRow {
    pub case: String,
    /// `label` (a simulated spasm) or `false` (a spasm reported in a healthy recording).
    pub row: &'static str,
    pub rate_hz: f32,
    pub wrist: bool,
    pub gyro: bool,
    /// Spasm kind and posture change (labels only).
    pub kind: String,
    pub posture_change: bool,
    pub amplitude_g: f32,
    pub duration_s: f32,
    /// A reported spasm overlaps the label (labels), always true for false rows.
    pub found: bool,
    /// Share of the span's 25 ms blocks whose 3 Hz high-passed RMS is ≥ 50 mg.
    pub hot_share: f32,
    /// Median and 90th percentile of those block RMS values, g.
    pub hp3_p50_g: f32,
    pub hp3_p90_g: f32,
    /// The same measure's median over the 5 s before the span: the wearer's resting floor, g.
    pub floor_p50_g: f32,
    /// Share of the span's 0.5 s hops whose mean acceleration is ≥ 0.15 g from the 1 s before.
    pub held_share: f32,
    /// Largest posture change over the span, g.
    pub max_shift_g: f32,
    /// RMS of the gyroscope over the span, °/s (0 without one).
    pub gyro_rms_dps: f32,
}

/// A simulated case's samples as the classifier was shown them, for measures computed beside it.
pub(crate) struct Recording {
    pub(crate) fs: f32,
    /// Time of the first sample (none before the first batch).
    t0_ms: Option<TimestampMs>,
    pub(crate) accel: Vec<[f32; 3]>,
    pub(crate) gyro: Vec<[f32; 3]>,
}

impl Recording {
    pub(crate) fn new(fs: f32) -> Self {
        Self {
            fs,
            t0_ms: None,
            accel: Vec::new(),
            gyro: Vec::new(),
        }
    }

    /// Keep a batch (pass this to `run_case_observed`).
    pub(crate) fn observe(&mut self, batch: &SensorBatch) {
        self.t0_ms
            .get_or_insert(batch.first_sample_us.div_euclid(1000));
        self.accel.extend_from_slice(&batch.accel_g);
        self.gyro.extend_from_slice(&batch.gyro_dps);
    }

    /// Index of the sample at `t_ms`, clamped to the recording.
    pub(crate) fn index(&self, t_ms: TimestampMs) -> usize {
        let t0_ms = self.t0_ms.unwrap_or(t_ms);
        let i = ((t_ms - t0_ms) as f32 * self.fs / 1000.0).max(0.0) as usize;
        i.min(self.accel.len())
    }
}

fn high_passed_block_rms(rec: &Recording) -> Vec<f32> {
    let coeffs =
        Coefficients::<f32>::from_params(Type::HighPass, rec.fs.hz(), 3.0.hz(), Q_BUTTERWORTH_F32)
            .expect("3 Hz is below Nyquist at every simulated rate");
    let mut f = [DirectForm2Transposed::<f32>::new(coeffs); 3];
    let block = ((rec.fs * 0.025).round() as usize).max(1);
    let mut out = vec![0.0; rec.accel.len() / block + 1];
    let mut ss = 0.0f32;
    for (i, a) in rec.accel.iter().enumerate() {
        let v: f32 = (0..3).map(|k| f[k].run(a[k]).powi(2)).sum();
        ss += v;
        if (i + 1) % block == 0 {
            out[i / block] = (ss / block as f32).sqrt();
            ss = 0.0;
        }
    }
    out
}

fn quantile(mut v: Vec<f32>, q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[((v.len() - 1) as f32 * q).round() as usize]
}

fn mean_accel(rec: &Recording, a: usize, b: usize) -> Option<[f32; 3]> {
    let s = rec.accel.get(a..b.min(rec.accel.len()))?;
    if s.is_empty() {
        return None;
    }
    let mut m = [0.0f32; 3];
    for v in s {
        for k in 0..3 {
            m[k] += v[k] / s.len() as f32;
        }
    }
    Some(m)
}

fn span_row(
    rec: &Recording,
    blocks: &[f32],
    start_ms: TimestampMs,
    end_ms: TimestampMs,
) -> SpasmRow {
    let (a, b) = (rec.index(start_ms), rec.index(end_ms));
    let block = ((rec.fs * 0.025).round() as usize).max(1);
    let span: Vec<f32> = blocks[a / block..(b / block).max(a / block)].to_vec();
    let before: Vec<f32> = blocks[rec.index(start_ms - 5000) / block..a / block].to_vec();
    let hot_share = span.iter().filter(|&&v| v >= 0.05).count() as f32 / span.len().max(1) as f32;
    let reference = mean_accel(rec, rec.index(start_ms - 1000), a);
    let hop = ((rec.fs * 0.5) as usize).max(1);
    let (mut hops, mut held, mut max_shift) = (0u32, 0u32, 0.0f32);
    let mut i = a;
    while i + hop <= b {
        if let (Some(r), Some(m)) = (reference, mean_accel(rec, i, i + hop)) {
            let d = (0..3).map(|k| (m[k] - r[k]).powi(2)).sum::<f32>().sqrt();
            hops += 1;
            held += u32::from(d >= 0.15);
            max_shift = max_shift.max(d);
        }
        i += hop;
    }
    let gyro_rms_dps = match rec.gyro.get(a..b) {
        Some(g) if !g.is_empty() => (g
            .iter()
            .map(|v| v.iter().map(|x| x * x).sum::<f32>())
            .sum::<f32>()
            / g.len() as f32)
            .sqrt(),
        _ => 0.0,
    };
    SpasmRow {
        case: String::new(),
        row: "label",
        rate_hz: rec.fs,
        wrist: false,
        gyro: !rec.gyro.is_empty(),
        kind: String::new(),
        posture_change: false,
        amplitude_g: 0.0,
        duration_s: (end_ms - start_ms) as f32 / 1000.0,
        found: false,
        hot_share,
        hp3_p50_g: quantile(span.clone(), 0.5),
        hp3_p90_g: quantile(span, 0.9),
        floor_p50_g: quantile(before, 0.5),
        held_share: held as f32 / hops.max(1) as f32,
        max_shift_g: max_shift,
        gyro_rms_dps,
    }
}

/// Every spasm label of a split's spasm cases, and every spasm reported in its healthy cases.
pub fn spasm_rows(split: Split, config: &ClassifierConfig) -> Result<Vec<SpasmRow>, EvalError> {
    let mut rows = Vec::new();
    for case in suite(split) {
        let labelled = case.group == CaseGroup::Spasm;
        if !labelled && !case.group.healthy_only() {
            continue;
        }
        let mut rec = Recording::new(case.sim.sample_rate_hz);
        let (sim, out, _) = run_case_observed(&case, config, |batch| rec.observe(batch))?;
        let (labels, plans, events) = (sim.labels(), sim.spasm_plans(), out.events);
        let blocks = high_passed_block_rms(&rec);
        let wrist = case.sim.placement == Placement::Wrist;
        let spasms = events.iter().filter(|e| e.kind == MotorEventKind::Spasm);
        if labelled {
            let spasm_labels = labels.iter().filter(|l| l.kind == MotorEventKind::Spasm);
            for (l, plan) in spasm_labels.zip(plans) {
                let mut r = span_row(&rec, &blocks, l.start_ms, l.end_ms);
                r.case = case.name.clone();
                r.wrist = wrist;
                r.kind = format!("{:?}", plan.0);
                r.posture_change = plan.1;
                r.amplitude_g = l.amplitude_g;
                r.found = spasms
                    .clone()
                    .any(|e| e.start_ms < l.end_ms + 1000 && e.end_ms + 1000 > l.start_ms);
                rows.push(r);
            }
        } else {
            for e in spasms {
                let mut r = span_row(&rec, &blocks, e.start_ms, e.end_ms);
                r.case = case.name.clone();
                r.row = "false";
                r.wrist = wrist;
                r.amplitude_g = e.peak_accel_g;
                r.found = true;
                rows.push(r);
            }
        }
    }
    Ok(rows)
}
