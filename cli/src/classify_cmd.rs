//! `twitchwatch classify`: a recording analysed offline, printed as JSON lines (docs/cli.md).

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ClassifyArgs {
    /// The recording (CSV: t in s, ax,ay,az in g, optional gx,gy,gz in deg/s).
    #[arg(long)]
    input: PathBuf,
    /// Sample rate in Hz (default: inferred from t).
    #[arg(long)]
    rate: Option<f32>,
    /// Print the sample count and the time spent reading and classifying to stderr.
    #[arg(long)]
    timings: bool,
}

pub fn run(_args: ClassifyArgs) -> anyhow::Result<()> {
    anyhow::bail!("not wired yet")
}
