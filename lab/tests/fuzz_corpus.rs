//! The CSV-import fuzzer's kept inputs (`fuzz/corpus/csv_import`, `fuzz/regressions`), replayed through
//! the fuzz target's own checks in a normal `cargo test`.

mod csv_import {
    include!("../../fuzz/checks/csv_import.rs");
}

#[path = "../../fuzz/checks/corpus.rs"]
mod corpus;

#[test]
fn the_csv_import_corpus_still_passes() {
    let n = corpus::replay("csv_import", csv_import::check);
    assert!(n >= 1000, "{n} inputs");
}
