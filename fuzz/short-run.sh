#!/usr/bin/env bash
# A short libFuzzer run of every target, for CI: each target starts from its kept corpus and runs a
# fixed number of executions from a fixed seed, so a commit gets the same verdict on every machine
# (FUZZ_SEED to try another, FUZZ_SCALE to multiply the counts). Any crash, panic or broken invariant
# fails the run and leaves the input in the printed folder; copy it to fuzz/regressions/ and `cargo
# test`'s corpus replay keeps it as a regression.
#
#   bash fuzz/short-run.sh                       about 10 s per target on one core
#   FUZZ_SEED=7 FUZZ_SCALE=10 bash fuzz/short-run.sh
#
# Built on stable without cargo-fuzz: the coverage instrumentation libFuzzer needs (sancov) is a stable
# rustc pass, so only AddressSanitizer is left out, which safe Rust does not need to catch a panic or
# an overflow (debug assertions and overflow checks stay on). The long measured runs with ASan use
# cargo-fuzz (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")"

seed="${FUZZ_SEED:-1}"
scale="${FUZZ_SCALE:-1}"
out="${FUZZ_OUT:-$(mktemp -d /tmp/twitchwatch-fuzz.XXXXXX)}"
targets=(frame_decoder polar_decoder csv_import journal_input)
declare -A max_len=([frame_decoder]=512 [polar_decoder]=512 [csv_import]=2048 [journal_input]=1024)
# Executions per target: about 10 s each at the speeds measured on a 2-core machine (CSV import is
# ~15× slower per input than the decoders).
declare -A runs=([frame_decoder]=1000000 [polar_decoder]=1000000 [csv_import]=60000 [journal_input]=800000)

# The flags cargo-fuzz passes, less the nightly-only sanitizer. A separate target dir keeps the
# instrumented build away from the workspace's normal one.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# With an explicit target, RUSTFLAGS reach only the fuzz binaries, not build scripts (which would
# otherwise need libFuzzer's symbols too).
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --release --locked --bins --target "$host"
bin="$CARGO_TARGET_DIR/$host/release"

for target in "${targets[@]}"; do
  # New inputs go to a scratch folder; the kept corpus is only read.
  mkdir -p "$out/$target/new" "$out/$target/crashes"
  log="$out/$target/log"
  if ! "$bin/$target" "$out/$target/new" "corpus/$target" \
      -runs="$((runs[$target] * scale))" -seed="$seed" -max_len="${max_len[$target]}" -print_final_stats=1 \
      -artifact_prefix="$out/$target/crashes/" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz/short-run.sh: $target failed; the input is in $out/$target/crashes/" >&2
    exit 1
  fi
  done_runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
  echo "$target: $done_runs executions (seed $seed), 0 crashes"
done
