//! Mirrors for the doctor's report and the data export (`core::report`).

use twitchwatch_report::export::{self as core_export, ExportSection};

use crate::dates::format_date;

/// The written report: where, which days, and its headline sentences.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportSummary {
    pub path: String,
    pub from_date: String,
    pub to_date: String,
    /// Days in the period with enough wear to count.
    pub monitored_days: u32,
    /// The report's summary, sentence by sentence.
    pub summary: Vec<String>,
}

impl ReportSummary {
    pub(crate) fn of(path: String, data: &twitchwatch_report::ReportData) -> Self {
        Self {
            path,
            from_date: format_date(data.from),
            to_date: format_date(data.to),
            monitored_days: data.monitored_days().count() as u32,
            summary: twitchwatch_report::summary_sentences(data),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportedSection {
    pub section: ExportSection,
    pub rows: u64,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportResult {
    pub from_date: String,
    pub to_date: String,
    pub files: Vec<String>,
    pub sections: Vec<ExportedSection>,
}

impl From<core_export::ExportSummary> for ExportResult {
    fn from(s: core_export::ExportSummary) -> Self {
        Self {
            from_date: format_date(s.from),
            to_date: format_date(s.to),
            files: s.files.iter().map(|p| p.display().to_string()).collect(),
            sections: s
                .rows
                .into_iter()
                .map(|(section, rows)| ExportedSection {
                    section,
                    rows: rows as u64,
                })
                .collect(),
        }
    }
}
