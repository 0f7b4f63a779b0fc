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
