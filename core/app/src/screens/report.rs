//! Report export: the formats and periods offered, the file name suggested to the share sheet / document
//! picker, the disclaimer, and the outcome of the last export.

use std::path::Path;

use jiff::ToSpan;

use super::onboarding::Disclaimer;
use super::{lock, ScreenError, ScreenModel};
use twitchwatch_model::TimestampMs;
use twitchwatch_report as report;
use twitchwatch_store::local_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ScreenExportFormat"))]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportFormatOption {
    pub format: ExportFormat,
    pub label: String,
    pub description: String,
    pub suggested_file_name: String,
    pub mime_type: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportOutcome {
    Written { path: String, bytes: u64 },
    Failed { message: String },
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportState {
    /// Days the report covers, offered as choices; `default_period_days` is preselected.
    pub period_days_options: Vec<u32>,
    pub default_period_days: u32,
    pub formats: Vec<ExportFormatOption>,
    pub disclaimer: Disclaimer,
    pub last_export: Option<ExportOutcome>,
    /// "Saved twitchwatch-2026-06-30.html" after a written export; `None` otherwise (a failed
    /// export's message is in `last_export`).
    pub last_export_label: Option<String>,
    pub days_with_data: u32,
    /// Each format's button: "Create and share (90 days)".
    pub export_action_label: String,
    pub your_data: YourDataTexts,
}

/// The report screen's "your data" card and the delete-everything confirmation.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct YourDataTexts {
    pub title: String,
    /// Where the data is kept and who can read it.
    pub stays_on_phone: String,
    pub delete_label: String,
    pub confirm_title: String,
    pub confirm_text: String,
    pub confirm_label: String,
    pub cancel_label: String,
}

fn your_data_texts() -> YourDataTexts {
    YourDataTexts {
        title: "Your data".into(),
        stays_on_phone: "Everything TwitchWatch recorded stays on this phone, encrypted, and is left out of backups. It leaves the phone only in a report or export you share.".into(),
        delete_label: "Delete my data".into(),
        confirm_title: "Delete all your data?".into(),
        confirm_text: "This stops monitoring and deletes your history, journal, check-ins, alerts, task results, settings and the paired sensor from this phone, and the key that protects them. It cannot be undone. Export a report first if you want to keep one.".into(),
        confirm_label: "Delete everything".into(),
        cancel_label: "Cancel".into(),
    }
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
                "Daily summaries as a table.",
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
        let last_export = lock(&self.export).clone();
        let last_export_label = match &last_export {
            Some(ExportOutcome::Written { path, .. }) => Some(format!(
                "Saved {}",
                Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.clone())
            )),
            _ => None,
        };
        let default_period_days = 90;
        Ok(ReportState {
            period_days_options: PERIODS.to_vec(),
            default_period_days,
            formats,
            disclaimer: Disclaimer::current(accepted),
            last_export,
            last_export_label,
            days_with_data,
            export_action_label: format!("Create and share ({default_period_days} days)"),
            your_data: your_data_texts(),
        })
    }

    /// Writes the report (HTML), the daily summaries (CSV) or everything (JSON) for the last
    /// `period_days` days to `path`, a file the shell's document picker or cache folder chose.
    pub fn export_report(
        &self,
        format: ExportFormat,
        period_days: u32,
        path: &str,
        now_ms: TimestampMs,
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
        let result = self.write_export(format, period_days, target, now_ms);
        let outcome = match &result {
            Ok(bytes) => ExportOutcome::Written {
                path: target.display().to_string(),
                bytes: *bytes,
            },
            Err(e) => ExportOutcome::Failed {
                message: e.to_string(),
            },
        };
        *lock(&self.export) = Some(outcome);
        result?;
        self.report(now_ms)
    }

    /// An existing file at `target` is replaced: the shell chose the path for its own share flow
    /// (Android reuses the day's suggested name in its cache folder), so it holds an earlier export.
    fn write_export(
        &self,
        format: ExportFormat,
        period_days: u32,
        target: &Path,
        now_ms: TimestampMs,
    ) -> Result<u64, ScreenError> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(ScreenError::InvalidInput(format!(
                    "the folder {} does not exist",
                    parent.display()
                )));
            }
        }
        let store = self.store();
        let to = local_date(&store.time_zone(), now_ms);
        let from = to
            .checked_sub((i64::from(period_days) - 1).days())
            .map_err(|e| {
                ScreenError::InvalidInput(format!("cannot go back {period_days} days: {e}"))
            })?;
        match format {
            ExportFormat::Html => {
                report::write_html(
                    store,
                    now_ms,
                    Some(from),
                    Some(to),
                    target,
                    report::Overwrite::Replace,
                )?;
            }
            ExportFormat::Csv => {
                // One file for the share sheet: the daily summaries (other sections need a folder).
                report::export(
                    store,
                    now_ms,
                    report::ExportFormat::Csv,
                    &[report::ExportSection::Days],
                    Some(from),
                    Some(to),
                    target,
                    report::Overwrite::Replace,
                )?;
            }
            ExportFormat::Json => {
                report::export(
                    store,
                    now_ms,
                    report::ExportFormat::Json,
                    &[],
                    Some(from),
                    Some(to),
                    target,
                    report::Overwrite::Replace,
                )?;
            }
        }
        std::fs::metadata(target)
            .map(|m| m.len())
            .map_err(|source| ScreenError::Io {
                action: "check the written file",
                path: target.to_path_buf(),
                source,
            })
    }
}
