//! `Report`: the doctor's report and the data export, written off the calling thread.

use std::path::Path;
use std::sync::Arc;

use twitchwatch_app::monitor::now_ms;
use twitchwatch_report::{ExportFormat, ExportSection, ExportSummary, Overwrite, ReportSummary};
use twitchwatch_store::CalendarDay;

use crate::error::FfiResult;
use crate::runtime::blocking;
use crate::twitchwatch::Shared;

/// What a user can take to a doctor, or out of the app. From `TwitchWatch.report()`.
#[derive(uniffi::Object)]
pub struct Report {
    shared: Arc<Shared>,
}

impl Report {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Report {
    /// Writes the doctor's report (one self-contained HTML file) for `from..=to` (`null`: the last
    /// 90 days up to today) to `path`; an existing file is refused, never overwritten.
    pub async fn write(
        &self,
        path: String,
        from: Option<CalendarDay>,
        to: Option<CalendarDay>,
    ) -> FfiResult<ReportSummary> {
        let store = self.shared.monitor()?.store().clone();
        blocking(move || {
            let path = Path::new(&path);
            let data = twitchwatch_report::write_html(
                &store,
                now_ms(),
                from,
                to,
                path,
                Overwrite::Refuse,
            )?;
            Ok(data.summary(path))
        })
        .await?
    }

    /// Exports `sections` (empty: all) as CSV or JSON to `path` (JSON: one file; CSV: a file for one
    /// section, a folder for several). Period as for `write`; existing files are refused.
    pub async fn export(
        &self,
        path: String,
        format: ExportFormat,
        sections: Vec<ExportSection>,
        from: Option<CalendarDay>,
        to: Option<CalendarDay>,
    ) -> FfiResult<ExportSummary> {
        let store = self.shared.monitor()?.store().clone();
        blocking(move || {
            let path = Path::new(&path);
            Ok(twitchwatch_report::export(
                &store,
                now_ms(),
                format,
                &sections,
                from,
                to,
                path,
                Overwrite::Refuse,
            )?)
        })
        .await?
    }
}
