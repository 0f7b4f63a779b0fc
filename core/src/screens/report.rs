//! Report export: the formats and periods offered, the file name suggested to the share sheet / document
//! picker, the disclaimer, and the outcome of the last export.

use std::path::Path;

use jiff::ToSpan;

use super::onboarding::Disclaimer;
use super::{lock, ScreenError, ScreenModel};
use crate::model::TimestampMs;
use crate::store::local_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One self-contained page for the doctor.
    Html,
    Csv,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Html => "html",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            ExportFormat::Html => "text/html",
            ExportFormat::Csv => "text/csv",
            ExportFormat::Json => "application/json",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportFormatOption {
    pub format: ExportFormat,
    pub label: String,
    pub description: String,
    pub suggested_file_name: String,
    pub mime_type: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExportOutcome {
    Written { path: String, bytes: u64 },
    Failed { message: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportState {
    /// Days the report covers, offered as choices; `default_period_days` is preselected.
    pub period_days_options: Vec<u32>,
    pub default_period_days: u32,
    pub formats: Vec<ExportFormatOption>,
    pub disclaimer: Disclaimer,
    pub last_export: Option<ExportOutcome>,
    pub days_with_data: u32,
}

const PERIODS: [u32; 3] = [30, 90, 365];

impl ScreenModel {
    pub fn report(&self, now_ms: TimestampMs) -> Result<ReportState, ScreenError> {
        let tz = self.store().time_zone();
        let today = local_date(&tz, now_ms);
        let from = today.checked_sub(89.days()).unwrap_or(today);
        let days_with_data = self
            .store()
            .daily_summaries(from, today, &tz)?
            .iter()
            .filter(|d| d.minutes_recorded > 0)
            .count() as u32;
        let formats = [
            (
                ExportFormat::Html,
                "Report for your doctor",
                "One page with charts, alerts and your journal.",
            ),
            (
                ExportFormat::Csv,
                "Spreadsheet (CSV)",
                "Daily summaries, events and the journal as tables.",
            ),
            (
                ExportFormat::Json,
                "Data (JSON)",
                "Everything, for another app or a backup.",
            ),
        ]
        .into_iter()
        .map(|(format, label, description)| ExportFormatOption {
            format,
            label: label.into(),
            description: description.into(),
            suggested_file_name: format!("twitchwatch-{today}.{}", format.extension()),
            mime_type: format.mime_type().into(),
        })
        .collect();
        let accepted = self
            .onboarding(&Default::default())?
            .disclaimer
            .accepted_at_ms;
        Ok(ReportState {
            period_days_options: PERIODS.to_vec(),
            default_period_days: 90,
            formats,
            disclaimer: Disclaimer::current(accepted),
            last_export: lock(&self.export).clone(),
            days_with_data,
        })
    }

    /// Writes the report or export to `path` (a file the shell's picker or cache dir chose).
    ///
    /// NOTE (issue 4): `core::report` is not written yet: the path and period are checked, then this
    /// returns `NotAvailable`. When it lands, call it here and record `ExportOutcome::Written`.
    pub fn export_report(
        &self,
        format: ExportFormat,
        period_days: u32,
        path: &str,
        _now_ms: TimestampMs,
    ) -> Result<ReportState, ScreenError> {
        if !PERIODS.contains(&period_days) {
            return Err(ScreenError::InvalidInput(format!(
                "a report covers 30, 90 or 365 days, not {period_days}"
            )));
        }
        let target = Path::new(path.trim());
        if path.trim().is_empty() || target.is_dir() {
            return Err(ScreenError::InvalidInput(format!(
                "'{path}' is not a file path; choose a file name such as twitchwatch.{}",
                format.extension()
            )));
        }
        match target.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) if !parent.is_dir() => {
                let message = format!("the folder {} does not exist", parent.display());
                *lock(&self.export) = Some(ExportOutcome::Failed {
                    message: message.clone(),
                });
                return Err(ScreenError::InvalidInput(message));
            }
            _ => {}
        }
        Err(ScreenError::NotAvailable("exporting the report"))
    }
}
