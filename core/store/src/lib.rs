//! The on-phone history in sled: motor events, minute summaries, per-day rollups, devices, settings,
//! and the trees the journal and alerts persist into. Schema-versioned; corrupt data is a typed error.
//!
//! Policies (see also docs/rules.md "Storage"):
//! - Every value starts with a schema-version byte; the store records its schema version in `meta`
//!   and refuses to open a newer one (nothing is touched).
//! - Open: an existing store is first opened on a copy beside it, so an open that is refused
//!   (damaged files, data missing) leaves every file as it was; the folder is 0700, its files 0600.
//! - Flush: sled flushes on its own every `flush_every_ms`; the caller also calls [`Store::flush`]
//!   after each completed minute, so at most one minute is lost in a crash.
//! - A corrupt value: point reads fail with [`StoreError::CorruptRecord`] naming tree and key; range
//!   reads skip it, count it ([`Store::corrupt_records_skipped`]) and warn, so one bad record never
//!   hides the rest of the history ([`CorruptRecordPolicy::Fail`] makes them fail instead).

mod codec;
mod crypt;
mod days;
mod files;
mod folder_state;
mod minutes;
pub mod sync;
#[cfg(feature = "uniffi")]
mod uniffi_types;
#[cfg(feature = "uniffi")]
pub use uniffi_types::{set_invalid_day_error, CalendarDay};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

pub use codec::{date_from_key, date_key, time_key};
use codec::{decode_compact, encode_compact, event_key};
pub(crate) use codec::{decode_json, describe_key, encode_json};
pub use crypt::DataKey;
use crypt::{Cipher, KeyringFile};
use days::DayRollup;
pub use days::DaySummary;
pub use days::{local_date, start_of_day_ms};
pub use files::DeletionReport;
pub use folder_state::DataFolderState;
pub use minutes::SessionId;
use minutes::StoredMinute;

use twitchwatch_model::{MinuteSummary, MotorEvent, PairedDevice, SensorBatch, TimestampMs};

/// Schema of the store as a whole (tree layout, key formats). Bumped on incompatible changes.
/// 2: a minute holds each session's part (version-2 `minutes` values). A schema-1 store opens as it
/// is (its minutes read as one part each) and is marked 2, so a build that would replace merged
/// minutes instead of adding to them refuses it rather than losing data.
/// 3: encrypted at rest (module `crypt`): every value sealed, event and device keys keyed hashes,
/// a keyring file beside sled's. A schema-1 or -2 store opened with a data key is migrated once.
pub const STORE_SCHEMA_VERSION: u32 = 3;
/// The newest schema a store without a data key has (tests and tools only; shells pass a key).
pub const PLAINTEXT_SCHEMA_VERSION: u32 = 2;

const META_SCHEMA: &[u8] = b"schema_version";
const META_ROLLUP_TZ: &[u8] = b"rollup_time_zone";
const META_PAIRED: &[u8] = b"paired_device_id";
const META_FLUSH_GENERATION: &[u8] = b"flush_generation";
/// Set when records the user deleted may still sit in sled's log: the next open rewrites the files.
const META_REWRITE_WANTED: &[u8] = b"rewrite_wanted";
/// Day roll-ups before this date (a `date_key`) are all that is left of minutes and events removed
/// by retention: a roll-up rebuild keeps them as they are.
const META_SUMMARIES_BEFORE: &[u8] = b"summaries_only_before";
const SETTINGS_KEY: &[u8] = b"settings";
/// Written next to sled's files. It lets a newer schema be refused before sled touches anything,
/// and it catches sled silently recovering a damaged log to an older (or empty) state.
const SIDECAR_FILE: &str = "twitchwatch-store.json";
const DAY_MS: i64 = 86_400_000;

/// What a range read does when it meets a value it cannot decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CorruptRecordPolicy {
    /// Skip it, count it and log a warning (tree and key only, never the value).
    #[default]
    Skip,
    /// Fail the whole read with [`StoreError::CorruptRecord`].
    Fail,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// How often sled writes its buffers to disk on its own; 0 = only on [`Store::flush`].
    pub flush_every_ms: u64,
    /// Default retention of events, minutes and raw samples; `Settings::retention_days` overrides it.
    pub retention_days: Option<u32>,
    /// Keep raw sensor batches (large: ~2 MB per hour at 100 Hz). Off by default.
    pub keep_raw_samples: bool,
    /// sled page cache size.
    pub cache_capacity_bytes: u64,
    pub on_corrupt_record: CorruptRecordPolicy,
    /// Create a new, empty store when there is none at the path. Off for read-only uses (listing,
    /// exporting), which then get [`StoreError::NotFound`] and leave the folder as it was.
    pub create_if_missing: bool,
    /// The caller's data key: every value is sealed with it (see [`DataKey`]), and a store written
    /// without encryption is migrated on open. `None` is a plaintext store, for tests and tools only;
    /// an encrypted store opened without a key is [`StoreError::KeyRequired`].
    pub data_key: Option<DataKey>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            flush_every_ms: 500,
            retention_days: None,
            keep_raw_samples: false,
            cache_capacity_bytes: 16 * 1024 * 1024,
            on_corrupt_record: CorruptRecordPolicy::Skip,
            create_if_missing: true,
            data_key: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the TwitchWatch store at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is a file, not a folder; the TwitchWatch data folder must be a folder (or a path that does not exist yet)")]
    NotADirectory { path: PathBuf },
    #[error("there is no TwitchWatch history at {path} yet (nothing was created there)")]
    NotFound { path: PathBuf },
    #[error("the TwitchWatch store at {path} is in use by another process; close the other TwitchWatch (monitor, app) and try again")]
    InUse { path: PathBuf },
    #[error("the TwitchWatch store at {path} is corrupt ({detail}); do not delete it: move that folder aside (keep it for recovery) and start a fresh store, or restore a backup")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the TwitchWatch store at {path} was written by a newer version (store schema {found}, this build supports up to {supported}); update TwitchWatch. Nothing was changed")]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "corrupt record in tree '{tree}' at key {key}: {reason}. The rest of the store is readable"
    )]
    CorruptRecord {
        tree: &'static str,
        key: String,
        reason: String,
    },
    #[error("record in tree '{tree}' at key {key} has schema version {found}, newer than this build supports ({supported}); update TwitchWatch")]
    NewerRecord {
        tree: &'static str,
        key: String,
        found: u8,
        supported: u8,
    },
    #[error("cannot encode a value for tree '{tree}': {reason}")]
    Encode { tree: &'static str, reason: String },
    #[error("invalid {what} at position {index}: {reason}; nothing from this batch was stored")]
    InvalidInput {
        what: &'static str,
        index: usize,
        reason: String,
    },
    #[error("invalid setting '{field}': {reason}")]
    InvalidSetting { field: &'static str, reason: String },
    #[error("{from} to {to} is {days} days; daily summaries cover at most {max} days at a time, so choose a shorter range")]
    RangeTooLong {
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        days: i64,
        max: u32,
    },
    #[error("the data key does not open the TwitchWatch store at {path}; nothing was changed. Use the key it was created with")]
    WrongKey { path: PathBuf },
    #[error("the TwitchWatch store at {path} is encrypted and no data key was given; nothing was changed")]
    KeyRequired { path: PathBuf },
    #[error("invalid data key: {reason}")]
    InvalidKey { reason: String },
    #[error("storage engine error: {0}")]
    Backend(#[from] sled::Error),
}

/// User settings, stored as one JSON record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Settings {
    /// Days of events/minutes to keep (7…3650); `None` keeps everything.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub retention_days: Option<u32>,
    /// IANA time zone that defines the user's calendar days (e.g. `Europe/Berlin`); `None` follows
    /// the system.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub time_zone: Option<String>,
    /// Rule thresholds changed from their defaults, by parameter key (see `rules::PARAMETERS`).
    /// A shell changes settings by reading them, editing and saving them whole.
    #[serde(default)]
    pub rule_params: RuleParamValues,
}

/// Rule thresholds by parameter key, ordered so the stored record is stable.
pub type RuleParamValues = BTreeMap<String, f64>;

/// The longest range [`Store::daily_summaries`] answers: ten years and their leap days.
pub const DAILY_SUMMARY_DAYS_MAX: u32 = 3660;

pub const RETENTION_DAYS_MIN: u32 = 7;
pub const RETENTION_DAYS_MAX: u32 = 3650;

impl Settings {
    pub fn validate(&self) -> Result<(), StoreError> {
        if let Some(days) = self.retention_days {
            if !(RETENTION_DAYS_MIN..=RETENTION_DAYS_MAX).contains(&days) {
                return Err(StoreError::InvalidSetting {
                    field: "retention_days",
                    reason: format!(
                        "{days} is outside {RETENTION_DAYS_MIN}..={RETENTION_DAYS_MAX} days"
                    ),
                });
            }
        }
        if let Some(name) = &self.time_zone {
            jiff::tz::TimeZone::get(name).map_err(|e| StoreError::InvalidSetting {
                field: "time_zone",
                reason: format!(
                    "'{name}' is not a known IANA time zone ({e}); use e.g. Europe/Berlin"
                ),
            })?;
        }
        for (key, value) in &self.rule_params {
            if !value.is_finite() {
                return Err(StoreError::InvalidSetting {
                    field: "rule_params",
                    reason: format!("{key} must be a finite number"),
                });
            }
        }
        Ok(())
    }
}

/// How many records each tree holds (cheap: sled keeps no counts, so this scans keys only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoreCounts {
    pub events: u64,
    pub minutes: u64,
    pub days: u64,
    pub journal_days: u64,
    pub checkins: u64,
    pub alerts: u64,
    pub task_results: u64,
    pub raw_batches: u64,
}

