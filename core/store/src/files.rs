//! The store's folder outside sled: the checks made before sled may touch anything, the copy an
//! existing store is first opened on, and owner-only permissions.
//!
//! Why a copy: sled 0.34 repairs a damaged log while it opens, by zeroing what it cannot read, so
//! even a refused open would already have destroyed data the user was told to keep for recovery.
//! sled's recovery depends only on the files, so when the copy opens and passes the store's own
//! checks, opening the original does exactly the same; when it does not, the original was never
//! opened and stays byte for byte as it was.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fs2::FileExt;

use super::{StoreError, SIDECAR_FILE};

/// The folder inside the store the copy is made in; removed again before `open` returns.
pub(crate) const CHECK_DIR: &str = "open-check.tmp";

/// How long a store held by another process (or by a handle dropped a moment ago, whose sled
/// threads still hold the lock) is waited for before it is reported as in use.
const LOCK_ATTEMPTS: u32 = 40;
const LOCK_RETRY: Duration = Duration::from_millis(50);

/// Names sled 0.34 keeps in the store's folder.
fn is_engine_file(name: &str) -> bool {
    name == "db" || name == "conf" || name == "blobs" || name.starts_with("snap.")
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What is at the store's path before anything is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing there, or an empty folder (or one without any store file).
    Nothing,
    /// A folder holding sled's files or the store's sidecar.
    Store,
}

pub(crate) fn inspect(path: &Path) -> Result<Found, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(io_error(path)(e)),
    };
    if !meta.is_dir() {
        return Err(StoreError::NotADirectory {
            path: path.to_path_buf(),
        });
    }
    for entry in std::fs::read_dir(path).map_err(io_error(path))? {
        let entry = entry.map_err(io_error(path))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if is_engine_file(&name) || name == SIDECAR_FILE {
            return Ok(Found::Store);
        }
    }
    Ok(Found::Nothing)
}

/// Creates the store's folder (and its parents) readable by the owner only.
pub(crate) fn create_private_dir(path: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io_error(path))
}

/// Takes the advisory lock sled itself takes on `db`, waiting a little for a handle
/// that is still closing. The returned file holds the lock until dropped.
pub(crate) fn lock_engine_file(dir: &Path) -> Result<Option<File>, StoreError> {
    let db = dir.join("db");
    let file = match File::open(&db) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(dir)(e)),
    };
    for attempt in 0..=LOCK_ATTEMPTS {
        match file.try_lock_exclusive() {
            // Windows locks byte ranges, which would make our own copy's reads fail: there the
            // lock only proves the store is not in use, and is not held while copying.
            #[cfg(windows)]
            Ok(()) => {
                let _ = FileExt::unlock(&file);
                return Ok(None);
            }
            #[cfg(not(windows))]
            Ok(()) => return Ok(Some(file)),
            Err(e) if e.kind() == fs2::lock_contended_error().kind() => {
                if attempt < LOCK_ATTEMPTS {
                    std::thread::sleep(LOCK_RETRY);
                }
            }
            Err(e) => return Err(io_error(dir)(e)),
        }
    }
    Err(StoreError::InUse {
        path: dir.to_path_buf(),
    })
}

/// Whether another handle holds the store's lock right now (one try, no waiting).
pub(crate) fn is_locked(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join("db")) else {
        return false;
    };
    match file.try_lock_exclusive() {
        Ok(()) => {
            let _ = FileExt::unlock(&file);
            false
        }
        Err(e) => e.kind() == fs2::lock_contended_error().kind(),
    }
}

/// A copy of the engine files of the store at `dir`, deleted on drop.
pub(crate) struct CheckCopy {
    path: PathBuf,
}

impl CheckCopy {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Copies `db`, `conf`, `snap.*` and `blobs/` of `dir` into `dir/open-check.tmp`. A copy left
    /// by an interrupted open is replaced. Symlinks are not followed.
    pub(crate) fn make(dir: &Path) -> Result<CheckCopy, StoreError> {
        let path = dir.join(CHECK_DIR);
        remove_tree(&path).map_err(io_error(dir))?;
        let copy = CheckCopy { path };
        create_private_dir(&copy.path)?;
        for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
            let entry = entry.map_err(io_error(dir))?;
            let name = entry.file_name();
            if !is_engine_file(&name.to_string_lossy()) {
                continue;
            }
            copy_tree(&entry.path(), &copy.path.join(&name)).map_err(io_error(dir))?;
        }
        Ok(copy)
    }
}

