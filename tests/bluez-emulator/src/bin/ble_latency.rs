//! Benchmark: notification-to-event latency (p50/p99) and client CPU per hour of streaming, through
//! btleplug's real Linux backend against the emulator. Run via tests/ble/bench.sh (it starts the bus).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use twitchwatch_app::monitor::{Monitor, MonitorSettings};
use twitchwatch_bluez_emulator::{EmulatorControlProxy, WEARABLE_ADDRESS, WEARABLE_NAME};
use twitchwatch_device::link::{LinkConfig, LinkEvent, LinkSession};
use twitchwatch_model::{ConnectionState, DeviceProtocol, PairedDevice};

fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// CPU time of this process in seconds: the sum over its threads of /proc/self/task/*/schedstat
/// (nanoseconds on CPU), far finer than the 10 ms ticks of /proc/self/stat. Threads that ended are
/// missed, so the session's threads are all alive while it is measured.
fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut ns: u64 = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        ns += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    ns as f64 / 1e9
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

struct Figures {
    frames: usize,
    p50_ms: f64,
    p99_ms: f64,
    cpu_s_per_hour: f64,
}

async fn run(
    ctl: &EmulatorControlProxy<'_>,
    rate_hz: u16,
    classify: bool,
    window: Duration,
) -> anyhow::Result<Figures> {
    ctl.reset().await?;
    ctl.log_sends(WEARABLE_ADDRESS, true).await?;
    let device = PairedDevice {
        id: WEARABLE_ADDRESS.into(),
        name: WEARABLE_NAME.into(),
        protocol: DeviceProtocol::TwitchWatchV1,
        sample_rate_hz: rate_hz,
        with_gyro: true,
        paired_at_ms: 0,
    };
    let dir = tempfile::tempdir()?;
    let monitor = Monitor::open(dir.path(), MonitorSettings::default())?;
    let mut session = LinkSession::start(device, LinkConfig::default());
    // Receive times of every batch, in order; frame k of the send log is batch k.
    let mut received_ns: Vec<u64> = Vec::new();
    let mut cpu_start = None;
    let mut started = Instant::now();
    let mut measured_from = 0usize;
    while let Some(ev) = session.next_event().await {
        match ev {
            LinkEvent::Batch(b) => {
                received_ns.push(unix_ns());
                if classify {
                    monitor.ingest(&b)?;
                }
                if cpu_start.is_none() && received_ns.len() >= 20 {
                    // Skip connection set-up and warm-up.
                    cpu_start = Some(cpu_seconds());
                    started = Instant::now();
                    measured_from = received_ns.len();
                }
                if cpu_start.is_some() && started.elapsed() >= window {
                    break;
                }
            }
            LinkEvent::Failed(e) => anyhow::bail!("session failed: {e}"),
            LinkEvent::State(ConnectionState::Reconnecting { .. }) => {
                anyhow::bail!("link dropped during the benchmark")
            }
            _ => {}
        }
    }
    let cpu = cpu_seconds() - cpu_start.unwrap_or(0.0);
    let elapsed = started.elapsed().as_secs_f64();
    session.stop().await;
    let sent = ctl.sent_log(WEARABLE_ADDRESS).await?;
    ctl.log_sends(WEARABLE_ADDRESS, false).await?;
    let mut latencies_ms: Vec<f64> = received_ns
        .iter()
        .zip(sent.iter())
        .skip(measured_from)
        .map(|(rx, (_, tx))| (*rx as f64 - *tx as f64) / 1e6)
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    Ok(Figures {
        frames: latencies_ms.len(),
        p50_ms: percentile(&latencies_ms, 0.50),
        p99_ms: percentile(&latencies_ms, 0.99),
        cpu_s_per_hour: cpu / elapsed * 3600.0,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let window_s: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let conn = zbus::Connection::system().await?;
    let ctl = EmulatorControlProxy::new(&conn).await?;
    println!(
        "| rate | pipeline | frames | latency p50 | latency p99 | CPU per hour of streaming |"
    );
    println!("|---|---|---|---|---|---|");
    for rate in [100u16, 400] {
        for classify in [false, true] {
            let f = run(&ctl, rate, classify, Duration::from_secs(window_s)).await?;
            println!(
                "| {rate} Hz acc+gyro | {} | {} | {:.2} ms | {:.2} ms | {:.1} CPU-s ({:.2} % of a core) |",
                if classify {
                    "link + decode + classify + store"
                } else {
                    "link + decode"
                },
                f.frames,
                f.p50_ms,
                f.p99_ms,
                f.cpu_s_per_hour,
                f.cpu_s_per_hour / 36.0
            );
        }
    }
    Ok(())
}