/// The first and last local day with data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DateSpan {
    pub first: jiff::civil::Date,
    pub last: jiff::civil::Date,
}

/// One record that failed to decode, found by [`Store::check_integrity`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorruptRecordInfo {
    pub tree: &'static str,
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Sidecar {
    schema_version: u32,
    flush_generation: u64,
}

fn read_sidecar(dir: &Path) -> Option<Sidecar> {
    let bytes = std::fs::read(dir.join(SIDECAR_FILE)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            // A torn sidecar (power loss during rename) must not lock the user out of the data.
            tracing::warn!(error = %e, "store sidecar unreadable; relying on the store's own records");
            None
        }
    }
}

fn write_sidecar(dir: &Path, sidecar: &Sidecar) -> Result<(), StoreError> {
    let tmp = dir.join(format!("{SIDECAR_FILE}.tmp"));
    let io = |source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let body = serde_json::to_vec(sidecar).map_err(|e| StoreError::Encode {
        tree: "meta",
        reason: e.to_string(),
    })?;
    {
        use std::io::Write;
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        let mut file = open.open(&tmp).map_err(io)?;
        file.write_all(&body).map_err(io)?;
    }
    std::fs::rename(&tmp, dir.join(SIDECAR_FILE)).map_err(io)
}

struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

struct Inner {
    path: PathBuf,
    options: StoreOptions,
    db: sled::Db,
    events: sled::Tree,
    minutes: sled::Tree,
    days: sled::Tree,
    devices: sled::Tree,
    settings: sled::Tree,
    journal: sled::Tree,
    checkins: sled::Tree,
    alerts: sled::Tree,
    task_results: sled::Tree,
    meta: sled::Tree,
    raw: sled::Tree,
    zone: RwLock<Zone>,
    /// Serialises rollup rebuilds against incremental rollup updates.
    rollup_lock: Mutex<()>,
    corrupt_skipped: AtomicU64,
    /// Serialises flushes so the sidecar's generation never runs ahead of sled's.
    flush_generation: Mutex<u64>,
    /// `None`: a plaintext store (no data key was given).
    cipher: Option<Cipher>,
    schema: u32,
}

/// The history store. Cheap to clone; all clones share one sled database.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// The collections other stages persist their own records into (JSON values with a schema version, keys
/// from `time_key` / `date_key` so range scans are time ordered). The sled trees behind them stay private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Collection {
    Journal,
    Checkins,
    Alerts,
    /// Results of the active tasks (finger tapping, tremor tasks, the grip proxy), keyed by
    /// `time_key` of their completion; the task and hand stay inside the sealed value.
    TaskResults,
}

impl Collection {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.raw_os_error() == Some(11)
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

fn map_open_error(path: &Path, e: sled::Error) -> StoreError {
    if is_lock_error(&e) {
        return StoreError::InUse {
            path: path.to_path_buf(),
        };
    }
    match e {
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: io.to_string(),
            }
        }
        sled::Error::Io(io) => StoreError::Io {
            path: path.to_path_buf(),
            source: io,
        },
        sled::Error::Corruption { at, bt: _ } => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: match at {
                Some(at) => format!("storage engine found damaged data at {at:?}"),
                None => "storage engine found damaged data".into(),
            },
        },
        sled::Error::Unsupported(what) => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("unsupported or damaged storage files: {what}"),
        },
        other => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

/// A damaged file met while checking a store on open is that store's corruption, whichever tree
/// read ran into it (sled reports it as a plain engine error).
fn as_open_error(path: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::Backend(inner) => map_open_error(path, inner),
        other => other,
    }
}

fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Backend(e),
    }
}

fn resolve_zone(settings: &Settings) -> Zone {
    if let Some(name) = &settings.time_zone {
        match jiff::tz::TimeZone::get(name) {
            Ok(tz) => {
                return Zone {
                    name: name.clone(),
                    tz,
                }
            }
            Err(e) => {
                tracing::warn!(zone = %name, error = %e, "stored time zone unknown; using the system zone")
            }
        }
    }
    let system = jiff::tz::TimeZone::system();
    match system.iana_name() {
        Some(name) => Zone {
            name: name.to_string(),
            tz: system.clone(),
        },
        None => Zone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        },
    }
}

/// sled's handles on one set of store files (the store's own, or the copy an open is tried on).
struct Engine {
    db: sled::Db,
    events: sled::Tree,
    minutes: sled::Tree,
    days: sled::Tree,
    devices: sled::Tree,
    settings: sled::Tree,
    journal: sled::Tree,
    checkins: sled::Tree,
    alerts: sled::Tree,
    task_results: sled::Tree,
    meta: sled::Tree,
    raw: sled::Tree,
}

/// What the store's own records say about the files sled recovered.
struct Checked {
    generation: u64,
    /// The schema record; `None` for a new, empty store.
    schema: Option<u32>,
}

/// Seals a value under the store's key (unchanged in a plaintext store).
fn seal(cipher: Option<&Cipher>, tree: &'static str, key: &[u8], plain: Vec<u8>) -> Vec<u8> {
    match cipher {
        Some(c) => c.seal(tree, key, &plain),
        None => plain,
    }
}

/// The plaintext of a stored value.
fn unseal<'a>(
    cipher: Option<&Cipher>,
    tree: &'static str,
    key: &[u8],
    bytes: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, StoreError> {
    match cipher {
        Some(c) => c.open(tree, key, bytes).map(std::borrow::Cow::Owned),
        None => Ok(std::borrow::Cow::Borrowed(bytes)),
    }
}

