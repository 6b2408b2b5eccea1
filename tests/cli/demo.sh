#!/usr/bin/env bash
# The demo (the README's first command): it builds the same log on every run, tours
# it, refuses to touch a store that is not a demo store, and its store passes the
# command line's own checks afterwards.
set -euo pipefail
probity="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "demo.sh: $*" >&2; exit 1; }

"$probity" --data "$tmp/a" demo >"$tmp/a.out" || fail "demo exited $?"
for part in "39 cities" "latest checkpoint" "roster of" "record of" "eligibility 2019" "verify: ok" \
            "cosigned by witness"; do
  grep -q "$part" "$tmp/a.out" || fail "the tour does not show '$part'"
done

root() { "$probity" --data "$1" checkpoint --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
root_a="$(root "$tmp/a" root)"
size="$(root "$tmp/a" treeSize)"
[ "$size" -gt 50000 ] || fail "the demo holds only $size entries"

# The demo's store passes an auditor's verify with a trust dir and a witness quorum.
"$probity" --data "$tmp/a" verify --trust-dir "$tmp/a/demo-trust" --witness "$tmp/a/demo-keys/witness.vkey" \
  --quorum 1 >"$tmp/v.out" || fail "the demo store does not pass verify --trust-dir with its witness"
grep -q "cosigned by 1 of 1 witness(es): witness.demo.probity.local" "$tmp/v.out" || fail "no cosignature: $(cat "$tmp/v.out")"
grep -q "consistent with 1 checkpoint" "$tmp/v.out" || fail "the trust dir was not used: $(cat "$tmp/v.out")"

# Every demo key comes from a public seed, the checkpoint key too: a run in a second fresh
# directory gives the same vkey and the same checkpoint, byte for byte (Ed25519 signs
# deterministically, and the witness cosigns at the demo clock's time).
grep -q "derived from a public seed: never use a demo store for real records" "$tmp/a.out" ||
  fail "the tour does not warn that the demo's keys are public"
"$probity" --data "$tmp/b" demo >/dev/null || fail "the demo in a second directory failed"
vkey_a="$("$probity" --data "$tmp/a" checkpoint --vkey)"
[ "$("$probity" --data "$tmp/b" checkpoint --vkey)" = "$vkey_a" ] ||
  fail "two demo runs have different checkpoint keys: $vkey_a vs $("$probity" --data "$tmp/b" checkpoint --vkey)"
"$probity" --data "$tmp/a" checkpoint >"$tmp/a.note"
"$probity" --data "$tmp/b" checkpoint >"$tmp/b.note"
grep -q "^— witness.demo.probity.local " "$tmp/a.note" || fail "the demo's checkpoint is not cosigned: $(cat "$tmp/a.note")"
cmp -s "$tmp/a.note" "$tmp/b.note" || fail "two demo runs sign different checkpoints: $(diff "$tmp/a.note" "$tmp/b.note")"
cmp -s "$tmp/a/demo-keys/witness.vkey" "$tmp/b/demo-keys/witness.vkey" || fail "two demo runs have different witness keys"
rm -rf "$tmp/b"

# Re-running replaces the earlier demo store (never another store), and is deterministic:
# the second run, from nothing again, ends at the same entries, root and checkpoint.
"$probity" --data "$tmp/a" demo >/dev/null || fail "re-running the demo in place failed"
[ "$(root "$tmp/a" root)" = "$root_a" ] || fail "two demo runs differ: $root_a vs $(root "$tmp/a" root)"
"$probity" --data "$tmp/a" checkpoint | cmp -s - "$tmp/a.note" || fail "the demo re-run in place signs another checkpoint"
"$probity" keygen "$tmp/admin.pem" --quiet >/dev/null
"$probity" --data "$tmp/real" init --admin-key "$tmp/admin.pem" >/dev/null
rc=0; "$probity" --data "$tmp/real" demo >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || fail "demo over a real store: exit $rc, expected 1"
grep -q "not a demo store" "$tmp/err" || fail "demo over a real store: $(cat "$tmp/err")"
"$probity" --data "$tmp/real" verify >/dev/null || fail "the real store was touched"

# The store the demo leaves answers every report, and the projections rebuild to the same.
"$probity" --data "$tmp/a" eligibility 2019 --format csv >"$tmp/e.csv" 2>/dev/null
python3 - "$tmp/e.csv" <<'PY' || fail "eligibility CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0] == ["person", "name", "unit", "category", "outcomes", "reviewRequired", "reasons", "events"], rows[0]
assert len(rows) > 100, len(rows)
assert any(r[5] == "true" for r in rows[1:]), "no R13 line"
PY
"$probity" --data "$tmp/a" eligibility 2019 --format json >"$tmp/before.json" 2>/dev/null
"$probity" --data "$tmp/a" rebuild >/dev/null || fail "rebuild"
"$probity" --data "$tmp/a" eligibility 2019 --format json >"$tmp/after.json" 2>/dev/null
cmp -s "$tmp/before.json" "$tmp/after.json" || fail "eligibility differs after rebuild"
"$probity" --data "$tmp/a" verify >/dev/null || fail "verify after rebuild"
echo "demo.sh: ok"
