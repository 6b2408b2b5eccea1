#!/usr/bin/env bash
# Witnessing both logs (issue 9): reads recorded through a real `probity serve` grow the
# access log; a witness follows the main log and the access log, each in its own state
# directory, through the commands an operator runs (checkpoint [--access]
# --witness-request | witness add-checkpoint | cosign); `verify --witness` then checks
# both, and a wiped access log is caught by the witness and by verify --since its latest.
#   bash tests/cli/witness.sh path/to/probity
set -euo pipefail

probity="${1:?usage: witness.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/probity-cli-witness.XXXXXX")"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset PROBITY_DATA PROBITY_SERVER
fail() { echo "witness.sh: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data store "$@"; }

bash "$here/tests/web/make_store.sh" "$probity" "$work" >/dev/null
vkey="$(p checkpoint --vkey)"
origin="$(p checkpoint | head -n 1)"
"$probity" keygen w.pem --quiet >/dev/null

# serve, then three reads of P1's record by hr, through the client.
serve() {
  "$probity" --data store serve --listen 127.0.0.1:0 2>serve.err &
  server_pid=$!
  for _ in $(seq 1 100); do
    url="$(sed -n 's|.* at \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' serve.err)"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  fail "probity serve did not start: $(cat serve.err)"
}
stop() { kill "$server_pid"; wait "$server_pid" || true; server_pid=""; }
read_p1() {
  for _ in $(seq 1 "$1"); do
    "$probity" --server "$url" record P1 --key keys/hr.pem >/dev/null 2>err ||
      fail "hr reading P1 through the server: $(cat err)"
  done
}
serve
read_p1 3
# The access log's checkpoint is public, and a witness request for it can be made while
# the server runs (the store opens read-only beside it).
curl -sf "$url/v1/access-log/checkpoint" >access.cp || fail "GET /v1/access-log/checkpoint"
sed -n 1p access.cp | grep -qx "$origin/access" || fail "access checkpoint origin: $(cat access.cp)"
sed -n 2p access.cp | grep -qx 3 || fail "access checkpoint size, expected 3: $(cat access.cp)"
p checkpoint --access --witness-request >req1 || fail "checkpoint --access --witness-request"
stop

# The witness: one state per log, the same key and name.
"$probity" witness init --key w.pem --log-vkey "$vkey" --state w-main --name witness.test \
  >w.vkey 2>/dev/null || fail "witness init (main)"
"$probity" witness init --key w.pem --log-vkey "$vkey" --origin "$origin/access" \
  --state w-access --name witness.test >w-access.vkey 2>init.err || fail "witness init --origin: $(cat init.err)"
cmp -s w.vkey w-access.vkey || fail "one witness key should give one cosigner vkey"
grep -q "follows $origin/access" init.err || fail "witness init names what it follows: $(cat init.err)"

# Before any cosignature of the access log, verify --witness says what is missing.
p checkpoint --witness-request | "$probity" witness add-checkpoint --key w.pem --state w-main |
  p cosign >/dev/null || fail "cosign (main)"
rc=0; p verify --witness w.vkey >out 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "verify --witness with an unwitnessed access log: exit $rc"
grep -q "the access log (3 reads) has no checkpoint cosigned by a witness" err ||
  fail "unwitnessed access log not named: $(cat err)"

# The witness cosigns the access checkpoint; cosign stores it with the access log.
"$probity" witness add-checkpoint --key w.pem --state w-access req1 >cosigned1 ||
  fail "witness add-checkpoint (access)"
p cosign cosigned1 >out || fail "cosign (access)"
grep -q "stored 1 new signature line(s) with the access log's checkpoint at size 3" out ||
  fail "cosign output: $(cat out)"
p verify --witness w.vkey >out || fail "verify --witness after both are witnessed"
grep -q "access log cosigned at size 3 of 3 by 1 of 1 witness(es): witness.test" out ||
  fail "verify does not report the witnessed access log: $(cat out)"

cp -a store backup  # the operator's backup, at 3 reads

# Two more reads; the witness follows from the size it cosigned (a consistency proof).
serve
read_p1 2
curl -sf "$url/v1/access-log/proofs/consistency?old=3&new=5" >proof.json ||
  fail "GET /v1/access-log/proofs/consistency"
python3 -c 'import json,sys; d=json.load(open("proof.json")); assert d["oldSize"]==3 and d["newSize"]==5 and len(d["hashes"])>0, d' ||
  fail "access consistency proof: $(cat proof.json)"
stop
p checkpoint --access --witness-request --old 3 |
  "$probity" witness add-checkpoint --key w.pem --state w-access >cosigned2 ||
  fail "witness add-checkpoint from size 3"
p cosign cosigned2 >/dev/null || fail "cosign (access, size 5)"
p checkpoint --access | grep -q "^— witness.test " || fail "checkpoint --access shows the cosignature"
p verify --witness w.vkey --json >out || fail "verify --witness --json"
python3 -c 'import json; d=json.load(open("out")); assert d["accessEntries"]==5 and d["accessCosignedSize"]==5 and d["accessCosignedBy"][0]["witness"]=="witness.test", d' ||
  fail "verify --json access witnessing: $(cat out)"

# The operator restores the backup, hiding the two later reads: the witness will not
# cosign it, and an auditor who verifies --since the witness's latest access checkpoint
# sees the rollback.
"$probity" witness latest --state w-access >kept.note || fail "witness latest"
p verify --since kept.note >/dev/null || fail "verify --since the witness's latest"
rm -rf store && mv backup store
"$probity" --data store checkpoint --access --witness-request --old 3 >req-old
rc=0; "$probity" witness add-checkpoint --key w.pem --state w-access req-old >/dev/null 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "the witness cosigned a restored older access log: exit $rc"
grep -q "conflict" err || fail "witness refusal does not name the conflict: $(cat err)"
rc=0; p verify --since kept.note >/dev/null 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "verify --since on the restored backup: exit $rc"
grep -q "access log rollback: it holds 3 reads, but a checkpoint saved earlier" err ||
  fail "rollback not named: $(cat err)"
echo "witness.sh: ok"
