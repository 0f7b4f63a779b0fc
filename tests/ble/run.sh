#!/usr/bin/env bash
# BLE integration tests: btleplug's real Linux backend against the BlueZ emulator on a private bus.
# Self-contained and idempotent; every step has a timeout. Usage: tests/ble/run.sh [cargo test args]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
timeout 900 cargo build -q -p twitchwatch-bluez-emulator --bins --tests
timeout 900 cargo build -q -p twitchwatch-cli
EMULATOR_BIN="$CARGO_TARGET_DIR/debug/twitchwatch-bluez-emulator"
source "$ROOT/tests/ble/env.sh"
# One emulator is shared: the tests run one at a time and reset it between them.
# Arguments go to cargo test (e.g. `--test integration ble_faults::`), default: every test of the emulator crate.
[ $# -eq 0 ] && set -- --tests
export RUST_TEST_THREADS=1
timeout 300 cargo test -q -p twitchwatch-bluez-emulator "$@"

# The CLI against the emulator, exactly as against hardware (only with the default arguments).
if [ "$*" = "--tests" ]; then
  TW="$CARGO_TARGET_DIR/debug/twitchwatch"
  export TWITCHWATCH_DATA_DIR="$BLE_TMP/cli-data"
  fail() { echo "CLI BLE check failed: $*" >&2; exit 1; }
  out=$(timeout 30 "$TW" scan --duration 1s) || fail "scan exited $?"
  echo "$out" | grep -q "C0:FF:EE:00:00:01.*twitchwatch-v1" || fail "scan did not list the wearable: $out"
  echo "$out" | grep -q "A0:9E:1A:B5:A1:C2.*polar-pmd" || fail "scan did not list the Polar sensor: $out"
  timeout 30 "$TW" pair C0:FF:EE:00:00:01 --scan 1s --rate 100 >/dev/null || fail "pair"
  timeout 10 "$TW" devices | grep -q "C0:FF:EE:00:00:01.*paired" || fail "devices does not show the paired wearable"
  # Live monitor on the paired wearable; Ctrl-C (SIGINT) ends it cleanly with a summary.
  timeout -s INT --preserve-status 8 "$TW" monitor >"$BLE_TMP/monitor.out" 2>"$BLE_TMP/monitor.err" \
    || { cat "$BLE_TMP/monitor.err" >&2; fail "monitor exited non-zero"; }
  samples=$(grep "samples classified" "$BLE_TMP/monitor.err" | awk '{print $3}')
  [ "${samples:-0}" -gt 0 ] || { cat "$BLE_TMP/monitor.err" >&2; fail "monitor classified no samples"; }
  timeout 10 "$TW" forget | grep -q "Forgot" || fail "forget"
  refused=$(timeout 10 "$TW" monitor 2>&1 || true)
  echo "$refused" | grep -q "no wearable is paired" || fail "monitor after forget must refuse: $refused"
  echo "CLI BLE checks: 1 passed, 0 failed"
fi
