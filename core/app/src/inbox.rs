//! Check-ins handed to a running monitor: a second process (the desktop CLI beside `monitor`) cannot
//! open the store the monitor holds, so it leaves the check-in in the store's `inbox` folder and the
//! monitor, which looks there every [`POLL_EVERY`], records it and evaluates the rules at once (an
//! urgent red flag is raised within a poll), then answers with what it raised.
//!
//! Why files: they need nothing running to be written, they survive the monitor stopping before it
//! looks (the next monitor takes them when it starts), and each one is
//! written whole (temporary name, then rename) so a half-written check-in is never read. Each is
//! sealed with the data key, so a symptom is never in clear on disk, not even for that moment.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use twitchwatch_journal::CheckIn;
use twitchwatch_model::TimestampMs;
use twitchwatch_store::DataKey;

use crate::monitor::Monitor;

/// The folder inside the store's folder.
pub const INBOX_DIR: &str = "inbox";
/// How often a running monitor looks for check-ins.
pub const POLL_EVERY: Duration = Duration::from_millis(200);
const REQUEST_EXT: &str = "checkin";
const REPLY_EXT: &str = "reply";
const CONTEXT_REQUEST: &str = "twitchwatch inbox check-in v1";
const CONTEXT_REPLY: &str = "twitchwatch inbox reply v1";
/// A request larger than this is not a check-in (sites, symptoms and a bounded note).
const REQUEST_BYTES_MAX: u64 = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("cannot use the check-in inbox at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a check-in in the inbox could not be read ({0}); it was set aside")]
    Unreadable(String),
}

/// What the monitor answers a check-in with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxReply {
    /// The stored check-in's time (its id).
    pub at_ms: TimestampMs,
    /// Titles of the alerts it raised.
    pub alerts: Vec<String>,
    /// Why it was refused (invalid, or the store failed), if it was.
    pub error: Option<String>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InboxError + '_ {
    move |source| InboxError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn seal(key: Option<&DataKey>, context: &str, plain: Vec<u8>) -> Vec<u8> {
    match key {
        Some(k) => k.seal_message(context, &plain),
        None => plain,
    }
}

fn open(key: Option<&DataKey>, context: &str, bytes: Vec<u8>) -> Result<Vec<u8>, InboxError> {
    match key {
        Some(k) => k
            .open_message(context, &bytes)
            .map_err(|e| InboxError::Unreadable(e.to_string())),
        None => Ok(bytes),
    }
}

fn write_whole(dir: &Path, name: &str, body: &[u8]) -> Result<PathBuf, InboxError> {
    use std::io::Write;
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io(dir))?;
    file.write_all(body).map_err(io(dir))?;
    file.sync_all().map_err(io(dir))?;
    std::fs::rename(&tmp, &path).map_err(io(dir))?;
    Ok(path)
}

/// A check-in left in the inbox, waiting for the monitor.
#[derive(Debug)]
pub struct PendingCheckin {
    request: PathBuf,
    reply: PathBuf,
    key: Option<DataKey>,
}

