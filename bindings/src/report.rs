//! Mirrors for the doctor's report and the data export (`core::report`), and the wearables' GATT
//! identifiers a shell needs to run its own Bluetooth (constants from `core::device`).

use twitchwatch_device::{polar, protocol};
use twitchwatch_report::export::{self as core_export, ExportSection};

use crate::dates::format_date;
use twitchwatch_model::DeviceProtocol;

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

/// The GATT identifiers of a wearable: subscribe to `data_uuid` (and `battery_level_uuid`), send
/// commands to `control_point_uuid`, and push every notification to `TwitchWatch.pushNotification`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GattProfile {
    pub service_uuid: String,
    pub data_uuid: String,
    pub control_point_uuid: String,
    pub battery_level_uuid: String,
}

/// GATT identifiers for `protocol` (lower-case, hyphenated 128-bit UUIDs).
#[uniffi::export]
pub fn gatt_profile(protocol: DeviceProtocol) -> GattProfile {
    let battery = protocol::uuid_string(protocol::sig_uuid(protocol::BATTERY_LEVEL_UUID16));
    match protocol {
        DeviceProtocol::TwitchWatchV1 => GattProfile {
            service_uuid: protocol::uuid_string(protocol::SERVICE_UUID),
            data_uuid: protocol::uuid_string(protocol::DATA_UUID),
            control_point_uuid: protocol::uuid_string(protocol::CONTROL_POINT_UUID),
            battery_level_uuid: battery,
        },
        DeviceProtocol::PolarPmd => GattProfile {
            service_uuid: protocol::uuid_string(polar::PMD_SERVICE_UUID),
            data_uuid: protocol::uuid_string(polar::PMD_DATA_UUID),
            control_point_uuid: protocol::uuid_string(polar::PMD_CONTROL_POINT_UUID),
            battery_level_uuid: battery,
        },
    }
}
