//! Where the report and the export may write: the file the caller named, in the folder it named,
//! owner-only, never through a symbolic link, and over an existing file only when asked.
//!
//! Why so strict: the files hold health data, and the path can come from a careless or hostile
//! caller (a shell, a script run as root); `..` or a planted symlink must not turn "write the
//! report" into "replace some other file".

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path};

use super::ReportError;

/// What to do when the target file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse with [`ReportError::Exists`]; nothing is written.
    #[default]
    Refuse,
    /// Replace it (atomically: written beside it, then renamed over it).
    Replace,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses an empty path, one with a `..` component, and one whose last component is a symlink.
pub(crate) fn check_folder(path: &Path) -> Result<(), ReportError> {
    if path.as_os_str().is_empty() || path.components().any(|c| c == Component::ParentDir) {
        return Err(ReportError::OutsideFolder {
            path: path.to_path_buf(),
        });
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(ReportError::Symlink {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Checks a file target before anything is written: it names a file (no `..`, not a symlink), and
/// whether it may be replaced.
pub(crate) fn check_target(path: &Path, overwrite: Overwrite) -> Result<(), ReportError> {
    if path.file_name().is_none() {
        return Err(ReportError::OutsideFolder {
            path: path.to_path_buf(),
        });
    }
    check_folder(path)?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Err(ReportError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("it is a folder, not a file"),
        }),
        Ok(_) if overwrite == Overwrite::Refuse => Err(ReportError::Exists {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// A folder for several export files: created owner-only if missing; an existing one is used.
pub(crate) fn prepare_folder(path: &Path) -> Result<(), ReportError> {
    check_folder(path)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io_error(path))
}

/// Creates `path` for writing, owner-only, failing if anything (even a dangling symlink) is there.
fn create_new(path: &Path) -> std::io::Result<File> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    open.open(path)
}

/// Writes `path` with `body`. Refuse: the file is created exclusively (`O_EXCL`, which never
/// follows a link); Replace: a temporary file beside it is renamed over it, which replaces a link
/// rather than writing through it. A failed write leaves no partial file behind.
pub(crate) fn write_file(
    path: &Path,
    overwrite: Overwrite,
    body: impl FnOnce(&mut BufWriter<File>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    check_target(path, overwrite)?;
    let written = match overwrite {
        Overwrite::Refuse => path.to_path_buf(),
        Overwrite::Replace => {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
        }
    };
    if overwrite == Overwrite::Replace {
        // A temporary file left by an interrupted write of this process id.
        let _ = std::fs::remove_file(&written);
    }
    let file = match create_new(&written) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && written == path => {
            return Err(ReportError::Exists {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(io_error(path)(e)),
    };
    let mut w = BufWriter::new(file);
    let result = body(&mut w)
        .and_then(|()| w.flush().map_err(io_error(path)))
        .and_then(|()| match overwrite {
            Overwrite::Refuse => Ok(()),
            Overwrite::Replace => std::fs::rename(&written, path).map_err(io_error(path)),
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&written);
    }
    result
}
