//! Offline recordings: our CSV format (`t` s, `ax,ay,az` g, optional `gx,gy,gz` dps) and the small,
//! documented unit conversions that let the real recordings in `shared/data` be classified as they are.
//!
//! Conversions (docs/accuracy.md): PDkit phone files are headerless `timestamp_ns, x, y, z (m/s²),
//! accuracy` → seconds and g (÷ 9.80665); the wrist daily-living file has a `ts` local date-time with
//! milliseconds (`2019-03-21 14:58:00:500`) and g → seconds since the first row.

use std::io::Read;

use twitchwatch_model::SensorBatch;

/// Standard gravity, m/s² per g.
pub const STANDARD_GRAVITY_M_S2: f64 = 9.80665;

/// The input layouts `import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Header `t,ax,ay,az[,gx,gy,gz]`: seconds, g, deg/s.
    TwitchWatchCsv,
    /// PDkit phone recordings: no header; `timestamp_ns,x,y,z,accuracy`, acceleration in m/s².
    Pdkit,
    /// Header `ts,x,y,z`: `YYYY-MM-DD HH:MM:SS:mmm` local time, acceleration in g.
    WristDailyLiving,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "csv" | "twitchwatch" => Ok(Format::TwitchWatchCsv),
            "pdkit" => Ok(Format::Pdkit),
            "wrist-daily-living" | "wrist" => Ok(Format::WristDailyLiving),
            other => Err(format!(
                "unknown input format '{other}': use csv, pdkit or wrist-daily-living"
            )),
        }
    }
}

/// Why a recording could not be read. Line numbers count from 1 and include the header.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("could not read the input: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: the CSV itself is malformed: {reason}")]
    Malformed { line: u64, reason: String },
    #[error("the header has no '{column}' column (found: {found}); expected t,ax,ay,az and optionally gx,gy,gz")]
    MissingColumn { column: &'static str, found: String },
    #[error("line {line}, column '{column}': '{value}' is not a number")]
    NotANumber {
        line: u64,
        column: String,
        value: String,
    },
    #[error("line {line}, column '{column}': value is NaN or infinite")]
    NotFinite { line: u64, column: String },
    #[error("line {line}: time {t_s} s is not after the previous sample's {prev_s} s; sort the file or remove duplicate rows")]
    NonMonotonicTime { line: u64, t_s: f64, prev_s: f64 },
    #[error("line {line}: expected {expected} columns, found {found}")]
    WrongColumnCount {
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("line {line}: '{value}' is not a date-time like 2019-03-21 14:58:00:500")]
    BadDateTime { line: u64, value: String },
    #[error("the recording has {samples} samples; at least 2 are needed to know its sample rate")]
    TooShort { samples: usize },
    #[error("the sample rate inferred from the time column is {rate_hz:.2} Hz, outside 25–1000 Hz; pass --rate if the time column is in other units")]
    RateOutOfRange { rate_hz: f64 },
    #[error("the rate override {rate_hz} Hz is outside 25–1000 Hz")]
    BadRateOverride { rate_hz: f32 },
}

/// A whole recording in memory, evenly resampled onto its nominal rate by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub sample_rate_hz: f32,
    /// Time of each sample, seconds since the start of the file's clock (as read).
    pub t_s: Vec<f64>,
    pub accel_g: Vec<[f32; 3]>,
    /// Empty when the file had no gyroscope columns.
    pub gyro_dps: Vec<[f32; 3]>,
}

impl Recording {
    pub fn len(&self) -> usize {
        self.accel_g.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accel_g.is_empty()
    }

    pub fn duration_s(&self) -> f64 {
        match (self.t_s.first(), self.t_s.last()) {
            (Some(a), Some(b)) => b - a + 1.0 / f64::from(self.sample_rate_hz),
            _ => 0.0,
        }
    }

    /// Batches of at most `max` samples. Each batch is stamped with the time of its first sample
    /// on the file's own time axis (docs/cli.md: event times are seconds on the input's time
    /// axis), so real timing irregularities are kept; a jump
    /// of more than 1.5 sample periods starts a new batch, so the classifier sees the gap.
    pub fn batches(&self, max: usize) -> impl Iterator<Item = SensorBatch> + '_ {
        let max = max.max(1);
        let period = 1.0 / f64::from(self.sample_rate_hz);
        let mut start = 0usize;
        std::iter::from_fn(move || {
            if start >= self.accel_g.len() {
                return None;
            }
            let mut end = (start + 1).min(self.accel_g.len());
            while end < self.accel_g.len() && end - start < max {
                if self.t_s[end] - self.t_s[end - 1] > 1.5 * period {
                    break;
                }
                end += 1;
            }
            let b = SensorBatch {
                first_sample_us: (self.t_s[start] * 1e6).round() as i64,
                sample_rate_hz: self.sample_rate_hz,
                accel_g: self.accel_g[start..end].to_vec(),
                gyro_dps: if self.gyro_dps.is_empty() {
                    Vec::new()
                } else {
                    self.gyro_dps[start..end].to_vec()
                },
                samples_lost_before: 0,
            };
            start = end;
            Some(b)
        })
    }
}