/// An event's key: its start time (so ranges scan in time order), then, in an encrypted store, 8
/// bytes of a keyed hash of start and kind instead of the kind itself, which would tell twitches
/// from tremor to anyone holding the files. Same event, same key, so a replay still overwrites.
fn stored_event_key(cipher: Option<&Cipher>, legacy: [u8; 9]) -> Vec<u8> {
    match cipher {
        Some(c) => {
            let mut key = legacy[..8].to_vec();
            key.extend_from_slice(&c.key_tag(b"event", &legacy)[..8]);
            key
        }
        None => legacy.to_vec(),
    }
}

/// A device's key: its id, or in an encrypted store a keyed hash of it.
fn stored_device_key(cipher: Option<&Cipher>, id: &str) -> Vec<u8> {
    match cipher {
        Some(c) => c.key_tag(b"device", id.as_bytes()).to_vec(),
        None => id.as_bytes().to_vec(),
    }
}

/// An alert's key is its id, which names the rule and its day ("difficulty_swallowing" on a date):
/// in an encrypted store the sled key is a keyed hash of it, and the id travels inside the sealed
/// value (length, id, then the record), so scans still return it. Alerts are never range-scanned.
fn stored_alert_key(cipher: &Cipher, id: &[u8]) -> Vec<u8> {
    cipher.key_tag(b"alert", id)[..16].to_vec()
}

fn with_alert_id(id: &[u8], record: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + id.len() + record.len());
    out.extend_from_slice(&(id.len().min(u16::MAX as usize) as u16).to_be_bytes());
    out.extend_from_slice(&id[..id.len().min(u16::MAX as usize)]);
    out.extend_from_slice(record);
    out
}

fn split_alert_id<'a>(key: &[u8], plain: &'a [u8]) -> Result<(&'a [u8], &'a [u8]), StoreError> {
    let corrupt = || StoreError::CorruptRecord {
        tree: "alerts",
        key: describe_key("alerts", key),
        reason: "the sealed alert has no id".into(),
    };
    let len = u16::from_be_bytes(
        plain
            .get(..2)
            .ok_or_else(corrupt)?
            .try_into()
            .expect("2 bytes"),
    );
    let end = 2 + len as usize;
    let id = plain.get(2..end).ok_or_else(corrupt)?;
    Ok((id, &plain[end..]))
}

/// The trees whose values are health data or personal, each sealed in an encrypted store.
const SEALED_TREES: [&str; 10] = [
    "events",
    "minutes",
    "days",
    "devices",
    "settings",
    "journal",
    "checkins",
    "alerts",
    "task_results",
    "raw",
];

impl Engine {
    /// Opens sled on `files`; errors name `shown`, the folder the caller asked for.
    fn open(
        files: &Path,
        shown: &Path,
        options: &StoreOptions,
        background_flush: bool,
    ) -> Result<Engine, StoreError> {
        let flush_every =
            (background_flush && options.flush_every_ms > 0).then_some(options.flush_every_ms);
        let config = sled::Config::new()
            .path(files)
            .cache_capacity(options.cache_capacity_bytes)
            .flush_every_ms(flush_every);
        // sled's flusher thread releases the file lock shortly after the last handle is
        // dropped, so a quick reopen (same or next process) waits briefly before calling it in use.
        let mut attempts = 0;
        let opened = loop {
            // sled 0.34 can panic on some damaged files instead of returning Corruption.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
            match result {
                Ok(Err(e)) if is_lock_error(&e) && attempts < 40 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other,
            }
        };
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => return Err(map_open_error(shown, e)),
            Err(_) => {
                return Err(StoreError::Corrupt {
                    path: shown.to_path_buf(),
                    detail: "the storage engine could not read its files".into(),
                })
            }
        };
        let open_tree = |name: &str| -> Result<sled::Tree, StoreError> {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| db.open_tree(name)))
                .map_err(|_| StoreError::Corrupt {
                    path: shown.to_path_buf(),
                    detail: format!("tree '{name}' could not be read"),
                })?
                .map_err(|e| map_open_error(shown, e))
        };
        Ok(Engine {
            events: open_tree("events")?,
            minutes: open_tree("minutes")?,
            days: open_tree("days")?,
            devices: open_tree("devices")?,
            settings: open_tree("settings")?,
            journal: open_tree("journal")?,
            checkins: open_tree("checkins")?,
            alerts: open_tree("alerts")?,
            task_results: open_tree("task_results")?,
            meta: open_tree("meta")?,
            raw: open_tree("raw")?,
            db,
        })
    }

    /// Checks what sled recovered against the store's records, writing nothing: the schema record,
    /// and the flush generation against the sidecar's (sled silently recovering an older state).
    fn check(&self, shown: &Path, sidecar: Option<Sidecar>) -> Result<Checked, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            path: shown.to_path_buf(),
            detail,
        };
        let generation = match self.meta.get(META_FLUSH_GENERATION)? {
            Some(b) => u64::from_be_bytes(
                b.as_ref()
                    .try_into()
                    .map_err(|_| corrupt("flush generation record is damaged".into()))?,
            ),
            None => 0,
        };
        if let Some(sc) = sidecar {
            if generation < sc.flush_generation {
                return Err(corrupt(format!(
                    "data that was safely written is missing (the storage engine recovered to flush {generation}, but flush {} had completed); the database file is damaged",
                    sc.flush_generation
                )));
            }
        }
        let schema = match self.meta.get(META_SCHEMA)? {
            Some(bytes) => {
                let raw: [u8; 4] = bytes.as_ref().try_into().map_err(|_| {
                    corrupt(format!(
                        "schema version record has {} bytes instead of 4",
                        bytes.len()
                    ))
                })?;
                let found = u32::from_be_bytes(raw);
                if found > STORE_SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: shown.to_path_buf(),
                        found,
                        supported: STORE_SCHEMA_VERSION,
                    });
                }
                if found == 0 {
                    return Err(corrupt("schema version 0 is never written".into()));
                }
                Some(found)
            }
            None => {
                let has_data = [&self.events, &self.minutes, &self.journal]
                    .iter()
                    .any(|t| !t.is_empty());
                if has_data || sidecar.is_some() {
                    return Err(corrupt("the store's schema record is missing, so its database file is damaged or was replaced".into()));
                }
                None
            }
        };
        Ok(Checked { generation, schema })
    }

    fn tree(&self, name: &str) -> &sled::Tree {
        match name {
            "events" => &self.events,
            "minutes" => &self.minutes,
            "days" => &self.days,
            "devices" => &self.devices,
            "settings" => &self.settings,
            "journal" => &self.journal,
            "checkins" => &self.checkins,
            "alerts" => &self.alerts,
            "task_results" => &self.task_results,
            "raw" => &self.raw,
            _ => &self.meta,
        }
    }

    /// Seals every value not yet sealed under `cipher`'s key: plaintext values of an older schema
    /// (their event and device keys become keyed hashes at the same time) and values sealed under
    /// the other key of an unfinished rotation. Each batch is atomic, and a value already done is
    /// recognised by its header, so a kill part way leaves a store this resumes from.
    fn reseal_all(&self, cipher: &Cipher) -> Result<usize, StoreError> {
        let mut resealed = 0;
        for name in SEALED_TREES {
            let tree = self.tree(name);
            let mut batch = sled::Batch::default();
            let mut n = 0;
            for item in tree.iter() {
                let (key, value) = item?;
                if cipher.is_current(&value) {
                    continue;
                }
                let (new_key, plain) = if value.first() == Some(&crypt::SEALED_MARKER) {
                    match cipher.open(name, &key, &value) {
                        Ok(plain) => (key.to_vec(), plain),
                        // Damaged on disk: left as it is, reported by reads and integrity checks.
                        Err(_) => continue,
                    }
                } else {
                    // A plaintext value: its key is the old format too.
                    let new_key = match name {
                        "events" if key.len() == 9 => {
                            let legacy: [u8; 9] = key.as_ref().try_into().expect("9 bytes");
                            stored_event_key(Some(cipher), legacy)
                        }
                        "devices" => match std::str::from_utf8(&key) {
                            Ok(id) => stored_device_key(Some(cipher), id),
                            Err(_) => key.to_vec(),
                        },
                        "alerts" => stored_alert_key(cipher, &key),
                        _ => key.to_vec(),
                    };
                    let plain = match name {
                        "alerts" => with_alert_id(&key, &value),
                        _ => value.to_vec(),
                    };
                    (new_key, plain)
                };
                if new_key.as_slice() != key.as_ref() {
                    batch.remove(key.clone());
                }
                batch.insert(new_key.as_slice(), cipher.seal(name, &new_key, &plain));
                n += 1;
                if n == 2_000 {
                    tree.apply_batch(std::mem::take(&mut batch))?;
                    resealed += n;
                    n = 0;
                }
            }
            tree.apply_batch(batch)?;
            resealed += n;
        }
        if let Some(value) = self.meta.get(META_PAIRED)? {
            if !cipher.is_current(&value) {
                let plain = if value.first() == Some(&crypt::SEALED_MARKER) {
                    cipher.open("meta", META_PAIRED, &value)?
                } else {
                    value.to_vec()
                };
                self.meta
                    .insert(META_PAIRED, cipher.seal("meta", META_PAIRED, &plain))?;
                resealed += 1;
            }
        }
        Ok(resealed)
    }
}

