//! Every input the fuzzers kept (`fuzz/corpus/`, `fuzz/regressions/`), replayed through the same checks
//! as the frame and Polar fuzz targets, in a normal `cargo test`: what a long fuzz run once passed
//! keeps passing without cargo-fuzz, nightly flags or a sanitizer build.

mod frame_decoder {
    include!("../../../fuzz/checks/frame_decoder.rs");
}
mod polar_decoder {
    include!("../../../fuzz/checks/polar_decoder.rs");
}

#[path = "../../../fuzz/checks/corpus.rs"]
mod corpus;

#[test]
fn the_frame_decoder_corpus_still_passes() {
    let n = corpus::replay("frame_decoder", frame_decoder::check);
    assert!(n >= 200, "{n} inputs");
}

#[test]
fn the_polar_decoder_corpus_still_passes() {
    let n = corpus::replay("polar_decoder", polar_decoder::check);
    assert!(n >= 500, "{n} inputs");
}