fn rate_from_times(t_s: &[f64], rate_override_hz: Option<f32>) -> Result<f32, RecordingError> {
    if let Some(r) = rate_override_hz {
        if !(r.is_finite() && (25.0..=1000.0).contains(&r)) {
            return Err(RecordingError::BadRateOverride { rate_hz: r });
        }
        return Ok(r);
    }
    if t_s.len() < 2 {
        return Err(RecordingError::TooShort { samples: t_s.len() });
    }
    let mut dts: Vec<f64> = t_s.windows(2).map(|w| w[1] - w[0]).collect();
    let mid = dts.len() / 2;
    let (_, median, _) = dts.select_nth_unstable_by(mid, f64::total_cmp);
    let rate = 1.0 / *median;
    if !(rate.is_finite() && (25.0..=1000.0).contains(&rate)) {
        return Err(RecordingError::RateOutOfRange { rate_hz: rate });
    }
    // Nominal rates are whole numbers; a jittery clock should not give 99.73 Hz filters.
    let rounded = rate.round();
    Ok(if (rate - rounded).abs() / rate < 0.02 {
        rounded as f32
    } else {
        rate as f32
    })
}

fn parse_num(s: &str, line: u64, column: &str) -> Result<f64, RecordingError> {
    let v: f64 = s.trim().parse().map_err(|_| RecordingError::NotANumber {
        line,
        column: column.to_string(),
        value: s.trim().chars().take(40).collect(),
    })?;
    if !v.is_finite() {
        return Err(RecordingError::NotFinite {
            line,
            column: column.to_string(),
        });
    }
    Ok(v)
}

fn csv_error(e: csv::Error) -> RecordingError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => RecordingError::Io(io),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => RecordingError::WrongColumnCount {
            line,
            expected: expected_len as usize,
            found: len as usize,
        },
        other => RecordingError::Malformed {
            line,
            reason: format!("{other:?}"),
        },
    }
}

fn check_monotonic(t: f64, prev: Option<f64>, line: u64) -> Result<(), RecordingError> {
    match prev {
        Some(p) if t <= p => Err(RecordingError::NonMonotonicTime {
            line,
            t_s: t,
            prev_s: p,
        }),
        _ => Ok(()),
    }
}

/// Read our CSV format. The rate is the median sample interval unless `rate_override_hz` is given.
pub fn read_csv(
    reader: impl Read,
    rate_override_hz: Option<f32>,
) -> Result<Recording, RecordingError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr.headers().map_err(csv_error)?.clone();
    let col = |name: &'static str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let found = headers.iter().collect::<Vec<_>>().join(",");
    let need = |name: &'static str| {
        col(name).ok_or_else(|| RecordingError::MissingColumn {
            column: name,
            found: found.clone(),
        })
    };
    let (ti, ax, ay, az) = (need("t")?, need("ax")?, need("ay")?, need("az")?);
    let gyro = match (col("gx"), col("gy"), col("gz")) {
        (Some(x), Some(y), Some(z)) => Some([x, y, z]),
        (None, None, None) => None,
        _ => {
            let missing = ["gx", "gy", "gz"]
                .into_iter()
                .find(|c| col(c).is_none())
                .unwrap_or("gx");
            return Err(RecordingError::MissingColumn {
                column: missing,
                found,
            });
        }
    };
    let mut rec = Recording {
        sample_rate_hz: 0.0,
        t_s: Vec::new(),
        accel_g: Vec::new(),
        gyro_dps: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut prev = None;
    while rdr.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize, name: &str| parse_num(record.get(i).unwrap_or(""), line, name);
        let t = get(ti, "t")?;
        check_monotonic(t, prev, line)?;
        prev = Some(t);
        rec.t_s.push(t);
        rec.accel_g.push([
            get(ax, "ax")? as f32,
            get(ay, "ay")? as f32,
            get(az, "az")? as f32,
        ]);
        if let Some([gx, gy, gz]) = gyro {
            rec.gyro_dps.push([
                get(gx, "gx")? as f32,
                get(gy, "gy")? as f32,
                get(gz, "gz")? as f32,
            ]);
        }
    }
    rec.sample_rate_hz = rate_from_times(&rec.t_s, rate_override_hz)?;
    Ok(rec)
}

