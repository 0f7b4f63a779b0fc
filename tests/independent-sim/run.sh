#!/usr/bin/env bash
# Independent simulator: set up, self-test, and (with --score) generate the full set and score a CLI binary.
#
#   ./run.sh                      venv if missing, then the generator's own physics/format tests
#   ./run.sh --score              ... then generate the full set (seed 1) into a temp dir and score $TW_BIN
#   TW_BIN=/path/to/twitchwatch ./run.sh --score [--keep] [--out report.md]
#
# Environment: TW_BIN (default /tmp/tw-bin/twitchwatch), SEED (1), HOURS (10.5), EVENT_FILES (40),
# JOBS (2), DATA_DIR (default: a fresh mktemp dir, deleted afterwards unless --keep).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
caller="$(pwd)"

score=0; keep=0; out="$here/report.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --score) score=1 ;;
    --keep) keep=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$out" in /*) ;; *) out="$caller/$out" ;; esac
cd "$here"

if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q numpy scipy pytest
fi
py=.venv/bin/python

"$py" -m pytest -q test_independent_sim.py

[ "$score" = 1 ] || exit 0

TW_BIN="${TW_BIN:-/tmp/tw-bin/twitchwatch}"
[ -x "$TW_BIN" ] || { echo "no executable CLI at TW_BIN=$TW_BIN" >&2; exit 1; }
SEED="${SEED:-1}"; HOURS="${HOURS:-10.5}"; EVENT_FILES="${EVENT_FILES:-40}"; JOBS="${JOBS:-2}"
data="${DATA_DIR:-$(mktemp -d /tmp/indep-sim.XXXXXX)}"
if [ -z "${DATA_DIR:-}" ] && [ "$keep" = 0 ]; then trap 'rm -rf "$data"' EXIT; fi

if [ ! -f "$data/manifest.json" ]; then
  echo "generating seed $SEED: $EVENT_FILES event recordings + $HOURS h everyday activity into $data" >&2
  "$py" generate.py --seed "$SEED" --out "$data" --hours "$HOURS" --event-files "$EVENT_FILES" 2> "$data/generate.log"
fi
"$py" score.py --data "$data" --bin "$TW_BIN" --jobs "$JOBS" --report "$out" --json "${out%.md}.json" \
  --command "TW_BIN=$TW_BIN tests/independent-sim/run.sh --score   (seed $SEED, $EVENT_FILES event files, $HOURS h everyday)" > /dev/null
echo "report: $out   summary: ${out%.md}.json" >&2
