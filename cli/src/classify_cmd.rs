//! `twitchwatch classify`: a recording analysed offline, printed as JSON lines (docs/cli.md).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::recording::{self, Format};

use crate::output;

#[derive(clap::Args)]
pub struct ClassifyArgs {
    /// The recording (CSV: t in s, ax,ay,az in g, optional gx,gy,gz in deg/s).
    #[arg(long)]
    input: PathBuf,
    /// Input layout: csv (ours), pdkit, wrist-daily-living (the public recordings; units converted).
    #[arg(long, default_value = "csv")]
    format: Format,
    /// Sample rate in Hz (default: inferred from t).
    #[arg(long)]
    rate: Option<f32>,
    /// Print the sample count and the time spent reading and classifying to stderr.
    #[arg(long)]
    timings: bool,
}

/// A tenth of a second per batch, like a wearable's notifications.
const BATCH_SECONDS: f32 = 0.1;

/// The largest input read (the recording is held in memory: about 32 bytes per sample, a little
/// less than a CSV row). 512 MiB is over a day at 100 Hz with the gyroscope.
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;
/// The longest line: a row of seven numbers is under 200 bytes; a header is not much more.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

pub fn run(args: ClassifyArgs) -> anyhow::Result<()> {
    let read_started = Instant::now();
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_INPUT_BYTES {
        anyhow::bail!(
            "{} is {} MiB; at most {} MiB are read at once: split the recording",
            args.input.display(),
            len / (1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        );
    }
    let input = TextInput::new(std::io::BufReader::new(file));
    let rec = recording::import(args.format, input, args.rate)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let read_s = read_started.elapsed().as_secs_f64();

    let classify_started = Instant::now();
    let mut classifier = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    let mut events = Vec::new();
    let mut minutes = Vec::new();
    let per_batch = ((rec.sample_rate_hz * BATCH_SECONDS).ceil() as usize).max(1);
    for batch in rec.batches(per_batch) {
        classifier
            .push_batch(&batch, &mut out)
            .with_context(|| format!("cannot classify {}", args.input.display()))?;
        events.append(&mut out.events);
        minutes.append(&mut out.minutes);
    }
    classifier.finish(&mut out);
    events.append(&mut out.events);
    minutes.append(&mut out.minutes);
    let classify_s = classify_started.elapsed().as_secs_f64();

    // Events and minutes interleaved in time order, so a reader can stream the output.
    let mut lines: Vec<(i64, u8, serde_json::Value)> = events
        .iter()
        .map(|e| (e.start_ms, 1, output::event_json(e)))
        .chain(
            minutes
                .iter()
                .map(|m| (m.minute_start_ms + 60_000, 0, output::minute_json(m))),
        )
        .collect();
    lines.sort_by_key(|(t, order, _)| (*t, *order));
    let mut stdout = std::io::stdout().lock();
    for (_, _, line) in &lines {
        if writeln!(stdout, "{line}").is_err() {
            break; // the reader closed the pipe
        }
    }
    if args.timings {
        let n = rec.len();
        eprintln!(
            "samples {n}  rate_hz {:.1}  read_s {read_s:.4}  classify_s {classify_s:.4}  classify_samples_per_s {:.0}",
            rec.sample_rate_hz,
            n as f64 / classify_s.max(1e-9)
        );
    }
    Ok(())
}

/// The input as `classify` reads it: UTF-8 text without control bytes (other than tab, CR and line
/// feed), lines of at most [`MAX_LINE_BYTES`], [`MAX_INPUT_BYTES`] in all. Checked while streaming,
/// so `/dev/zero`, a binary file or one endless line fails at once and in bounded memory, with a
/// short message instead of whatever the CSV parser would make of it.
struct TextInput<R> {
    inner: R,
    total: u64,
    line: u64,
    line_len: usize,
    /// The first bytes of a UTF-8 character split across two reads.
    carry: Vec<u8>,
}

fn not_text(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

impl<R: Read> TextInput<R> {
    fn new(inner: R) -> Self {
        TextInput {
            inner,
            total: 0,
            line: 1,
            line_len: 0,
            carry: Vec::new(),
        }
    }

    fn check(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.total += bytes.len() as u64;
        if self.total > MAX_INPUT_BYTES {
            return Err(not_text(format!(
                "the input is larger than {} MiB; split the recording",
                MAX_INPUT_BYTES / (1024 * 1024)
            )));
        }
        for &b in bytes {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.line_len = 0;
                }
                b'\t' | b'\r' => self.line_len += 1,
                0..=0x1f | 0x7f => {
                    return Err(not_text(format!(
                    "not a text CSV: line {} has the control byte 0x{b:02X} (is it a binary file?)",
                    self.line
                )))
                }
                _ => self.line_len += 1,
            }
            if self.line_len > MAX_LINE_BYTES {
                return Err(not_text(format!(
                    "line {} is longer than {} KiB; this is not a recording in a supported format",
                    self.line,
                    MAX_LINE_BYTES / 1024
                )));
            }
        }
        self.check_utf8(bytes)
    }

    fn check_utf8(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let invalid = |line| not_text(format!("not a text CSV: line {line} is not valid UTF-8"));
        let mut rest = bytes;
        if let Some(&lead) = self.carry.first() {
            let want = match lead {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let take = (want - self.carry.len()).min(rest.len());
            self.carry.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.carry.len() < want {
                return Ok(());
            }
            if std::str::from_utf8(&self.carry).is_err() {
                return Err(invalid(self.line));
            }
            self.carry.clear();
        }
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.carry.extend_from_slice(&rest[e.valid_up_to()..]);
                Ok(())
            }
            Err(_) => Err(invalid(self.line)),
        }
    }
}

impl<R: Read> Read for TextInput<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !self.carry.is_empty() {
            return Err(not_text(format!(
                "not a text CSV: line {} ends inside a UTF-8 character",
                self.line
            )));
        }
        self.check(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> std::io::Result<Vec<u8>> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        TextInput::new(Chunks(bytes, chunk)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn text_passes_whatever_the_read_sizes_and_binary_does_not() {
        let text = "t,ax,ay,az\r\n0,0,0,1\n# Müdigkeit ✓\n".as_bytes();
        for chunk in 1..8 {
            assert_eq!(read_all(text, chunk).unwrap(), text, "chunk {chunk}");
        }
        let err = read_all(b"t,ax\n\0\0\0", 4).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("0x00"), "{err}");
        let err = read_all(b"t,\xff\xfe", 1).unwrap_err().to_string();
        assert!(err.contains("UTF-8"), "{err}");
        let err = read_all("t,Mü".as_bytes().split_last().unwrap().1, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("inside a UTF-8 character"), "{err}");
        let long = vec![b'a'; MAX_LINE_BYTES + 1];
        let err = read_all(&long, 4096).unwrap_err().to_string();
        assert!(err.contains("longer than"), "{err}");
    }
}
