//! `Report`: the doctor's report and the data export, written off the calling thread; and the
//! wearables' GATT identifiers a shell needs to run its own Bluetooth (constants from the device crate).

use std::path::Path;
use std::sync::Arc;

use twitchwatch_app::monitor::now_ms;
use twitchwatch_device::{polar, protocol};
use twitchwatch_model::DeviceProtocol;
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
