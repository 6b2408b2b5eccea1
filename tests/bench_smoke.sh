#!/bin/bash
# bench.smoke: every probity-bench subcommand on one small store, as the figures' users run
# them (append fills DIR, the others measure it). Asserts that each runs and reports the
# figures docs/performance.md names, never how fast: speed is for the table, not for CI.
set -euo pipefail
bench="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "bench.smoke: $*" >&2; exit 1; }
# Figure $2 of JSON object $1, which must be present and a number.
figure() {
  python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; assert isinstance(v,(int,float)); print(v)' "$1" "$2" ||
    fail "no figure '$2' in: $1"
}

out=$("$bench" append --events 3000 --batch 250 --dir "$dir" --json)
echo "$out"
entries=$(figure "$out" entries)
# The workload is whole persons: about the number asked for, every one appended.
[ "$entries" -ge 2900 ] && [ "$entries" -le 3020 ] || fail "append: $entries entries for 3000 events"
for f in eventsPerSecond verifyLimitPerSecond ratioToLimit p50Ms p99Ms entryBytes bytesPerEvent \
  peakRssBytes sodiumVerifyPerSecond opensslVerifyPerSecond fsyncPerSecond rawScanPerSecond; do
  figure "$out" "$f" >/dev/null
done
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert 0 < d["ratioToLimit"] and d["eventsPerSecond"] > 0' "$out" ||
  fail "append: figures not positive"

out=$("$bench" verify --dir "$dir" --json)
echo "$out"
[ "$(figure "$out" entries)" = "$entries" ] || fail "verify: another number of entries"
figure "$out" eventsPerSecond >/dev/null
figure "$out" ratioToLimit >/dev/null

out=$("$bench" rebuild --dir "$dir" --json)
echo "$out"
figure "$out" eventsPerSecond >/dev/null
figure "$out" ratioToLimit >/dev/null

out=$("$bench" prove --dir "$dir" --samples 50 --json)
echo "$out"
for f in p50Us p99Us inclusionP50Us inclusionP99Us; do figure "$out" "$f" >/dev/null; done

out=$("$bench" read --dir "$dir" --samples 20 --json)
echo "$out"
for f in recordP50Ms recordP99Ms eligibilityP50Ms rosterP50Ms coldCheckpointP50Ms; do
  figure "$out" "$f" >/dev/null
done

# Through the server: 'probity serve' on loopback, signed requests from concurrent clients.
out=$("$bench" append --server --clients 4 --events 2000 --dir "$dir/served" --json)
echo "$out"
served=$(figure "$out" entries)
[ "$served" -ge 1900 ] && [ "$served" -le 2020 ] || fail "append --server: $served entries for 2000 events"
for f in eventsPerSecond ratioToLimit p50Ms p99Ms clients; do figure "$out" "$f" >/dev/null; done
"$bench" verify --dir "$dir/served" >/dev/null || fail "verify of the store filled through the server"

# The store still verifies after all of it (rebuild rewrote its projections).
"$bench" verify --dir "$dir" >/dev/null || fail "verify after rebuild"

# Bad input: a clear message and exit 2; a second append into a filled store refused.
set +e
"$bench" verify >/dev/null 2>"$dir/err"; [ $? -eq 2 ] && grep -q -- '--dir' "$dir/err" || fail "verify without --dir"
"$bench" append --events many 2>"$dir/err"; [ $? -eq 2 ] && grep -q 'whole number' "$dir/err" || fail "--events many"
"$bench" frobnicate --dir "$dir" 2>"$dir/err"; [ $? -eq 2 ] && grep -q 'unknown command' "$dir/err" || fail "unknown command"
"$bench" append --events 3000 --dir "$dir" 2>"$dir/err"; [ $? -eq 1 ] && grep -q 'exists' "$dir/err" || fail "append into a filled store"
set -e
echo "bench.smoke: ok"
