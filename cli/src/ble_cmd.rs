//! `twitchwatch scan | pair ID | forget | devices`: finding a wearable over Bluetooth and choosing the one
//! whose data the history accepts. Pairing here means choosing and remembering; bonding is the OS's job.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use twitchwatch_device::link::{self, LinkConfig};
use twitchwatch_model::DiscoveredDevice;
use twitchwatch_model::{DeviceProtocol, PairedDevice};

use crate::history_store::{self, Access};
use crate::monitor_cmd::parse_duration_s;

#[derive(clap::Args)]
pub struct ScanArgs {
    /// How long to listen, e.g. 5s.
    #[arg(long, default_value = "5s", value_parser = parse_duration_s)]
    duration: f32,
    /// Bluetooth adapter (e.g. hci0); needed only when there are several.
    #[arg(long)]
    adapter: Option<String>,
    /// One JSON object per device instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct PairArgs {
    /// The id `twitchwatch scan` printed (a Bluetooth address on Linux).
    id: String,
    /// Sample rate to stream at (default: 200 Hz for a TwitchWatch wearable, 52 Hz for Polar; other
    /// Polar rates switch the sensor to SDK mode).
    #[arg(long)]
    rate: Option<u16>,
    /// Stream the gyroscope too (helps tell voluntary movement from tremor).
    #[arg(long)]
    gyro: bool,
    /// How long to scan for the device, e.g. 5s.
    #[arg(long, default_value = "5s", value_parser = parse_duration_s)]
    scan: f32,
    #[arg(long)]
    adapter: Option<String>,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the Bluetooth runtime")
}

fn scan_now(adapter: Option<String>, secs: f32) -> anyhow::Result<Vec<DiscoveredDevice>> {
    let config = LinkConfig {
        adapter,
        ..LinkConfig::default()
    };
    let found = runtime()?.block_on(link::scan(&config, Duration::from_secs_f32(secs)))?;
    Ok(found)
}

pub fn run_scan(args: ScanArgs) -> anyhow::Result<()> {
    let found = scan_now(args.adapter, args.duration)?;
    if args.json {
        for r in &found {
            println!(
                "{}",
                serde_json::json!({
                    "id": r.id,
                    "name": r.name,
                    "rssi_dbm": r.rssi,
                    "battery_percent": r.battery_percent,
                    "protocol": r.protocol.as_str(),
                })
            );
        }
        return Ok(());
    }
    if found.is_empty() {
        eprintln!("No TwitchWatch wearable or Polar sensor found. Is it on, charged and nearby?");
        return Ok(());
    }
    println!(
        "{:<20} {:<24} {:>6} {:>8}  protocol",
        "id", "name", "rssi", "battery"
    );
    for r in &found {
        let rssi = r.rssi.map(|v| format!("{v}")).unwrap_or_else(|| "-".into());
        let battery = r
            .battery_percent
            .map(|v| format!("{v}%"))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<20} {:<24} {:>6} {:>8}  {}",
            r.id,
            r.name,
            rssi,
            battery,
            r.protocol.as_str()
        );
    }
    eprintln!("Pair one with `twitchwatch pair ID`.");
    Ok(())
}

pub fn run_pair(data_dir: &Path, args: PairArgs) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::Record)?;
    let found = scan_now(args.adapter, args.scan)?;
    let Some(hit) = found.iter().find(|r| r.id.eq_ignore_ascii_case(&args.id)) else {
        let seen: Vec<&str> = found.iter().map(|r| r.id.as_str()).collect();
        anyhow::bail!(
            "device {} was not seen while scanning (seen: {}); is it on and nearby?",
            args.id,
            if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            }
        );
    };
    let rate = args.rate.unwrap_or(match hit.protocol {
        DeviceProtocol::TwitchWatchV1 => 200,
        DeviceProtocol::PolarPmd => 52,
    });
    let device = PairedDevice {
        id: hit.id.clone(),
        name: hit.name.clone(),
        protocol: hit.protocol,
        sample_rate_hz: rate,
        with_gyro: args.gyro,
        paired_at_ms: jiff::Timestamp::now().as_millisecond(),
    };
    store.pair_device(&device)?;
    println!(
        "Paired {} ({}, {}, {} Hz{}). Start with `twitchwatch monitor`.",
        device.name,
        device.id,
        device.protocol.as_str(),
        device.sample_rate_hz,
        if device.with_gyro { ", gyroscope" } else { "" }
    );
    Ok(())
}

pub fn run_forget(data_dir: &Path) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    match store.forget_device()? {
        Some(d) => println!(
            "Forgot {} ({}); its history stays. Data from it is no longer accepted.",
            d.name, d.id
        ),
        None => println!("No wearable was paired."),
    }
    Ok(())
}

pub fn run_devices(data_dir: &Path) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    let paired = store.paired_device()?;
    let known = store.known_devices()?;
    if known.is_empty() {
        println!(
            "No wearable has been paired yet: `twitchwatch scan`, then `twitchwatch pair ID`."
        );
        return Ok(());
    }
    for d in known {
        let mark = if paired.as_ref().is_some_and(|p| p.id == d.id) {
            "* paired"
        } else {
            ""
        };
        println!(
            "{:<20} {:<24} {:<14} {:>5} Hz{}  {}",
            d.id,
            d.name,
            d.protocol.as_str(),
            d.sample_rate_hz,
            if d.with_gyro { " +gyro" } else { "" },
            mark
        );
    }
    Ok(())
}
