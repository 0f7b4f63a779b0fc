// Replays a fuzz target's kept inputs for the corpus tests of the crates the targets exercise.

use std::path::{Path, PathBuf};

/// Runs `check` on every file of `fuzz/corpus/<target>` and on every file of `fuzz/regressions`
/// (a regression is a crash found by any target; each check must pass it). Returns how many ran;
/// a failing input is named in the panic message.
pub fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|p| p.join("fuzz"))
        .find(|p| p.join("corpus").is_dir())
        .expect("the fuzz folder is in the repository");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [fuzz.join("corpus").join(target), fuzz.join("regressions")] {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in &files {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let run = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            run.is_ok(),
            "{} fails its fuzz target's checks",
            path.display()
        );
    }
    files.len()
}