impl PendingCheckin {
    /// Waits up to `timeout` for the monitor's answer. `None`: no monitor took it in time; it stays
    /// in the inbox and is recorded when the next monitor starts.
    pub fn wait(&self, timeout: Duration) -> Result<Option<InboxReply>, InboxError> {
        let until = Instant::now() + timeout;
        loop {
            match std::fs::read(&self.reply) {
                Ok(bytes) => {
                    let plain = open(self.key.as_ref(), CONTEXT_REPLY, bytes)?;
                    let _ = std::fs::remove_file(&self.reply);
                    return serde_json::from_slice(&plain)
                        .map(Some)
                        .map_err(|e| InboxError::Unreadable(e.to_string()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&self.reply)(e)),
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Takes the check-in back if no monitor has taken it yet: `true` when it was still waiting
    /// (it is gone now), `false` when a monitor already took it (its answer will come).
    pub fn withdraw(&self) -> Result<bool, InboxError> {
        match std::fs::remove_file(&self.request) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(&self.request)(e)),
        }
    }

    pub fn request_path(&self) -> &Path {
        &self.request
    }
}

/// Leaves `checkin` for the monitor running on the store at `data_dir`, sealed with `key` (the
/// store's data key; `None` only for a plaintext store).
pub fn submit_checkin(
    data_dir: &Path,
    key: Option<&DataKey>,
    checkin: &CheckIn,
) -> Result<PendingCheckin, InboxError> {
    let dir = data_dir.join(INBOX_DIR);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir).map_err(io(&dir))?;
    let body = serde_json::to_vec(checkin).map_err(|e| InboxError::Unreadable(e.to_string()))?;
    let stem = format!("{}-{}", checkin.at_ms, std::process::id());
    let request = write_whole(
        &dir,
        &format!("{stem}.{REQUEST_EXT}"),
        &seal(key, CONTEXT_REQUEST, body),
    )?;
    Ok(PendingCheckin {
        request,
        reply: dir.join(format!("{stem}.{REPLY_EXT}")),
        key: key.cloned(),
    })
}

/// Removes the inbox folder; whether there was one.
pub(crate) fn remove_inbox(data_dir: &Path) -> std::io::Result<bool> {
    match std::fs::remove_dir_all(data_dir.join(INBOX_DIR)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

impl Monitor {
    /// Records every check-in waiting in the inbox (oldest first), evaluates the rules for each
    /// (alert listeners hear of what is raised), and answers each. Returns how many were taken.
    pub fn collect_inbox(&self, now_ms: TimestampMs) -> Result<usize, InboxError> {
        let dir = self.store().path().join(INBOX_DIR);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut requests: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == REQUEST_EXT))
            .collect();
        requests.sort();
        let key = self.store().options().data_key.clone();
        let mut taken = 0;
        for request in requests {
            let reply = self.take_request(&request, key.as_ref(), now_ms);
            // Answered before the request goes: a submitter never sees neither.
            let body =
                serde_json::to_vec(&reply).map_err(|e| InboxError::Unreadable(e.to_string()))?;
            let name = request
                .with_extension(REPLY_EXT)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            write_whole(&dir, &name, &seal(key.as_ref(), CONTEXT_REPLY, body))?;
            std::fs::remove_file(&request).map_err(io(&request))?;
            taken += 1;
        }
        Ok(taken)
    }

    fn take_request(
        &self,
        request: &Path,
        key: Option<&DataKey>,
        now_ms: TimestampMs,
    ) -> InboxReply {
        let refused = |at_ms, error: String| InboxReply {
            at_ms,
            alerts: Vec::new(),
            error: Some(error),
        };
        let bytes = match std::fs::metadata(request) {
            Ok(m) if m.len() > REQUEST_BYTES_MAX => {
                return refused(0, "the check-in is too large".into())
            }
            Ok(_) => match std::fs::read(request) {
                Ok(b) => b,
                Err(e) => return refused(0, e.to_string()),
            },
            Err(e) => return refused(0, e.to_string()),
        };
        let checkin: CheckIn = match open(key, CONTEXT_REQUEST, bytes).and_then(|plain| {
            serde_json::from_slice(&plain).map_err(|e| InboxError::Unreadable(e.to_string()))
        }) {
            Ok(c) => c,
            Err(e) => return refused(0, e.to_string()),
        };
        match self.alerts().record_checkin(&checkin, now_ms) {
            Ok(outcome) => {
                tracing::debug!(
                    alerts = outcome.alerts.len(),
                    "check-in taken from the inbox"
                );
                InboxReply {
                    at_ms: outcome.checkin.at_ms,
                    alerts: outcome.alerts.into_iter().map(|a| a.title).collect(),
                    error: None,
                }
            }
            Err(e) => refused(checkin.at_ms, e.to_string()),
        }
    }

    /// Starts a thread that calls [`Monitor::collect_inbox`] every [`POLL_EVERY`] until the
    /// returned watcher is dropped.
    pub fn watch_inbox(&self) -> InboxWatcher {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let monitor = self.clone();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("twitchwatch-inbox".into())
            .spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Err(e) = monitor.collect_inbox(crate::monitor::now_ms()) {
                        tracing::warn!("check-in inbox: {e}");
                    }
                    std::thread::sleep(POLL_EVERY);
                }
            })
            .ok();
        InboxWatcher { stop, thread }
    }
}

/// Stops the inbox thread on drop.
pub struct InboxWatcher {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for InboxWatcher {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