impl Drop for CheckCopy {
    fn drop(&mut self) {
        if let Err(e) = remove_tree(&self.path) {
            tracing::warn!(error = %e, "could not remove the store's open-check copy");
        }
    }
}

fn remove_tree(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.is_dir() {
        create_private_dir(to).map_err(|e| match e {
            StoreError::Io { source, .. } => source,
            other => std::io::Error::other(other.to_string()),
        })?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if meta.is_file() {
        std::fs::copy(from, to)?;
        restrict_file(to)?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Makes the store's folder owner-only (0700) and every file in it 0600: health data must not be
/// readable by the other accounts of a desktop. sled creates its files with the process umask.
pub(crate) fn make_private(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |path: &Path, mode: u32| -> std::io::Result<()> {
            let meta = std::fs::symlink_metadata(path)?;
            if !meta.file_type().is_symlink() && meta.permissions().mode() & 0o777 != mode {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            }
            Ok(())
        };
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            set(&d, 0o700).map_err(io_error(dir))?;
            for entry in std::fs::read_dir(&d).map_err(io_error(dir))? {
                let entry = entry.map_err(io_error(dir))?;
                let file_type = entry.file_type().map_err(io_error(dir))?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                // Only the store's own files: a data folder the user shares with other files
                // keeps their permissions.
                let ours = d != dir
                    || is_engine_file(&name)
                    || name == SIDECAR_FILE
                    || name.starts_with(SIDECAR_FILE);
                if !ours {
                    continue;
                }
                if file_type.is_dir() {
                    pending.push(entry.path());
                } else if file_type.is_file() {
                    set(&entry.path(), 0o600).map_err(io_error(dir))?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Replaces `dir/name` with `body` so that a kill leaves the old file or the new one: a temporary
/// file (0600), fsync, rename over the old one, fsync of the folder.
pub(crate) fn write_atomically(dir: &Path, name: &str, body: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let tmp = dir.join(format!("{name}.tmp"));
    let io = io_error(dir);
    let result = (|| -> std::io::Result<()> {
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        let mut file = open.open(&tmp)?;
        file.write_all(body)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, dir.join(name))?;
        sync_dir(dir)
    })();
    result.map_err(io)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The folder a store is rewritten into before it replaces the old files.
pub(crate) const REWRITE_DIR: &str = "rewrite.tmp";
/// Where the old files go while the rewritten ones move in.
const REPLACED_DIR: &str = "replaced.tmp";
/// In `REWRITE_DIR`: the rewritten store is complete and flushed.
const REWRITE_COMPLETE: &str = "complete";
/// In `REPLACED_DIR`: every old engine file has been moved out of the store's folder.
const ALL_MOVED: &str = "all-moved";

fn touch(path: &Path) -> std::io::Result<()> {
    File::create(path)?.sync_all()
}

/// Rewrites the sled files of the closed store at `dir` so they hold only the live records.
///
/// Why: sled is log-structured, so a removed or re-encrypted value keeps its old bytes in the log
/// until its segment happens to be reused. Copying the live records into a new database and
/// swapping the files is the one way to make sure they are gone. Each step is a rename of whole
/// files with a marker after it, so a kill at any point is finished by [`finish_rewrite`] on the
/// next open: before `complete` the old files are untouched and the copy is thrown away; after it
/// the swap is carried through.
pub(crate) fn rewrite(dir: &Path, cache_capacity_bytes: u64) -> Result<(), StoreError> {
    let target = dir.join(REWRITE_DIR);
    remove_tree(&target).map_err(io_error(dir))?;
    create_private_dir(&target)?;
    {
        let open = |path: &Path| {
            sled::Config::new()
                .path(path)
                .cache_capacity(cache_capacity_bytes)
                .flush_every_ms(None)
                .open()
        };
        let old = open(dir)?;
        let new = open(&target)?;
        for name in old.tree_names() {
            let from = old.open_tree(&name)?;
            let to = new.open_tree(&name)?;
            let mut batch = sled::Batch::default();
            let mut n = 0;
            for item in from.iter() {
                let (k, v) = item?;
                batch.insert(k, v);
                n += 1;
                if n == 5_000 {
                    to.apply_batch(std::mem::take(&mut batch))?;
                    n = 0;
                }
            }
            to.apply_batch(batch)?;
        }
        new.flush()?;
        old.flush()?;
    }
    // sled's threads release the lock a moment after the handles go.
    std::thread::sleep(Duration::from_millis(20));
    touch(&target.join(REWRITE_COMPLETE)).map_err(io_error(dir))?;
    sync_dir(&target).map_err(io_error(dir))?;
    finish_rewrite(dir)
}

/// Carries an interrupted rewrite through (or throws away one that had not completed); nothing to
/// do when no rewrite was under way.
pub(crate) fn finish_rewrite(dir: &Path) -> Result<(), StoreError> {
    let io = io_error(dir);
    let target = dir.join(REWRITE_DIR);
    let replaced = dir.join(REPLACED_DIR);
    let complete = target.join(REWRITE_COMPLETE).exists();
    if !complete {
        // The old files were never touched: the partial copy goes.
        remove_tree(&target).map_err(io)?;
        return remove_tree(&replaced).map_err(io_error(dir));
    }
    let engine_files = |d: &Path| -> std::io::Result<Vec<std::ffi::OsString>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(d)? {
            let name = entry?.file_name();
            if is_engine_file(&name.to_string_lossy()) {
                names.push(name);
            }
        }
        Ok(names)
    };
    let result = (|| -> std::io::Result<()> {
        if !replaced.join(ALL_MOVED).exists() {
            std::fs::create_dir_all(&replaced)?;
            // Until the marker, every engine file in the store's folder is an old one.
            for name in engine_files(dir)? {
                std::fs::rename(dir.join(&name), replaced.join(&name))?;
            }
            sync_dir(dir)?;
            touch(&replaced.join(ALL_MOVED))?;
            sync_dir(&replaced)?;
        }
        for name in engine_files(&target)? {
            std::fs::rename(target.join(&name), dir.join(&name))?;
        }
        sync_dir(dir)?;
        remove_tree(&target)?;
        remove_tree(&replaced)?;
        sync_dir(dir)
    })();
    result.map_err(io_error(dir))
}

/// Whether a rewrite left work for [`finish_rewrite`].
pub(crate) fn rewrite_pending(dir: &Path) -> bool {
    dir.join(REWRITE_DIR).exists() || dir.join(REPLACED_DIR).exists()
}

/// What [`delete_store`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletionReport {
    pub files_removed: usize,
    pub bytes_removed: u64,
    /// The folder itself is gone (it held nothing but the store's files).
    pub folder_removed: bool,
}

/// Removes every file of the store at `dir` (sled's files, the sidecar, the keyring, leftovers of
/// an interrupted open or rewrite) and the folder when nothing else is in it. The store must not be
/// open anywhere ([`StoreError::InUse`]). Files the store did not make are left alone.
pub(crate) fn delete_store(dir: &Path) -> Result<DeletionReport, StoreError> {
    let mut report = DeletionReport::default();
    if inspect(dir)? == Found::Nothing && !rewrite_pending(dir) {
        return Ok(report);
    }
    let lock = lock_engine_file(dir)?;
    let ours = |name: &str| {
        is_engine_file(name)
            || name.starts_with(SIDECAR_FILE)
            || name.starts_with(super::crypt::KEYRING_FILE)
            || name == CHECK_DIR
            || name == REWRITE_DIR
            || name == REPLACED_DIR
    };
    fn count(path: &Path, report: &mut DeletionReport) -> std::io::Result<()> {
        let meta = std::fs::symlink_metadata(path)?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(path)? {
                count(&entry?.path(), report)?;
            }
        } else {
            report.files_removed += 1;
            report.bytes_removed += meta.len();
        }
        Ok(())
    }
    let result = (|| -> std::io::Result<()> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name();
            if ours(&name.to_string_lossy()) {
                names.push(name);
            }
        }
        // `db` goes last: its lock keeps another process from opening a half-deleted store.
        names.sort_by_key(|n| n == "db");
        for name in names {
            let path = dir.join(&name);
            count(&path, &mut report)?;
            if std::fs::symlink_metadata(&path)?.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    })();
    drop(lock);
    result.map_err(io_error(dir))?;
    if std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .next()
        .is_none()
    {
        std::fs::remove_dir(dir).map_err(io_error(dir))?;
        report.folder_removed = true;
    }
    Ok(report)
}
