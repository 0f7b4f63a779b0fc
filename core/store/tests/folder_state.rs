//! `DataFolderState::inspect`: every state a shell chooses its first screen by, each found without
//! writing anything — every file's bytes and the folder's listing are the same before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use twitchwatch_store::{DataFolderState, DataKey, Store, StoreOptions};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plaintext-schema2")
}

fn keyed(byte: u8) -> StoreOptions {
    StoreOptions {
        data_key: Some(DataKey::from_bytes([byte; 32])),
        flush_every_ms: 0,
        ..StoreOptions::default()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every entry under `path` (folders too, so a created empty folder shows) with its bytes.
fn snapshot(path: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    if path.is_file() {
        out.insert(path.to_path_buf(), Some(std::fs::read(path).unwrap()));
        return out;
    }
    let mut pending = vec![path.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                out.insert(entry.path(), None);
                pending.push(entry.path());
            } else {
                out.insert(entry.path(), Some(std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out
}

/// Inspects `path` twice and checks nothing there changed, nor appeared beside it.
fn inspect_unchanged(path: &Path) -> DataFolderState {
    let parent = path.parent().unwrap();
    let before = snapshot(parent);
    let state = DataFolderState::inspect(path);
    assert_eq!(
        DataFolderState::inspect(path),
        state,
        "inspecting is repeatable"
    );
    assert!(
        before == snapshot(parent),
        "inspecting {} ({state:?}) changed a file",
        path.display()
    );
    state
}

/// A store of this build with a few records, closed.
fn current_store(path: &Path) {
    let store = Store::open(path, keyed(7)).unwrap();
    store
        .set_settings(&twitchwatch_store::Settings::default())
        .unwrap();
    store.flush().unwrap();
    drop(store);
    // sled's threads let go of the lock shortly after the handle.
    for _ in 0..40 {
        if !Store::is_in_use(path) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn nothing_there_is_empty_and_a_file_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent");
    assert_eq!(
        inspect_unchanged(&absent),
        DataFolderState::Empty {
            folder_exists: false
        }
    );
    assert!(!absent.exists(), "inspecting created the folder");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    // A shell's own file beside where the store will be is not a store.
    std::fs::write(empty.join("inbox.json"), b"[]").unwrap();
    assert_eq!(
        inspect_unchanged(&empty),
        DataFolderState::Empty {
            folder_exists: true
        }
    );
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    assert!(matches!(
        inspect_unchanged(&file),
        DataFolderState::NotAStore { .. }
    ));
}

#[test]
fn a_current_store_is_current_and_locked_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    current_store(&path);
    let state = inspect_unchanged(&path);
    assert_eq!(state, DataFolderState::Current);
    assert!(state.can_open());

    let open = Store::open(&path, keyed(7)).unwrap();
    assert_eq!(DataFolderState::inspect(&path), DataFolderState::Locked);
    drop(open);
}

#[test]
fn the_plaintext_fixture_needs_migration_and_a_newer_schema_is_from_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old");
    copy_dir(&fixture(), &path);
    assert_eq!(
        inspect_unchanged(&path),
        DataFolderState::NeedsMigration {
            found_schema: Some(2)
        }
    );
    // Without its version file (a build before it existed): still a store, brought up to date on open.
    let bare = dir.path().join("bare");
    copy_dir(&fixture(), &bare);
    std::fs::remove_file(bare.join("twitchwatch-store.json")).unwrap();
    assert_eq!(
        inspect_unchanged(&bare),
        DataFolderState::NeedsMigration { found_schema: None }
    );

    let future = dir.path().join("future");
    copy_dir(&fixture(), &future);
    let sidecar = future.join("twitchwatch-store.json");
    let text = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(
        &sidecar,
        text.replace("\"schema_version\":2", "\"schema_version\":4"),
    )
    .unwrap();
    let state = inspect_unchanged(&future);
    assert_eq!(
        state,
        DataFolderState::FromTheFuture {
            found_schema: 4,
            supported_schema: 3
        }
    );
    assert!(!state.can_open());
}

#[test]
fn a_damaged_keyring_or_a_missing_one_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    current_store(&path);
    std::fs::write(path.join("twitchwatch-keyring"), b"garbage").unwrap();
    assert!(matches!(
        inspect_unchanged(&path),
        DataFolderState::Damaged { .. }
    ));
    std::fs::remove_file(path.join("twitchwatch-keyring")).unwrap();
    assert!(matches!(
        inspect_unchanged(&path),
        DataFolderState::Damaged { .. }
    ));
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_unreadable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    current_store(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: the state is then what the files say.
    let readable_anyway = std::fs::read_dir(&path).is_ok();
    let state = DataFolderState::inspect(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    if readable_anyway {
        assert_eq!(state, DataFolderState::Current);
    } else {
        assert!(
            matches!(state, DataFolderState::Unreadable { .. }),
            "{state:?}"
        );
    }
}