impl Store {
    /// Opens (or creates) the store at `path`. Never panics on damaged files: a damaged store is
    /// [`StoreError::Corrupt`], a store from a newer build is [`StoreError::NewerSchema`]. An
    /// existing store is first opened on a copy (see `files`), so a refused open changes nothing.
    pub fn open(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        // A rewrite interrupted by a kill may have moved sled's files aside: put them back first.
        if files::rewrite_pending(path) {
            let _lock = files::lock_engine_file(path)?;
            files::finish_rewrite(path)?;
        }
        let found = files::inspect(path)?;
        if found == files::Found::Nothing && !options.create_if_missing {
            return Err(StoreError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let sidecar = read_sidecar(path);
        if let Some(sc) = sidecar {
            if sc.schema_version > STORE_SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: path.to_path_buf(),
                    found: sc.schema_version,
                    supported: STORE_SCHEMA_VERSION,
                });
            }
        }
        // The key is checked before sled sees the files: a wrong one changes nothing.
        let keyring = match found {
            files::Found::Store => KeyringFile::read(path)?,
            files::Found::Nothing => None,
        };
        let (cipher, new_keyring) = match (&options.data_key, &keyring) {
            (None, Some(_)) => {
                return Err(StoreError::KeyRequired {
                    path: path.to_path_buf(),
                })
            }
            (None, None) => (None, None),
            (Some(key), Some(ring)) => (Some(ring.unlock(path, key)?), None),
            (Some(key), None) => {
                if sidecar.is_some_and(|sc| sc.schema_version >= STORE_SCHEMA_VERSION) {
                    return Err(StoreError::Corrupt {
                        path: path.to_path_buf(),
                        detail: "the store is encrypted but its keyring file is missing".into(),
                    });
                }
                let (ring, cipher) = KeyringFile::new_for(key);
                (Some(cipher), Some(ring))
            }
        };
        let target_schema = if cipher.is_some() {
            STORE_SCHEMA_VERSION
        } else {
            PLAINTEXT_SCHEMA_VERSION
        };
        match found {
            files::Found::Store => {
                // Held while copying, so no other process writes the files half way through.
                let lock = files::lock_engine_file(path)?;
                let copy = files::CheckCopy::make(path)?;
                let engine = Engine::open(copy.path(), path, &options, false)?;
                let checked = engine
                    .check(path, sidecar)
                    .map_err(|e| as_open_error(path, e))?;
                if cipher.is_none() && checked.schema == Some(STORE_SCHEMA_VERSION) {
                    return Err(StoreError::KeyRequired {
                        path: path.to_path_buf(),
                    });
                }
                drop(engine);
                drop(copy);
                drop(lock);
            }
            files::Found::Nothing => files::create_private_dir(path)?,
        }
        if let Some(ring) = &new_keyring {
            ring.write(path)?;
        }
        let mut engine = Engine::open(path, path, &options, true)?;
        let mut checked = engine
            .check(path, sidecar)
            .map_err(|e| as_open_error(path, e))?;
        let mut rewrite = engine.meta.get(META_REWRITE_WANTED)?.is_some();
        if let Some(cipher) = &cipher {
            let rotating = keyring.as_ref().is_some_and(|r| r.slot_count() > 1);
            let migrating = checked.schema.is_some_and(|v| v < STORE_SCHEMA_VERSION);
            if rotating || migrating {
                let resealed = engine.reseal_all(cipher)?;
                tracing::debug!(resealed, migrating, rotating, "store re-encrypted");
                // Old plaintext or the other key's ciphertext may still sit in sled's log.
                engine.meta.insert(META_REWRITE_WANTED, &[1u8])?;
                rewrite = true;
            }
        }
        if checked.schema != Some(target_schema) {
            engine
                .meta
                .insert(META_SCHEMA, &target_schema.to_be_bytes())?;
            checked.schema = Some(target_schema);
        }
        engine.db.flush()?;
        if let (Some(cipher), Some(ring)) = (&cipher, &keyring) {
            if ring.slot_count() > 1 {
                // Every record is now under the caller's key: the other key's slot goes.
                ring.only(cipher).write(path)?;
            }
        }
        if sidecar.is_none_or(|sc| sc.schema_version != target_schema) {
            write_sidecar(
                path,
                &Sidecar {
                    schema_version: target_schema,
                    flush_generation: checked.generation,
                },
            )?;
        }
        if rewrite {
            drop(engine);
            Self::wait_for_release(path)?;
            files::rewrite(path, options.cache_capacity_bytes)?;
            engine = Engine::open(path, path, &options, true)?;
            // Only now: a kill before this point leaves the mark, and the next open rewrites again.
            engine.meta.remove(META_REWRITE_WANTED)?;
            engine.db.flush()?;
        }
        if let Err(e) = files::make_private(path) {
            // Some file systems (FAT on a memory card, network shares) have no owner-only mode;
            // the history stays usable there rather than locked away.
            tracing::warn!(error = %e, "could not make the store's folder owner-only");
        }
        let inner = Inner {
            path: path.to_path_buf(),
            events: engine.events,
            minutes: engine.minutes,
            days: engine.days,
            devices: engine.devices,
            settings: engine.settings,
            journal: engine.journal,
            checkins: engine.checkins,
            alerts: engine.alerts,
            task_results: engine.task_results,
            meta: engine.meta,
            raw: engine.raw,
            db: engine.db,
            options,
            zone: RwLock::new(Zone {
                name: "UTC".into(),
                tz: jiff::tz::TimeZone::UTC,
            }),
            rollup_lock: Mutex::new(()),
            corrupt_skipped: AtomicU64::new(0),
            flush_generation: Mutex::new(checked.generation),
            cipher,
            schema: target_schema,
        };
        let store = Store {
            inner: Arc::new(inner),
        };
        let settings = store.settings().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "settings unreadable; using defaults");
            Settings::default()
        });
        let zone = resolve_zone(&settings);
        let rollup_zone = store.inner.meta.get(META_ROLLUP_TZ)?;
        let rollup_matches = rollup_zone.as_deref() == Some(zone.name.as_bytes());
        store.set_zone(zone);
        if !rollup_matches {
            store.rebuild_rollup()?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Moves the closed store at `path` from the data key `old` to `new`: every value is sealed
    /// again under `new` and the files are rewritten, so nothing under `old` is left in them.
    /// Returns the store, open with `new`.
    ///
    /// Survives a kill at any point: the keyring first gets a slot for each key, each of which reads
    /// both keys' records, so the next open with *either* key finishes the move to that key (the
    /// shell keeps both keys until this returns, then drops `old`). Already moved: opens with `new`.
    pub fn rotate_key(
        path: &Path,
        old: &DataKey,
        new: &DataKey,
        options: StoreOptions,
    ) -> Result<Store, StoreError> {
        let options = StoreOptions {
            data_key: Some(new.clone()),
            create_if_missing: false,
            ..options
        };
        {
            let _lock = files::lock_engine_file(path)?;
            if files::rewrite_pending(path) {
                files::finish_rewrite(path)?;
            }
            match KeyringFile::read(path)? {
                // A plaintext store: opening it with `new` encrypts it.
                None => {}
                Some(ring) => match ring.unlock(path, old) {
                    Ok(cipher) if old != new => {
                        KeyringFile::for_rotation(&cipher, old, new).write(path)?;
                    }
                    Ok(_) => {}
                    // Not `old`'s store (any more): fine if it is `new`'s, which the open checks.
                    Err(StoreError::WrongKey { .. }) => {}
                    Err(e) => return Err(e),
                },
            }
        }
        Store::open(path, options)
    }

    /// Whether a process (or a handle in this one) holds the store at `path` open right now,
    /// answered at once. `Store::open` waits a little before it calls a store in use, since a
    /// handle that was just dropped lets go a moment later; this does not.
    pub fn is_in_use(path: &Path) -> bool {
        files::is_locked(path)
    }

    /// Rewrites the closed store's files when records were removed since (the open does it), so
    /// their old bytes are gone from sled's log too.
    pub fn compact(path: &Path, options: StoreOptions) -> Result<(), StoreError> {
        let options = StoreOptions {
            create_if_missing: false,
            ..options
        };
        drop(Store::open(path, options)?);
        Ok(())
    }

    /// Deletes the closed store at `path`: every file it made, and the folder when nothing else is in
    /// it. Fails with [`StoreError::InUse`] while any process has it open. Without its keyring file and
    /// the caller's key, an encrypted store's copies anywhere else (a backup) cannot be read either.
    pub fn delete_all(path: &Path) -> Result<DeletionReport, StoreError> {
        let report = files::delete_store(path)?;
        tracing::debug!(files = report.files_removed, "store deleted");
        Ok(report)
    }

    fn cipher(&self) -> Option<&Cipher> {
        self.inner.cipher.as_ref()
    }

    /// Whether values are sealed (the store was opened with a data key).
    pub fn is_encrypted(&self) -> bool {
        self.inner.cipher.is_some()
    }

    /// The store's schema (3 encrypted, 2 plaintext).
    pub fn schema_version(&self) -> u32 {
        self.inner.schema
    }

    /// Waits until no sled handle holds the store's files (its threads let go a moment after the
    /// last handle is dropped).
    fn wait_for_release(path: &Path) -> Result<(), StoreError> {
        drop(files::lock_engine_file(path)?);
        Ok(())
    }

    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// The time zone that defines the user's calendar days (from settings, else the system's).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        sync::read(&self.inner.zone).tz.clone()
    }

    pub fn time_zone_name(&self) -> String {
        sync::read(&self.inner.zone).name.clone()
    }

    fn set_zone(&self, zone: Zone) {
        *sync::write(&self.inner.zone) = zone;
    }

    fn lock_rollup(&self) -> std::sync::MutexGuard<'_, ()> {
        sync::lock(&self.inner.rollup_lock)
    }

    /// Number of corrupt records range reads have skipped since open.
    pub fn corrupt_records_skipped(&self) -> u64 {
        self.inner.corrupt_skipped.load(Ordering::Relaxed)
    }

    /// Stores motor events in one atomic write (with their day rollup). Re-inserting an event
    /// (same start and kind) replaces it, so replays after a reconnect never duplicate.
    pub fn put_events(&self, events: &[MotorEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut encoded = Vec::with_capacity(events.len());
        for (index, e) in events.iter().enumerate() {
            if e.end_ms < e.start_ms {
                return Err(StoreError::InvalidInput {
                    what: "motor event",
                    index,
                    reason: "ends before it starts".into(),
                });
            }
            if !e.peak_accel_g.is_finite() || !e.confidence.is_finite() {
                return Err(StoreError::InvalidInput {
                    what: "motor event",
                    index,
                    reason: "amplitude or confidence is not a finite number".into(),
                });
            }
            let key = stored_event_key(self.cipher(), event_key(e.start_ms, e.kind));
            let value = seal(self.cipher(), "events", &key, encode_compact("events", e)?);
            encoded.push((key, value));
        }
        let cipher = self.cipher();
        let tz = self.time_zone();
        let _guard = self.lock_rollup();
        (&self.inner.events, &self.inner.days)
            .transaction(|(tree, days)| {
                let mut touched: BTreeMap<[u8; 4], DayRollup> = BTreeMap::new();
                for (e, (key, value)) in events.iter().zip(&encoded) {
                    let old = tree.insert(&key[..], value.as_slice())?;
                    let dk = date_key(local_date(&tz, e.start_ms));
                    let roll = load_touched(&mut touched, days, dk, cipher)?;
                    if let Some(old) = old {
                        let old = unseal(cipher, "events", key, &old)
                            .and_then(|plain| decode_compact::<MotorEvent>("events", key, &plain));
                        if let Ok(old) = old {
                            roll.remove_event(&old);
                        }
                    }
                    roll.add_event(e);
                }
                write_touched(days, &touched, cipher)
            })
            .map_err(tx_error)
    }

    /// [`Store::put_session_minutes`] for minutes that belong to no particular session (imports,
    /// tests): re-inserting a minute replaces it.
    pub fn put_minutes(&self, minutes: &[MinuteSummary]) -> Result<(), StoreError> {
        self.put_session_minutes(SessionId::UNSPECIFIED, minutes)
    }

    /// Stores `session`'s minute summaries atomically with their day rollup. A minute another
    /// session also recorded (two sessions in one wall-clock minute) is merged with it; the same
    /// session writing a minute again replaces its own part, so replays never double count.
    pub fn put_session_minutes(
        &self,
        session: SessionId,
        minutes: &[MinuteSummary],
    ) -> Result<(), StoreError> {
        if minutes.is_empty() {
            return Ok(());
        }
        for (index, m) in minutes.iter().enumerate() {
            let fractions = [
                m.tremor.total(),
                m.wear.at_rest,
                m.wear.moving,
                m.wear.not_worn,
                m.wear.no_data,
                m.spasm_seconds,
            ];
            if fractions.iter().any(|f| !f.is_finite() || *f < 0.0) {
                return Err(StoreError::InvalidInput {
                    what: "minute summary",
                    index,
                    reason: "a fraction or spasm time is negative or not a finite number".into(),
                });
            }
        }
        let tz = self.time_zone();
        let cipher = self.cipher();
        let _guard = self.lock_rollup();
        (&self.inner.minutes, &self.inner.days)
            .transaction(|(tree, days)| {
                let mut touched: BTreeMap<[u8; 4], DayRollup> = BTreeMap::new();
                // A batch naming one minute twice: the later part sees the earlier one.
                let mut written: BTreeMap<[u8; 8], StoredMinute> = BTreeMap::new();
                for m in minutes {
                    let key = time_key(m.minute_start_ms);
                    let old = match written.remove(&key) {
                        Some(stored) => Some(stored),
                        // An unreadable old record cannot be merged; the new part replaces it.
                        None => tree.get(&key[..])?.and_then(|old| {
                            unseal(cipher, "minutes", &key, &old)
                                .and_then(|plain| StoredMinute::decode(&key, &plain))
                                .ok()
                        }),
                    };
                    let dk = date_key(local_date(&tz, m.minute_start_ms));
                    let roll = load_touched(&mut touched, days, dk, cipher)?;
                    if let Some(old) = &old {
                        roll.remove_minute(&old.merged());
                    }
                    let mut updated = old.unwrap_or_default();
                    updated.put(session, m);
                    roll.add_minute(&updated.merged());
                    let value = updated
                        .encode()
                        .map_err(ConflictableTransactionError::Abort)?;
                    tree.insert(&key[..], seal(cipher, "minutes", &key, value))?;
                    written.insert(key, updated);
                }
                write_touched(days, &touched, cipher)
            })
            .map_err(tx_error)
    }

    /// Keeps a raw sensor batch only when `keep_raw_samples` is on; returns whether it was kept.
    pub fn put_raw_batch(&self, batch: &SensorBatch) -> Result<bool, StoreError> {
        if !self.inner.options.keep_raw_samples {
            return Ok(false);
        }
        let key = time_key(batch.first_sample_us.div_euclid(1000));
        let value = seal(self.cipher(), "raw", &key, encode_compact("raw", batch)?);
        self.inner.raw.insert(&key[..], value)?;
        Ok(true)
    }

    /// Writes everything buffered to disk. Call after each completed minute.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut generation = sync::lock(&self.inner.flush_generation);
        let next = *generation + 1;
        self.inner
            .meta
            .insert(META_FLUSH_GENERATION, &next.to_be_bytes())?;
        self.inner.db.flush()?;
        *generation = next;
        write_sidecar(
            &self.inner.path,
            &Sidecar {
                schema_version: self.inner.schema,
                flush_generation: next,
            },
        )
    }

    fn scan_compact<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        from: &[u8],
        to: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        if from >= to {
            return Ok(out);
        }
        for item in tree.range(from..to) {
            let (key, value) = item?;
            let decoded = unseal(self.cipher(), name, &key, &value)
                .and_then(|plain| decode_compact::<T>(name, &key, &plain));
            match decoded {
                Ok(v) => out.push(v),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        Ok(out)
    }

    pub(crate) fn on_corrupt(&self, e: StoreError) -> Result<(), StoreError> {
        match (self.inner.options.on_corrupt_record, &e) {
            (
                CorruptRecordPolicy::Skip,
                StoreError::CorruptRecord { tree, key, .. }
                | StoreError::NewerRecord { tree, key, .. },
            ) => {
                tracing::warn!(tree, key = %key, "skipping an unreadable record: {e}");
                self.inner.corrupt_skipped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            _ => Err(e),
        }
    }

    /// Events that start in `[from_ms, to_ms)`, in time order.
    pub fn events_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<MotorEvent>, StoreError> {
        self.scan_compact(
            &self.inner.events,
            "events",
            &time_key(from_ms),
            &time_key(to_ms),
        )
    }

    /// Minute summaries whose minute starts in `[from_ms, to_ms)`, in time order.
    pub fn minutes_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<MinuteSummary>, StoreError> {
        let (from, to) = (time_key(from_ms), time_key(to_ms));
        let mut out = Vec::new();
        if from >= to {
            return Ok(out);
        }
        for item in self.inner.minutes.range(from..to) {
            let (key, value) = item?;
            let decoded = unseal(self.cipher(), "minutes", &key, &value)
                .and_then(|plain| StoredMinute::decode(&key, &plain));
            match decoded {
                Ok(stored) => out.push(stored.merged()),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        Ok(out)
    }

    /// One summary per local calendar day in `from..=to` (days without data are all zeros), at
    /// most [`DAILY_SUMMARY_DAYS_MAX`] days ([`StoreError::RangeTooLong`] beyond: every day is a
    /// row, so an open-ended range would build millions of them).
    /// Reads the per-day rollup when `tz` is the store's zone, otherwise aggregates minutes.
    pub fn daily_summaries(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        tz: &jiff::tz::TimeZone,
    ) -> Result<Vec<DaySummary>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let days = i64::from((to - from).get_days()) + 1;
        if days > i64::from(DAILY_SUMMARY_DAYS_MAX) {
            return Err(StoreError::RangeTooLong {
                from,
                to,
                days,
                max: DAILY_SUMMARY_DAYS_MAX,
            });
        }
        let same_zone =
            tz.iana_name().is_some_and(|n| n == self.time_zone_name()) || *tz == self.time_zone();
        let mut rollups: BTreeMap<jiff::civil::Date, DayRollup> = BTreeMap::new();
        if same_zone {
            let start = date_key(from);
            let end = date_key(to);
            for item in self.inner.days.range(start..=end) {
                let (key, value) = item?;
                let decoded = unseal(self.cipher(), "days", &key, &value)
                    .and_then(|plain| decode_compact::<DayRollup>("days", &key, &plain));
                match (date_from_key(&key), decoded) {
                    (Some(date), Ok(r)) => {
                        rollups.insert(date, r);
                    }
                    (None, _) => self.on_corrupt(StoreError::CorruptRecord {
                        tree: "days",
                        key: describe_key("days", &key),
                        reason: "key is not a date".into(),
                    })?,
                    (_, Err(e)) => self.on_corrupt(e)?,
                }
            }
        } else {
            let start_ms = start_of_day_ms(tz, from);
            let end_ms = to
                .tomorrow()
                .map(|d| start_of_day_ms(tz, d))
                .unwrap_or(i64::MAX);
            for m in self.minutes_in_range(start_ms, end_ms)? {
                rollups
                    .entry(local_date(tz, m.minute_start_ms))
                    .or_default()
                    .add_minute(&m);
            }
            for e in self.events_in_range(start_ms, end_ms)? {
                rollups
                    .entry(local_date(tz, e.start_ms))
                    .or_default()
                    .add_event(&e);
            }
        }
        let mut out = Vec::new();
        let empty = DayRollup::default();
        let mut day = from;
        loop {
            out.push(rollups.get(&day).unwrap_or(&empty).to_summary(day));
            if day >= to {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        Ok(out)
    }

    /// First and last local day with any stored minute or event, if any.
    pub fn data_span(&self) -> Result<Option<DateSpan>, StoreError> {
        let first = self
            .inner
            .days
            .first()?
            .and_then(|(k, _)| date_from_key(&k));
        let last = last_date_key(&self.inner.days)?.and_then(|k| date_from_key(&k));
        Ok(first
            .zip(last)
            .map(|(first, last)| DateSpan { first, last }))
    }

    /// Recomputes the `days` rollup from every stored minute and event in the current zone.
    pub fn rebuild_rollup(&self) -> Result<(), StoreError> {
        let tz = self.time_zone();
        let name = self.time_zone_name();
        let _guard = self.lock_rollup();
        let mut rollups: BTreeMap<[u8; 4], DayRollup> = BTreeMap::new();
        let cipher = self.cipher();
        for item in self.inner.minutes.iter() {
            let (key, value) = item?;
            let decoded = unseal(cipher, "minutes", &key, &value)
                .and_then(|plain| StoredMinute::decode(&key, &plain))
                .map(|stored| stored.merged());
            match decoded {
                Ok(m) => rollups
                    .entry(date_key(local_date(&tz, m.minute_start_ms)))
                    .or_default()
                    .add_minute(&m),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        for item in self.inner.events.iter() {
            let (key, value) = item?;
            let decoded = unseal(cipher, "events", &key, &value)
                .and_then(|plain| decode_compact::<MotorEvent>("events", &key, &plain));
            match decoded {
                Ok(e) => rollups
                    .entry(date_key(local_date(&tz, e.start_ms)))
                    .or_default()
                    .add_event(&e),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        // Days before the retention cut-off have no minutes left: their roll-up is kept as it is.
        let kept_before = self.inner.meta.get(META_SUMMARIES_BEFORE)?;
        let mut batch = sled::Batch::default();
        for item in self.inner.days.iter() {
            let (key, _) = item?;
            if kept_before.as_deref().is_none_or(|cut| key.as_ref() >= cut) {
                batch.remove(key);
            }
        }
        for (key, r) in &rollups {
            if kept_before.as_deref().is_some_and(|cut| &key[..] < cut) {
                continue;
            }
            batch.insert(
                &key[..],
                seal(cipher, "days", key, encode_compact("days", r)?),
            );
        }
        self.inner.days.apply_batch(batch)?;
        self.inner.meta.insert(META_ROLLUP_TZ, name.as_bytes())?;
        tracing::debug!(days = rollups.len(), zone = %name, "day rollup rebuilt");
        Ok(())
    }

    // ---- devices ----

    /// Remembers `device` as the one wearable data is accepted from (and among known devices).
    pub fn pair_device(&self, device: &PairedDevice) -> Result<(), StoreError> {
        if device.id.trim().is_empty() {
            return Err(StoreError::InvalidInput {
                what: "paired device",
                index: 0,
                reason: "the device id is empty".into(),
            });
        }
        let key = stored_device_key(self.cipher(), &device.id);
        let value = seal(
            self.cipher(),
            "devices",
            &key,
            encode_json("devices", device)?,
        );
        self.inner.devices.insert(key, value)?;
        let id = seal(
            self.cipher(),
            "meta",
            META_PAIRED,
            device.id.as_bytes().to_vec(),
        );
        self.inner.meta.insert(META_PAIRED, id)?;
        self.flush()
    }

    fn paired_id(&self) -> Result<Option<String>, StoreError> {
        let Some(value) = self.inner.meta.get(META_PAIRED)? else {
            return Ok(None);
        };
        let plain = unseal(self.cipher(), "meta", META_PAIRED, &value)?;
        Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
    }

    pub fn paired_device(&self) -> Result<Option<PairedDevice>, StoreError> {
        let Some(id) = self.paired_id()? else {
            return Ok(None);
        };
        let key = stored_device_key(self.cipher(), &id);
        match self.inner.devices.get(&key)? {
            Some(value) => {
                let plain = unseal(self.cipher(), "devices", &key, &value)?;
                decode_json("devices", &key, &plain).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Unpairs the current device; it stays in [`Store::known_devices`].
    pub fn forget_device(&self) -> Result<Option<PairedDevice>, StoreError> {
        let current = self.paired_device()?;
        self.inner.meta.remove(META_PAIRED)?;
        self.flush()?;
        Ok(current)
    }

    /// Removes a device from the known list (and unpairs it if current).
    pub fn remove_known_device(&self, id: &str) -> Result<bool, StoreError> {
        if self.paired_id()?.as_deref() == Some(id) {
            self.inner.meta.remove(META_PAIRED)?;
        }
        let key = stored_device_key(self.cipher(), id);
        let removed = self.inner.devices.remove(key)?.is_some();
        self.flush()?;
        Ok(removed)
    }

    pub fn known_devices(&self) -> Result<Vec<PairedDevice>, StoreError> {
        let mut out = Vec::new();
        for item in self.inner.devices.iter() {
            let (key, value) = item?;
            let decoded = unseal(self.cipher(), "devices", &key, &value)
                .and_then(|plain| decode_json("devices", &key, &plain));
            match decoded {
                Ok(d) => out.push(d),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        Ok(out)
    }

    // ---- settings ----

    pub fn settings(&self) -> Result<Settings, StoreError> {
        match self.inner.settings.get(SETTINGS_KEY)? {
            Some(value) => {
                let plain = unseal(self.cipher(), "settings", SETTINGS_KEY, &value)?;
                decode_json("settings", SETTINGS_KEY, &plain)
            }
            None => Ok(Settings::default()),
        }
    }

    /// Validates and stores settings; a new time zone rebuilds the per-day rollup.
    pub fn set_settings(&self, settings: &Settings) -> Result<(), StoreError> {
        settings.validate()?;
        let value = encode_json("settings", settings)?;
        self.inner.settings.insert(
            SETTINGS_KEY,
            seal(self.cipher(), "settings", SETTINGS_KEY, value),
        )?;
        let zone = resolve_zone(settings);
        if zone.name != self.time_zone_name() {
            self.set_zone(zone);
            self.rebuild_rollup()?;
        }
        self.flush()
    }

    /// Retention in force: settings first, then the open options.
    pub fn retention_days(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .settings()?
            .retention_days
            .or(self.inner.options.retention_days))
    }

    /// Compacts local days entirely older than the retention period into their daily summaries:
    /// their events, minutes and raw batches are removed, their day roll-ups kept (a roll-up
    /// rebuild leaves them as they are). The journal, check-ins and alerts are the user's own
    /// records and are kept. Returns how many records were removed.
    pub fn apply_retention(&self, now_ms: TimestampMs) -> Result<usize, StoreError> {
        let Some(days) = self.retention_days()? else {
            return Ok(0);
        };
        let tz = self.time_zone();
        let cutoff_date = local_date(&tz, now_ms.saturating_sub(days as i64 * DAY_MS));
        let cutoff_ms = start_of_day_ms(&tz, cutoff_date);
        let cutoff = time_key(cutoff_ms);
        let mut removed = 0usize;
        {
            // Compaction: the day roll-ups of those days stay, as their daily summaries.
            let _guard = self.lock_rollup();
            let cut = date_key(cutoff_date);
            let earlier = self.inner.meta.get(META_SUMMARIES_BEFORE)?;
            if earlier.as_deref().is_none_or(|e| e < &cut[..]) {
                self.inner.meta.insert(META_SUMMARIES_BEFORE, &cut[..])?;
            }
            for tree in [&self.inner.events, &self.inner.minutes, &self.inner.raw] {
                removed += remove_below(tree, &cutoff)?;
            }
        }
        self.flush()?;
        tracing::debug!(removed, days, "retention applied");
        Ok(removed)
    }

    pub fn counts(&self) -> StoreCounts {
        StoreCounts {
            events: self.inner.events.len() as u64,
            minutes: self.inner.minutes.len() as u64,
            days: self.inner.days.len() as u64,
            journal_days: self.inner.journal.len() as u64,
            checkins: self.inner.checkins.len() as u64,
            alerts: self.inner.alerts.len() as u64,
            task_results: self.inner.task_results.len() as u64,
            raw_batches: self.inner.raw.len() as u64,
        }
    }

    /// Decodes every stored value and lists the ones that fail; the store is not modified.
    pub fn check_integrity(&self) -> Result<Vec<CorruptRecordInfo>, StoreError> {
        let mut bad = Vec::new();
        let trees: [(&sled::Tree, &'static str); 10] = [
            (&self.inner.events, "events"),
            (&self.inner.minutes, "minutes"),
            (&self.inner.days, "days"),
            (&self.inner.devices, "devices"),
            (&self.inner.settings, "settings"),
            (&self.inner.journal, "journal"),
            (&self.inner.checkins, "checkins"),
            (&self.inner.alerts, "alerts"),
            (&self.inner.task_results, "task_results"),
            (&self.inner.raw, "raw"),
        ];
        for (tree, name) in trees {
            for item in tree.iter() {
                let (key, value) = item?;
                let value = match unseal(self.cipher(), name, &key, &value) {
                    Ok(plain) if name == "alerts" && self.cipher().is_some() => {
                        match split_alert_id(&key, &plain) {
                            Ok((_, record)) => record.to_vec(),
                            Err(StoreError::CorruptRecord { tree, key, reason }) => {
                                bad.push(CorruptRecordInfo { tree, key, reason });
                                continue;
                            }
                            Err(other) => return Err(other),
                        }
                    }
                    Ok(plain) => plain.into_owned(),
                    Err(StoreError::CorruptRecord { tree, key, reason }) => {
                        bad.push(CorruptRecordInfo { tree, key, reason });
                        continue;
                    }
                    Err(other) => return Err(other),
                };
                let result = match name {
                    "events" => decode_compact::<MotorEvent>(name, &key, &value).map(drop),
                    "minutes" => StoredMinute::decode(&key, &value).map(drop),
                    "days" => decode_compact::<DayRollup>(name, &key, &value).map(drop),
                    "raw" => decode_compact::<SensorBatch>(name, &key, &value).map(drop),
                    "devices" => decode_json::<PairedDevice>(name, &key, &value).map(drop),
                    "settings" => decode_json::<Settings>(name, &key, &value).map(drop),
                    _ => decode_json::<serde_json::Value>(name, &key, &value).map(drop),
                };
                match result {
                    Ok(()) => {}
                    Err(StoreError::CorruptRecord { tree, key, reason }) => {
                        bad.push(CorruptRecordInfo { tree, key, reason })
                    }
                    Err(StoreError::NewerRecord {
                        tree,
                        key,
                        found,
                        supported,
                    }) => bad.push(CorruptRecordInfo {
                        tree,
                        key,
                        reason: format!("schema version {found} is newer than {supported}"),
                    }),
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(bad)
    }

    // ---- typed collections for the journal, check-ins and alerts ----

    fn tree(&self, name: Collection) -> &sled::Tree {
        match name {
            Collection::Journal => &self.inner.journal,
            Collection::Checkins => &self.inner.checkins,
            Collection::Alerts => &self.inner.alerts,
            Collection::TaskResults => &self.inner.task_results,
        }
    }

    pub fn put_json<T: Serialize>(
        &self,
        name: Collection,
        key: &[u8],
        value: &T,
    ) -> Result<(), StoreError> {
        let plain = encode_json(name.as_str(), value)?;
        let (stored_key, plain) = self.collection_record(name, key, plain);
        let sealed = seal(self.cipher(), name.as_str(), &stored_key, plain);
        self.tree(name).insert(stored_key, sealed)?;
        Ok(())
    }

    /// The sled key and the plaintext to seal for a collection's record.
    fn collection_record(
        &self,
        name: Collection,
        key: &[u8],
        plain: Vec<u8>,
    ) -> (Vec<u8>, Vec<u8>) {
        match (self.cipher(), name) {
            (Some(c), Collection::Alerts) => (stored_alert_key(c, key), with_alert_id(key, &plain)),
            _ => (key.to_vec(), plain),
        }
    }

    fn collection_key(&self, name: Collection, key: &[u8]) -> Vec<u8> {
        match (self.cipher(), name) {
            (Some(c), Collection::Alerts) => stored_alert_key(c, key),
            _ => key.to_vec(),
        }
    }

    /// A collection's record as stored: its caller-facing key and its JSON value.
    fn open_collection_record<T: DeserializeOwned>(
        &self,
        name: Collection,
        stored_key: &[u8],
        value: &[u8],
    ) -> Result<(Vec<u8>, T), StoreError> {
        let plain = unseal(self.cipher(), name.as_str(), stored_key, value)?;
        match (self.cipher(), name) {
            (Some(_), Collection::Alerts) => {
                let (id, record) = split_alert_id(stored_key, &plain)?;
                Ok((id.to_vec(), decode_json(name.as_str(), id, record)?))
            }
            _ => Ok((
                stored_key.to_vec(),
                decode_json(name.as_str(), stored_key, &plain)?,
            )),
        }
    }

    pub fn get_json<T: DeserializeOwned>(
        &self,
        name: Collection,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        let stored_key = self.collection_key(name, key);
        match self.tree(name).get(&stored_key)? {
            Some(v) => self
                .open_collection_record(name, &stored_key, &v)
                .map(|(_, value)| Some(value)),
            None => Ok(None),
        }
    }

    /// Removes one record. Its old bytes may stay in sled's log, so the store notes that the
    /// files want a rewrite, which the next [`Store::open`] makes (see [`Store::compact`]).
    pub fn remove_key(&self, name: Collection, key: &[u8]) -> Result<bool, StoreError> {
        let removed = self
            .tree(name)
            .remove(self.collection_key(name, key))?
            .is_some();
        if removed {
            self.inner.meta.insert(META_REWRITE_WANTED, &[1u8])?;
        }
        Ok(removed)
    }

    /// Values in `[from, to)` (all when both are `None`), skipping corrupt ones per policy.
    pub fn scan_json<T: DeserializeOwned>(
        &self,
        name: Collection,
        from: Option<&[u8]>,
        to: Option<&[u8]>,
    ) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
        let tree = self.tree(name);
        let iter = match (from, to) {
            (Some(a), Some(b)) if a >= b => return Ok(Vec::new()),
            (Some(a), Some(b)) => tree.range(a..b),
            (Some(a), None) => tree.range(a..),
            (None, Some(b)) => tree.range(..b),
            (None, None) => tree.iter(),
        };
        let mut out = Vec::new();
        for item in iter {
            let (key, value) = item?;
            match self.open_collection_record(name, &key, &value) {
                Ok(record) => out.push(record),
                Err(e) => self.on_corrupt(e)?,
            }
        }
        Ok(out)
    }
}

fn load_touched<'a>(
    touched: &'a mut BTreeMap<[u8; 4], DayRollup>,
    days: &sled::transaction::TransactionalTree,
    dk: [u8; 4],
    cipher: Option<&Cipher>,
) -> Result<&'a mut DayRollup, ConflictableTransactionError<StoreError>> {
    if let std::collections::btree_map::Entry::Vacant(slot) = touched.entry(dk) {
        // An unreadable rollup is derived data: start the day afresh rather than block writes.
        let existing = days
            .get(&dk[..])?
            .and_then(|v| {
                unseal(cipher, "days", &dk, &v)
                    .and_then(|plain| decode_compact::<DayRollup>("days", &dk, &plain))
                    .ok()
            })
            .unwrap_or_default();
        slot.insert(existing);
    }
    touched
        .get_mut(&dk)
        .ok_or(ConflictableTransactionError::Abort(StoreError::Encode {
            tree: "days",
            reason: "rollup entry vanished".into(),
        }))
}

fn write_touched(
    days: &sled::transaction::TransactionalTree,
    touched: &BTreeMap<[u8; 4], DayRollup>,
    cipher: Option<&Cipher>,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    for (key, r) in touched {
        let value = encode_compact("days", r).map_err(ConflictableTransactionError::Abort)?;
        days.insert(&key[..], seal(cipher, "days", key, value))?;
    }
    Ok(())
}

fn remove_below(tree: &sled::Tree, cutoff: &[u8]) -> Result<usize, StoreError> {
    let mut removed = 0;
    loop {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for item in tree.range(..cutoff).take(10_000) {
            let (key, _) = item?;
            batch.remove(key);
            n += 1;
        }
        if n == 0 {
            return Ok(removed);
        }
        tree.apply_batch(batch)?;
        removed += n;
    }
}

/// The greatest key of a tree of 4-byte `date_key`s, found with 33 forward seeks:
/// sled's reverse iteration (`Tree::last`, `next_back`) links a 1 MiB constant, a sixth of the FFI library.
fn last_date_key(tree: &sled::Tree) -> sled::Result<Option<sled::IVec>> {
    let seek = |prefix: u32| -> sled::Result<Option<sled::IVec>> {
        Ok(tree
            .range(prefix.to_be_bytes()..)
            .next()
            .transpose()?
            .map(|(k, _)| k))
    };
    // Invariant: some key is >= `lo`; the answer's 4-byte prefix lies in lo..=hi.
    let (mut lo, mut hi) = (0u32, u32::MAX);
    if seek(lo)?.is_none() {
        return Ok(None);
    }
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if seek(mid)?.is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    seek(lo)
}