/// PDkit phone recording: `timestamp_ns,x,y,z,accuracy` in m/s², no header.
pub fn read_pdkit(
    reader: impl Read,
    rate_override_hz: Option<f32>,
) -> Result<Recording, RecordingError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut rec = Recording {
        sample_rate_hz: 0.0,
        t_s: Vec::new(),
        accel_g: Vec::new(),
        gyro_dps: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut prev = None;
    let mut t0_ns: Option<f64> = None;
    while rdr.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() < 4 {
            return Err(RecordingError::WrongColumnCount {
                line,
                expected: 5,
                found: record.len(),
            });
        }
        let get = |i: usize, name: &str| parse_num(record.get(i).unwrap_or(""), line, name);
        let ns = get(0, "timestamp_ns")?;
        let base = *t0_ns.get_or_insert(ns);
        let t = (ns - base) * 1e-9;
        check_monotonic(t, prev, line)?;
        prev = Some(t);
        rec.t_s.push(t);
        let g = |v: f64| (v / STANDARD_GRAVITY_M_S2) as f32;
        rec.accel_g
            .push([g(get(1, "x")?), g(get(2, "y")?), g(get(3, "z")?)]);
    }
    rec.sample_rate_hz = rate_from_times(&rec.t_s, rate_override_hz)?;
    Ok(rec)
}

/// `YYYY-MM-DD HH:MM:SS:mmm` → seconds since an arbitrary epoch (local time; only differences matter).
fn parse_local_datetime(s: &str, line: u64) -> Result<i64, RecordingError> {
    let bad = || RecordingError::BadDateTime {
        line,
        value: s.chars().take(40).collect(),
    };
    let s = s.trim();
    // The milliseconds follow the last ':' (the file uses ':' where ISO uses '.').
    let (head, ms) = s.rsplit_once(':').ok_or_else(bad)?;
    let ms: i64 = if ms.len() == 3 && ms.chars().all(|c| c.is_ascii_digit()) {
        ms.parse().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    let dt: jiff::civil::DateTime = head.trim().replace(' ', "T").parse().map_err(|_| bad())?;
    // Local civil time has no zone in the file: treat it as UTC, which keeps differences exact except
    // across a DST change (not present in the data).
    let ts = dt
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|_| bad())?
        .timestamp();
    // Whole milliseconds: subtracting two epoch times in f64 seconds would lose the last digits.
    Ok(ts.as_millisecond() + ms)
}

/// Wrist daily-living file: header `ts,x,y,z`, `ts` local date-time with milliseconds, x, y, z in g.
pub fn read_wrist_daily_living(
    reader: impl Read,
    rate_override_hz: Option<f32>,
) -> Result<Recording, RecordingError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr.headers().map_err(csv_error)?.clone();
    let found = headers.iter().collect::<Vec<_>>().join(",");
    let col = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| RecordingError::MissingColumn {
                column: name,
                found: found.clone(),
            })
    };
    let (ti, xi, yi, zi) = (col("ts")?, col("x")?, col("y")?, col("z")?);
    let mut rec = Recording {
        sample_rate_hz: 0.0,
        t_s: Vec::new(),
        accel_g: Vec::new(),
        gyro_dps: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut prev = None;
    let mut t0 = None;
    while rdr.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let abs = parse_local_datetime(record.get(ti).unwrap_or(""), line)?;
        let t = (abs - *t0.get_or_insert(abs)) as f64 / 1000.0;
        check_monotonic(t, prev, line)?;
        prev = Some(t);
        let get = |i: usize, name: &str| parse_num(record.get(i).unwrap_or(""), line, name);
        rec.t_s.push(t);
        rec.accel_g.push([
            get(xi, "x")? as f32,
            get(yi, "y")? as f32,
            get(zi, "z")? as f32,
        ]);
    }
    rec.sample_rate_hz = rate_from_times(&rec.t_s, rate_override_hz)?;
    Ok(rec)
}

