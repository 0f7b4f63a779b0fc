//! The emulator as a process: serves until SIGTERM or Ctrl-C. Needs `DBUS_SYSTEM_BUS_ADDRESS` pointing
//! at a private bus (tests/ble/run.sh starts one).

use twitchwatch_bluez_emulator::{default_devices, Emulator};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let emulator = Emulator::start(default_devices()).await?;
    eprintln!(
        "bluez emulator serving {} devices as org.bluez",
        emulator.devices.len()
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
