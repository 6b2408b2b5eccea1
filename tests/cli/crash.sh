#!/usr/bin/env bash
# Crash harness, quick mode (issue 7): three concurrent submitters SIGKILLed about 150
# times at random moments, kills after the commit, retries; after every round of kills
# verify passes, every receipt printed is in the log with its leaf hash, no batch is half
# there, no id is stored twice; at the end projections equal a rebuild. Any violation
# fails this test with the harness's message (seed, round, attempt, file) on stderr.
#   bash tests/cli/crash.sh path/to/probity
# The long run, on demand:
#   python3 tests/crash/harness.py --probity build/probity --long [--seed N]
set -euo pipefail

probity="${1:?usage: crash.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
[ -x "$probity" ] || { echo "FAIL: $probity is not executable" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is needed" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unset PROBITY_DATA PROBITY_TEST_KILL_AFTER_COMMIT

# CRASH_SEED replays a failure; CRASH_KILLS changes the count (default: the quick 150).
args=(--probity "$probity" --quiet)
[ -n "${CRASH_SEED:-}" ] && args+=(--seed "$CRASH_SEED")
[ -n "${CRASH_KILLS:-}" ] && args+=(--kills "$CRASH_KILLS")
if ! python3 "$here/../crash/harness.py" "${args[@]}"; then
  echo "FAIL [crash]: the crash harness found a violation (message above)" >&2
  exit 1
fi
