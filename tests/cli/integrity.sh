#!/usr/bin/env bash
# Integrity against the ledger's own operator (issue 6), through the real binary:
# a checkpoint key kept outside the store; witnesses that cosign only consistent
# checkpoints; auditors' saved checkpoints and trust directories catching a restored
# older copy (rollback), a deleted write-ahead log, and two copies that diverged (fork);
# origin-bound signatures against cross-ledger replay; one copy of an event retried after
# a kill between commit and receipt; sealed values and their erasure.
#   bash tests/cli/integrity.sh path/to/probity
set -euo pipefail

probity="${1:?usage: integrity.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
work="$(mktemp -d "${TMPDIR:-/tmp}/probity-cli-integrity.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
unset PROBITY_DATA

step=""
fail() {
  echo "FAIL [$step]: $*" >&2
  for f in out err; do
    if [ -s "$f" ]; then echo "--- $f:" >&2; head -c 2000 "$f" >&2; echo >&2; fi
  done
  exit 1
}
# run DIR CMD...: probity on store DIR; stdout ./out, stderr ./err, status $rc.
run() {
  local dir="$1"; shift
  set +e
  "$probity" --data "$dir" "$@" >out 2>err
  rc=$?
  set -e
}
expect() {
  local want="$1"; shift
  run "$@"
  [ "$rc" -eq "$want" ] || fail "probity $* exited $rc, expected $want"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2'"; }
unit() { echo "{\"type\":\"unitRegistered\",\"unit\":\"$1\",\"name\":\"Unit $1\",\"kind\":\"ministryDepartment\"}"; }
size_of() { "$probity" --data "$1" checkpoint --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["treeSize"])'; }

"$probity" keygen admin.pem --quiet >/dev/null
"$probity" keygen hr.pem --quiet >/dev/null
"$probity" keygen w1.pem --quiet >/dev/null
"$probity" keygen w2.pem --quiet >/dev/null
printf 'checkpoint key passphrase\n' > cp.pass
chmod 600 cp.pass
mkdir -p secure
"$probity" keygen secure/cp.pem --passphrase-file cp.pass --quiet >/dev/null

# ------------------------------------------------------------------------------------------
step="init --checkpoint-key: the store holds no private key"
expect 0 st init --admin-key admin.pem --origin probity.test/integrity --checkpoint-key secure/cp.pem \
  --checkpoint-passphrase-file cp.pass
contains out "outside the store"
[ ! -e st/checkpoint-key.pem ] || fail "a checkpoint key was written into the store"
if grep -rqs "PRIVATE KEY" st; then fail "the store directory holds a private key"; fi
unit U1 > u1.jsonl
expect 0 st append --key admin.pem u1.jsonl
hr_pem="$(python3 -c 'import json,sys; print(json.dumps(open("hr.pub").read()))')"
echo "{\"type\":\"keyRegistered\",\"publicKey\":$hr_pem,\"holder\":\"HR\",\"role\":\"hr\"}" > hrkey.jsonl
expect 0 st append --key admin.pem hrkey.jsonl
vkey="$("$probity" --data st checkpoint --vkey)"
[ "$vkey" = "$(openssl pkey -in secure/cp.pem -passin file:cp.pass -pubout -outform DER | tail -c 32 | python3 -c '
import base64, hashlib, sys
raw = sys.stdin.buffer.read()
name = b"probity.test/integrity"
kid = hashlib.sha256(name + b"\n\x01" + raw).digest()[:4]
print("probity.test/integrity+" + kid.hex() + "+" + base64.b64encode(b"\x01" + raw).decode())')" ] \
  || fail "the checkpoint vkey is not the external key's"

step="appends refuse clearly while the checkpoint key is gone; reads still work"
mv secure/cp.pem secure/cp.pem.away
unit U2 > u2.jsonl
expect 3 st append --key admin.pem u2.jsonl
contains err "secure/cp.pem"
contains err "gone"
expect 0 st log
mv secure/cp.pem.away secure/cp.pem
expect 0 st append --key admin.pem u2.jsonl

# ------------------------------------------------------------------------------------------
step="witnesses cosign; verify needs their quorum"
expect 0 st witness init --key w1.pem --log-vkey "$vkey" --state w1 --name w1.test
w1_vkey="$(tail -n1 out)"
echo "$w1_vkey" > w1.vkey
expect 0 st witness init --key w2.pem --log-vkey "$vkey" --state w2 --name w2.test
w2_vkey="$(tail -n1 out)"
[[ "$w1_vkey" == w1.test+* ]] || fail "witness vkey '$w1_vkey' does not name the witness"
expect 1 st verify --witness w1.vkey
contains err "0 valid cosignature"
expect 0 st checkpoint --witness-request
cp out req1
"$probity" witness add-checkpoint --key w1.pem --state w1 req1 > cosigned1 || fail "w1 refused a good checkpoint"
expect 0 st cosign cosigned1
contains out "stored 1 new"
expect 0 st verify --witness w1.vkey
contains out "cosigned by 1 of 1 witness(es): w1.test"
expect 1 st verify --witness w1.vkey --witness "$w2_vkey"
expect 0 st verify --witness w1.vkey --witness "$w2_vkey" --quorum 1
expect 0 st checkpoint
[ "$(grep -c '^— ' out)" = "2" ] || fail "the checkpoint does not carry the log's signature and the cosignature"
# The same request again is a conflict: the witness has moved on from size 0.
set +e; "$probity" witness add-checkpoint --key w1.pem --state w1 req1 >out 2>err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "the witness cosigned a request from a size it has left (exit $rc)"
contains err "conflict"
w1_size="$(size_of st)"

# ------------------------------------------------------------------------------------------
step="saved checkpoints and a trust dir: a restored older copy is a rollback"
"$probity" --data st checkpoint > saved.note
expect 0 st verify --since saved.note --trust-dir trust
contains out "consistent with 1 checkpoint"
cp -a st st-backup
unit U3 > u3.jsonl
expect 0 st append --key admin.pem u3.jsonl
expect 0 st verify --since saved.note --trust-dir trust
contains out "now keeps the checkpoint at size $(size_of st)"
rm -rf st-restored && cp -a st-backup st-restored
expect 1 st-restored verify --trust-dir trust
contains err "rollback"
# The witness, too, refuses to go back.
run st-restored checkpoint --witness-request --old "$w1_size"
cp out req-old
set +e; "$probity" witness add-checkpoint --key w1.pem --state w1 req-old >out 2>err; rc=$?; set -e
[ "$rc" -eq 0 ] || fail "the witness refused the very checkpoint it cosigned"
run st checkpoint --witness-request --old "$w1_size"
cp out req2
"$probity" witness add-checkpoint --key w1.pem --state w1 req2 > cosigned2 || fail "w1 refused a consistent extension"
expect 0 st cosign cosigned2
run st-restored checkpoint --witness-request --old "$(size_of st)"
[ "$rc" -ne 0 ] || fail "a request from beyond the restored copy's size was made"
run st-restored checkpoint --witness-request --old "$w1_size"
cp out req-rolled
set +e; "$probity" witness add-checkpoint --key w1.pem --state w1 req-rolled >out 2>err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "the witness cosigned a rolled-back checkpoint (exit $rc)"
contains err "conflict"
# What the witness last cosigned is a checkpoint the auditor can hold the store to.
"$probity" witness latest --state w1 > w1-latest.note || fail "witness latest"
expect 0 st verify --since w1-latest.note --witness w1.vkey
expect 1 st-restored verify --since w1-latest.note
contains err "rollback"
contains err "w1-latest.note"

# ------------------------------------------------------------------------------------------
step="two copies that diverged: a fork"
rm -rf fork-a fork-b && cp -a st fork-a && cp -a st fork-b
unit UA > ua.jsonl
unit UB > ub.jsonl
expect 0 fork-a append --key admin.pem ua.jsonl
expect 0 fork-b append --key admin.pem ub.jsonl
"$probity" --data fork-a checkpoint > fork-a.note
expect 0 fork-a verify --trust-dir trust-fork
expect 1 fork-b verify --trust-dir trust-fork
contains err "fork"
expect 1 fork-b verify --since fork-a.note
contains err "fork"
# A witness that cosigned one copy refuses the other: the two cannot both look current.
expect 0 fork-a witness init --key w2.pem --log-vkey "$vkey" --state wf --name wf.test
run fork-a checkpoint --witness-request
"$probity" witness add-checkpoint --key w2.pem --state wf out > fork-a.cosigned || fail "the witness refused fork-a"
base="$(size_of fork-a)"
run fork-b checkpoint --witness-request --old "$base"
cp out req-fork-b
set +e; "$probity" witness add-checkpoint --key w2.pem --state wf req-fork-b >out 2>err; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "the witness cosigned the other copy of a fork (exit $rc)"
contains err "fork"

step="a history rewritten with the operator's own key is a fork to an auditor who saved a checkpoint"
# Rebuild the log from the same signed envelopes minus one, signed with the same checkpoint key.
"$probity" --data st log --json > log.jsonl
rm -rf rewritten
cp secure/cp.pem cp-copy.pem
expect 0 rewritten init --admin-key admin.pem --origin probity.test/integrity --checkpoint-key secure/cp.pem \
  --checkpoint-passphrase-file cp.pass
expect 0 rewritten append --key admin.pem u2.jsonl
expect 0 rewritten append --key admin.pem hrkey.jsonl
expect 0 rewritten append --key admin.pem u3.jsonl
expect 0 rewritten append --key admin.pem ua.jsonl
expect 0 rewritten append --key admin.pem ub.jsonl
expect 0 rewritten verify
expect 1 rewritten verify --trust-dir trust
contains err "fork"
expect 1 rewritten verify --since saved.note
contains err "fork"
contains err "saved.note"

# ------------------------------------------------------------------------------------------
step="a deleted write-ahead log rolls the store back: the trust dir says so"
# A clean close flushes, so only a writer that died after its commit leaves entries in the
# write-ahead log alone; deleting that log then loses acknowledged entries.
rm -rf walst && cp -a st walst
rm -rf trust-wal
expect 0 walst verify --trust-dir trust-wal
unit U4 > u4.jsonl
set +e; PROBITY_TEST_KILL_AFTER_COMMIT=1 "$probity" --data walst append --key admin.pem u4.jsonl >/dev/null 2>&1; set -e
expect 0 walst verify --trust-dir trust-wal
contains out "now keeps"
# A witness cosigns what the trust dir saw.
expect 0 walst witness init --key w1.pem --log-vkey "$vkey" --state wwal --name wwal.test
run walst checkpoint --witness-request
"$probity" witness add-checkpoint --key w1.pem --state wwal out >/dev/null || fail "the witness refused the WAL store"
wal_size="$(size_of walst)"
ls walst/db/*.log >/dev/null 2>&1 || fail "no write-ahead log to delete"
rm -f walst/db/*.log
run walst verify --trust-dir trust-wal
[ "$rc" -ne 0 ] || fail "verify passed on a store whose write-ahead log was deleted"
grep -q "rollback\|damaged\|no store\|missing\|cannot open" err || fail "unclear message after WAL deletion: $(cat err)"
# ... and the witness will not cosign the rolled-back store's checkpoint.
"$probity" witness latest --state wwal > wwal-latest.note
expect 1 walst verify --since wwal-latest.note
contains err "rollback"
run walst checkpoint --witness-request --old "$wal_size"
[ "$rc" -ne 0 ] || fail "a witness request from beyond the rolled-back store's size was made"

# ------------------------------------------------------------------------------------------
step="an envelope signed for another ledger is refused"
expect 0 other init --admin-key admin.pem --origin probity.test/other
"$probity" sign --key admin.pem --origin probity.test/integrity u4.jsonl > for-st.jsonl
before="$(size_of other)"
expect 1 other submit for-st.jsonl
contains err "signature does not verify"
[ "$(size_of other)" = "$before" ] || fail "the other ledger stored an envelope signed for another"

step="a retried submission after a kill between commit and receipt is stored once"
"$probity" --data st sign --key admin.pem u4.jsonl > retry.jsonl
before="$(size_of st)"
set +e
PROBITY_TEST_KILL_AFTER_COMMIT=1 "$probity" --data st submit retry.jsonl >out 2>err
rc=$?
set -e
[ "$rc" -eq 137 ] || fail "the submit was not killed after its commit (exit $rc)"
[ ! -s out ] || fail "a receipt was printed before the kill"
[ "$(size_of st)" = "$((before + 1))" ] || fail "the committed event is not there after the kill"
expect 0 st submit retry.jsonl
contains out "seq $before"
contains out "already stored"
expect 0 st submit retry.jsonl
[ "$(size_of st)" = "$((before + 1))" ] || fail "a retried envelope was stored twice"
expect 0 st verify

# ------------------------------------------------------------------------------------------
step="sealed values: signed as a commitment, kept beside the log, erased without breaking anything"
hr_id="$("$probity" --data st log --json | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e["event"]["type"] == "keyRegistered" and e["event"]["role"] == "hr": print(e["keyId"])')"
[ -n "$hr_id" ] || fail "no hr key"
echo '{"type":"personRegistered","person":"P1","name":"Li","unit":"U1","category":"civilServant"}' > p1.jsonl
expect 0 st append --key hr.pem p1.jsonl
echo '{"type":"restrictionRecorded","person":"P1","reason":"pregnancy","from":"2019-06-01"}' > r1.jsonl
expect 0 st append --key hr.pem r1.jsonl
seq="$(sed -n 's/^seq \([0-9]*\) .*/\1/p' out)"
expect 0 st show "$seq" --json
python3 /dev/fd/3 <out 3<<'EOF' || fail "the signed entry carries the clear reason"
import base64, json, sys
s = json.load(sys.stdin)
assert b"pregnancy" not in base64.b64decode(s["entry"]), "clear value in the entry"
assert s["event"]["reason"] == "withheld (sensitive)", s["event"]
EOF
expect 0 st show "$seq" --json --include-sensitive
python3 /dev/fd/3 <out 3<<'EOF' || fail "the sealed value does not match its signed commitment"
import base64, hashlib, json, sys
s = json.load(sys.stdin)
v = s["sealed"][0]
assert v["field"] == "reason" and v["value"] == "pregnancy", v
commitment = hashlib.sha256(bytes.fromhex(v["salt"]) + v["value"].encode()).digest()
assert commitment in base64.b64decode(s["entry"]), "commitment not in the signed entry"
EOF
leaf_before="$(sed -n 's/.*"leafHash":"\([0-9a-f]*\)".*/\1/p' out)"
expect 2 st erase "$seq" --key hr.pem
expect 1 st erase "$seq" --key w1.pem --reason "not a registered key"
expect 0 st erase "$seq" --key hr.pem --reason "retention period over"
contains out "erased"
expect 1 st erase "$seq" --key hr.pem --reason "again"
contains err "already erased"
expect 0 st show "$seq" --json --include-sensitive
python3 /dev/fd/3 "$leaf_before" <out 3<<'EOF' || fail "after erasure the entry changed or still shows its value"
import json, sys
s = json.load(sys.stdin)
assert s["verified"] is True
assert s["leafHash"] == sys.argv[1], "the leaf changed"
assert s["sealed"] == [{"field": "reason", "erased": True}], s["sealed"]
assert s["event"]["reason"] == "erased", s["event"]
EOF
expect 0 st verify
expect 0 st record P1 --include-sensitive
contains out "erased"
# Erased means gone from the files too (write-ahead log and tables), not only hidden.
if grep -rqa "pregnancy" st/; then fail "the erased value is still in a file under the store: $(grep -rla pregnancy st/)"; fi

echo "cli integrity: all checks passed"
