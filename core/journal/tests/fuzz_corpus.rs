//! The journal-input fuzzer's kept inputs (`fuzz/corpus/journal_input`, `fuzz/regressions`), replayed
//! through the fuzz target's own checks in a normal `cargo test`.

mod journal_input {
    include!("../../../fuzz/checks/journal_input.rs");
}

#[path = "../../../fuzz/checks/corpus.rs"]
mod corpus;

#[test]
fn the_journal_input_corpus_still_passes() {
    let n = corpus::replay("journal_input", journal_input::check);
    assert!(n >= 3000, "{n} inputs");
}
