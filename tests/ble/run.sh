#!/usr/bin/env bash
# BLE integration tests: btleplug's real Linux backend against the BlueZ emulator on a private bus.
# Self-contained and idempotent; every step has a timeout. Usage: tests/ble/run.sh [cargo test args]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
timeout 900 cargo build -q -p twitchwatch-bluez-emulator --bins --tests
EMULATOR_BIN="$CARGO_TARGET_DIR/debug/twitchwatch-bluez-emulator"
source "$ROOT/tests/ble/env.sh"
# One emulator is shared: the tests run one at a time and reset it between them.
# Arguments go to cargo test (e.g. `--test ble_faults`), default: every test of the emulator crate.
[ $# -eq 0 ] && set -- --tests
export RUST_TEST_THREADS=1
timeout 300 cargo test -q -p twitchwatch-bluez-emulator "$@"