/// Read any supported format.
pub fn import(
    format: Format,
    reader: impl Read,
    rate_override_hz: Option<f32>,
) -> Result<Recording, RecordingError> {
    match format {
        Format::TwitchWatchCsv => read_csv(reader, rate_override_hz),
        Format::Pdkit => read_pdkit(reader, rate_override_hz),
        Format::WristDailyLiving => read_wrist_daily_living(reader, rate_override_hz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_csv_with_and_without_gyro() {
        let text = "t,ax,ay,az\n0.00,0,0,1\n0.01,0,0,1\n0.02,0.001,0,1\n";
        let r = read_csv(text.as_bytes(), None).unwrap();
        assert_eq!(r.sample_rate_hz, 100.0);
        assert_eq!(r.len(), 3);
        assert!(r.gyro_dps.is_empty());
        let text = "t,ax,ay,az,gx,gy,gz\n0,0,0,1,1,2,3\n0.005,0,0,1,1,2,3\n";
        let r = read_csv(text.as_bytes(), None).unwrap();
        assert_eq!(r.sample_rate_hz, 200.0);
        assert_eq!(r.gyro_dps[1], [1.0, 2.0, 3.0]);
    }

    #[test]
    fn clear_errors_with_line_numbers() {
        let e = read_csv("t,ax,az\n0,0,1\n".as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("'ay'"), "{e}");
        let e = read_csv("t,ax,ay,az\n0,0,0,1\n0.01,zero,0,1\n".as_bytes(), None).unwrap_err();
        assert!(
            matches!(e, RecordingError::NotANumber { line: 3, .. }),
            "{e}"
        );
        let e = read_csv("t,ax,ay,az\n0,0,0,1\n0.01,NaN,0,1\n".as_bytes(), None).unwrap_err();
        assert!(
            matches!(e, RecordingError::NotFinite { line: 3, .. }),
            "{e}"
        );
        let e = read_csv(
            "t,ax,ay,az\n0,0,0,1\n0.02,0,0,1\n0.01,0,0,1\n".as_bytes(),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(e, RecordingError::NonMonotonicTime { line: 4, .. }),
            "{e}"
        );
        let e = read_csv("t,ax,ay,az\n0,0,0,1\n".as_bytes(), None).unwrap_err();
        assert!(matches!(e, RecordingError::TooShort { .. }), "{e}");
        let e = read_csv("t,ax,ay,az,gx\n0,0,0,1,0\n".as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("gy"), "{e}");
        let e = read_csv("t,ax,ay,az\n0,0,0,1\n1,0,0\n".as_bytes(), None).unwrap_err();
        assert!(
            matches!(e, RecordingError::WrongColumnCount { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn pdkit_and_wrist_conversions() {
        let text =
            "1000000000,0,0,9.80665,3\n1010000000,0.980665,0,9.80665,3\n1020000000,0,0,9.80665,3\n";
        let r = read_pdkit(text.as_bytes(), None).unwrap();
        assert_eq!(r.sample_rate_hz, 100.0);
        assert!((r.accel_g[1][0] - 0.1).abs() < 1e-6 && (r.accel_g[1][2] - 1.0).abs() < 1e-6);
        let text = "ts,x,y,z\n2019-03-21 14:58:00:500,0.1,0,1\n2019-03-21 14:58:00:510,0.1,0,1\n2019-03-21 14:58:00:520,0.1,0,1\n";
        let r = read_wrist_daily_living(text.as_bytes(), None).unwrap();
        assert_eq!(r.sample_rate_hz, 100.0);
        assert!((r.t_s[2] - 0.02).abs() < 1e-9);
        let e = read_wrist_daily_living("ts,x,y,z\n2019-03-21 14:58,0,0,1\n".as_bytes(), None)
            .unwrap_err();
        assert!(
            matches!(e, RecordingError::BadDateTime { line: 2, .. }),
            "{e}"
        );
    }

    #[test]
    fn batches_split_at_gaps_and_keep_times() {
        let mut text = String::from("t,ax,ay,az\n");
        for i in 0..10 {
            let t = if i < 5 {
                i as f64 * 0.01
            } else {
                1.0 + i as f64 * 0.01
            };
            text += &format!("{t},0,0,1\n");
        }
        let r = read_csv(text.as_bytes(), None).unwrap();
        let b: Vec<_> = r.batches(100).collect();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].first_sample_us, 1_050_000);
    }

    #[test]
    fn batches_keep_the_files_own_time_origin() {
        // A recording cut out of a longer one starts at t = 1000 s; its events must be reported
        // at 1000 s and later, not from 0 (docs/cli.md).
        let mut text = String::from("t,ax,ay,az\n");
        for i in 0..10 {
            text += &format!("{},0,0,1\n", 1000.0 + i as f64 * 0.01);
        }
        let r = read_csv(text.as_bytes(), None).unwrap();
        let b: Vec<_> = r.batches(100).collect();
        assert_eq!(b[0].first_sample_us, 1_000_000_000);
    }
}
