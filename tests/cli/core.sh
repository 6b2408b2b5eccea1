#!/usr/bin/env bash
# End-to-end through the real binary: keygen, init, sign, submit, append, log, show,
# prove, checkpoint, verify, and the exit statuses of ../../../shared/interface.md.
# Every proof, hash and signature printed is re-checked here with python3 and openssl,
# not with probity's own code.
#   bash tests/cli/core.sh path/to/probity
set -euo pipefail

probity="${1:?usage: core.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
[ -x "$probity" ] || { echo "FAIL: $probity is not executable" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is needed" >&2; exit 1; }
command -v openssl >/dev/null || { echo "FAIL: openssl is needed" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/probity-cli-core.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
data="$work/data"
unset PROBITY_DATA

step=""
fail() {
  echo "FAIL [$step]: $*" >&2
  for f in out err; do
    if [ -s "$f" ]; then echo "--- $f:" >&2; head -c 2000 "$f" >&2; echo >&2; fi
  done
  exit 1
}

# run CMD...: runs probity with --data, stdout to ./out, stderr to ./err, status in $rc.
run() {
  set +e
  "$probity" --data "$data" "$@" >out 2>err
  rc=$?
  set -e
}
# expect N CMD...: run, and fail unless the exit status is N.
expect() {
  local want="$1"
  shift
  run "$@"
  [ "$rc" -eq "$want" ] || fail "probity $* exited $rc, expected $want"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2'"; }
entries() { "$probity" --data "$data" log --json | wc -l | tr -d ' '; }
json_get() { python3 -c 'import json,sys; v=json.loads(sys.stdin.read()); print(v[sys.argv[1]])' "$1"; }

# ---------------------------------------------------------------------------------------
step="keygen"
expect 0 keygen admin.pem
admin_id="$(head -n1 out)"
[[ "$admin_id" =~ ^[0-9a-f]{64}$ ]] || fail "key id '$admin_id' is not 64 lower-case hex digits"
[ -f admin.pub ] || fail "admin.pub was not written"
[ "$(stat -c %a admin.pem)" = "600" ] || fail "admin.pem has mode $(stat -c %a admin.pem), not 600"
grep -q "BEGIN PRIVATE KEY" admin.pem || fail "admin.pem is not an unencrypted PKCS#8 PEM"
grep -q "BEGIN PUBLIC KEY" admin.pub || fail "admin.pub is not a SubjectPublicKeyInfo PEM"
openssl pkey -in admin.pem -noout 2>/dev/null || fail "openssl cannot read admin.pem"
expected_id="$(openssl pkey -pubin -in admin.pub -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)"
[ "$admin_id" = "$expected_id" ] || fail "key id $admin_id is not sha256 of the raw key ($expected_id)"
# The private and public files are one key pair.
[ "$(openssl pkey -in admin.pem -pubout)" = "$(cat admin.pub)" ] || fail "admin.pub is not admin.pem's public key"

step="keygen never overwrites"
cp admin.pem admin.pem.orig
expect 1 keygen admin.pem
cmp -s admin.pem admin.pem.orig || fail "keygen overwrote admin.pem"
grep -qi "exists" err || fail "refusal does not say the file exists"

step="keygen with a passphrase"
printf 'correct horse battery staple\n' > pass.txt
printf 'wrong\n' > wrong.txt
chmod 600 pass.txt wrong.txt  # passphrase files, like keys, must not be readable by others
expect 0 keygen enc.pem --passphrase-file pass.txt
enc_id="$(head -n1 out)"
[[ "$enc_id" =~ ^[0-9a-f]{64}$ ]] || fail "encrypted key id '$enc_id' is not hex"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" enc.pem || fail "enc.pem is not encrypted"
[ "$(stat -c %a enc.pem)" = "600" ] || fail "enc.pem has mode $(stat -c %a enc.pem)"
openssl pkey -in enc.pem -passin file:pass.txt -noout 2>/dev/null || fail "openssl cannot open enc.pem with its passphrase"
echo '{"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"}' > one.jsonl
expect 1 sign --origin probity.test/core --key enc.pem one.jsonl
grep -qi "encrypted" err || fail "using an encrypted key without a passphrase does not say it is encrypted"
contains err "--passphrase-file"
[ ! -s out ] || fail "sign printed something although the key could not be used"
run sign --origin probity.test/core --key enc.pem --passphrase-file wrong.txt one.jsonl
[ "$rc" -ne 0 ] || fail "a wrong passphrase was accepted"
expect 0 sign --origin probity.test/core --key enc.pem --passphrase-file pass.txt one.jsonl
[ "$(json_get keyId < out)" = "$enc_id" ] || fail "envelope signed with enc.pem does not carry its key id"

step="a key readable by others is refused"
expect 0 keygen loose.pem
chmod 644 loose.pem
run sign --origin probity.test/core --key loose.pem one.jsonl
[ "$rc" -ne 0 ] || fail "a mode 0644 private key was used"
grep -qi "too open\|permission" err || fail "refusal of a 0644 key does not name the permissions"
contains err "loose.pem"
chmod 600 loose.pem
expect 0 sign --origin probity.test/core --key loose.pem one.jsonl

# ---------------------------------------------------------------------------------------
step="exit 2 for bad usage"
for args in "" "frobnicate" "log --bogus" "show" "show abc" "show 1 2" "prove" \
            "prove inclusion" "log --from" "keygen" "verify --from -1"; do
  # shellcheck disable=SC2086
  expect 2 $args
done
set +e; "$probity" --data >out 2>err; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "--data without a directory exited $rc"

step="exit 3 for a missing store"
for args in "log" "verify" "checkpoint" "show 0" "prove inclusion 0" "log --json"; do
  # shellcheck disable=SC2086
  expect 3 $args
  [ -s err ] || fail "probity $args: no message on stderr"
done
"$probity" sign --origin probity.test/core --key admin.pem one.jsonl > one-signed.jsonl || fail "sign needs no store"
expect 3 submit one-signed.jsonl
expect 3 append --key admin.pem one.jsonl
[ ! -e "$data/db" ] || fail "a failed command created a store"

# ---------------------------------------------------------------------------------------
step="init"
expect 0 init --admin-key admin.pem --origin probity.test/core
contains out "$admin_id"
init_vkey="$(sed -n 's/^checkpoint vkey: //p' out)"
[ -n "$init_vkey" ] || fail "init did not print the checkpoint vkey"
[ "$(entries)" = "1" ] || fail "a new store should hold exactly the genesis entry"
expect 0 log --json
python3 /dev/fd/3 "$admin_id" <out 3<<'EOF' || fail "genesis entry is not the admin's self-registration"
import json, sys
e = json.loads(sys.stdin.readline())
assert e["seq"] == 0, e
assert e["keyId"] == sys.argv[1], e
assert e["event"]["type"] == "keyRegistered" and e["event"]["role"] == "admin", e
EOF
step="init refuses an existing store"
expect 0 keygen other.pem
run init --admin-key other.pem --origin probity.test/other
[ "$rc" -ne 0 ] || fail "init over an existing store succeeded"
grep -qi "already" err || fail "init refusal does not say a store is already there"
expect 0 checkpoint
head -n1 out | grep -qx "probity.test/core" || fail "the store's origin changed"

step="exit 2 for bad usage with a store"
expect 2 log --limit x
expect 2 log --from -3
expect 2 prove inclusion x
expect 2 prove consistency 1
expect 2 prove sideways 1 2
expect 2 serve --max-connections-per-ip 0
grep -q "must be from 1 to 256" err || fail "serve --max-connections-per-ip 0: $(cat err)"
expect 2 checkpoint --access --json

step="PROBITY_DATA names the store"
PROBITY_DATA="$data" "$probity" log >out 2>err || fail "log with PROBITY_DATA failed"
grep -q "keyRegistered" out || fail "log with PROBITY_DATA did not show the genesis"

# ---------------------------------------------------------------------------------------
step="append as admin"
cat > units.jsonl <<'EOF'
{"type":"unitRegistered","unit":"U1","name":"Enforcement Bureau","kind":"ministryDepartment"}

{"type":"unitRegistered","unit":"U2","name":"North China Inspection Agency","kind":"dispatchedAgency"}
EOF
expect 0 append --key admin.pem units.jsonl
[ "$(grep -c '^seq ' out)" = "2" ] || fail "append of two units did not print two receipts"
head -n1 out | grep -q "^seq 1 leaf [0-9a-f]\{64\}" || fail "first receipt is not 'seq 1 leaf HEX'"
[ "$(entries)" = "3" ] || fail "expected 3 entries after appending two units"

step="personRegistered needs an hr key"
person='{"type":"personRegistered","person":"P1","name":"Li Wei","unit":"U1","category":"civilServant"}'
echo "$person" > person.jsonl
expect 1 append --key admin.pem person.jsonl
contains err "line 1"
grep -q "refused" err || fail "refusal does not say refused"
[ "$(entries)" = "3" ] || fail "a refused append changed the log"
expect 0 keygen hr.pem
hr_id="$(head -n1 out)"
python3 - > hrkey.jsonl <<'EOF'
import json
print(json.dumps({"type": "keyRegistered", "publicKey": open("hr.pub").read(),
                  "holder": "HR department", "role": "hr"}))
EOF
expect 0 append --key admin.pem hrkey.jsonl
expect 0 append --key hr.pem person.jsonl
[ "$(entries)" = "5" ] || fail "expected 5 entries after hr registered a person"

# ---------------------------------------------------------------------------------------
step="sign then submit"
cat > persons.jsonl <<'EOF'
{"type":"personRegistered","person":"P2","name":"Wang Fang","unit":"U1","category":"contract"}
{"type":"personRegistered","id":"hr-2019-0003","person":"P3","name":"Zhao Lei","unit":"U2","category":"publicInstitution"}
{"type":"restrictionRecorded","person":"P2","reason":"health","from":"2019-06-01"}
EOF
before="$(entries)"
expect 0 sign --key hr.pem persons.jsonl
cp out signed.jsonl
[ "$(wc -l < signed.jsonl)" = "3" ] || fail "sign did not write one envelope per event"
[ "$(entries)" = "$before" ] || fail "sign touched the store"
python3 /dev/fd/3 "$hr_id" <signed.jsonl 3<<'EOF' || fail "signed envelopes lack keyId/signature/body/event"
import base64, json, sys
for line in sys.stdin:
    env = json.loads(line)
    event = env["event"]
    want = {"keyId", "signature", "body", "event"} | ({"sealed"} if event["type"] == "restrictionRecorded" else set())
    assert set(env) == want, env.keys()
    assert env["keyId"] == sys.argv[1]
    # Format v2: every event has an id (sign makes one); a sealed field is signed as a
    # commitment, its clear value travels beside the signature.
    assert event["id"], event
    if event["type"] == "restrictionRecorded":
        assert set(event["reason"]) == {"commitment"}, event
        assert env["sealed"][0]["field"] == "reason" and env["sealed"][0]["value"] == "health", env
        assert b"health" not in base64.b64decode(env["body"]), "the clear reason is in the signed body"
    assert len(base64.b64decode(env["signature"], validate=True)) == 64
    assert len(base64.b64decode(env["body"], validate=True)) % 8 == 0
EOF
expect 0 submit --json signed.jsonl
cp out receipts.jsonl
[ "$(wc -l < receipts.jsonl)" = "3" ] || fail "submit --json did not print three receipts"
python3 /dev/fd/3 "$before" <receipts.jsonl 3<<'EOF' || fail "receipts are not consecutive seqs with leaf hashes"
import json, re, sys
seq = int(sys.argv[1])
for line in sys.stdin:
    r = json.loads(line)
    assert r["seq"] == seq, (r, seq)
    assert re.fullmatch("[0-9a-f]{64}", r["leafHash"]), r
    seq += 1
EOF
[ "$(entries)" = "$((before + 3))" ] || fail "submit did not append three entries"

step="resubmitting an event with an id stores it once"
sed -n 2p signed.jsonl > again.jsonl
expect 0 submit again.jsonl
grep -q "already stored" out || fail "resubmission was not reported as already stored"
grep -q "^seq $((before + 1)) " out || fail "resubmission did not name the original seq"
[ "$(entries)" = "$((before + 3))" ] || fail "resubmission appended again"

# ---------------------------------------------------------------------------------------
step="a bad line 2 of 3 refuses the whole submit"
cat > more.jsonl <<'EOF'
{"type":"personRegistered","person":"P4","name":"A","unit":"U1","category":"contract"}
{"type":"personRegistered","person":"P5","name":"B","unit":"U1","category":"contract"}
{"type":"personRegistered","person":"P6","name":"C","unit":"U1","category":"contract"}
EOF
expect 0 sign --key hr.pem more.jsonl
cp out more-signed.jsonl
expect 0 log --json
cp out log-before.jsonl
# (a) line 2's signature belongs to another event.
python3 - more-signed.jsonl > bad-sig.jsonl <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines[1]["signature"] = lines[0]["signature"]
for l in lines: print(json.dumps(l))
EOF
# (b) line 2 is not JSON.
{ sed -n 1p more-signed.jsonl; echo '{"keyId": '; sed -n 3p more-signed.jsonl; } > bad-json.jsonl
# (c) line 2 is signed by a key with the wrong role (admin may not register persons).
expect 0 sign --key admin.pem more.jsonl
{ sed -n 1p more-signed.jsonl; sed -n 2p out; sed -n 3p more-signed.jsonl; } > bad-role.jsonl
# (d) line 2's readable event does not match what was signed.
python3 - more-signed.jsonl > bad-event.jsonl <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines[1]["event"]["name"] = "Someone Else"
for l in lines: print(json.dumps(l))
EOF
for f in bad-sig.jsonl bad-json.jsonl bad-role.jsonl bad-event.jsonl; do
  step="a bad line 2 of 3 refuses the whole submit ($f)"
  expect 1 submit "$f"
  contains err "line 2"
  grep -q "refused" err || fail "stderr does not say refused"
  [ "$(wc -l < err)" = "1" ] || fail "the error is not one line"
  [ ! -s out ] || fail "a refused submit printed receipts"
  expect 0 log --json
  cmp -s out log-before.jsonl || fail "log changed after a refused submit"
done
step="a bad line 2 of 3 refuses the whole append"
{ sed -n 1p more.jsonl; echo '{"type":"personRegistered","person":"P5","name":"B","unit":"U1","category":"contract","shoeSize":44}'; sed -n 3p more.jsonl; } > bad-append.jsonl
expect 1 append --key hr.pem bad-append.jsonl
contains err "line 2"
contains err "shoeSize"
{ sed -n 1p more.jsonl; echo '{"type":"assignmentMade","assignment":"A1","person":"P1","group":"G1","from":"2019-02-29","to":"2019-03-10","position":"member"}'; } > bad-date.jsonl
expect 1 append --key hr.pem bad-date.jsonl
contains err "line 2"
contains err "from"
expect 0 log --json
cmp -s out log-before.jsonl || fail "log changed after a refused append"
step="the good batch still lands"
expect 0 submit more-signed.jsonl
[ "$(grep -c '^seq ' out)" = "3" ] || fail "the good batch did not land"

# ---------------------------------------------------------------------------------------
step="log"
total="$(entries)"
# One line per entry with --wide (without it, a line longer than 80 columns wraps,
# continuing indented: tests/cli/tables.sh).
expect 0 log --wide
[ "$(wc -l < out)" = "$total" ] || fail "log --wide does not print one line per entry"
expect 0 log
[ "$(grep -c '^[0-9]' out)" = "$total" ] || fail "log does not begin one line per entry"
grep -q "^1 .*unitRegistered" out || fail "log line for seq 1 lacks its type"
expect 0 log --from 2 --limit 3 --json
[ "$(wc -l < out)" = "3" ] || fail "log --from 2 --limit 3 did not print three entries"
python3 /dev/fd/3 <out 3<<'EOF' || fail "log --json lacks seq/recordedAt/keyId/event or starts at the wrong seq"
import json, re, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r["seq"] for r in rows] == [2, 3, 4], rows
for r in rows:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", r["recordedAt"]), r
    assert re.fullmatch("[0-9a-f]{64}", r["keyId"]), r
    assert "type" in r["event"], r
EOF

# ---------------------------------------------------------------------------------------
step="show SEQ --json"
seq_p3="$(python3 -c 'import json,sys; print(json.loads(open("receipts.jsonl").readlines()[1])["seq"])')"
leaf_p3="$(python3 -c 'import json,sys; print(json.loads(open("receipts.jsonl").readlines()[1])["leafHash"])')"
expect 0 show "$seq_p3" --json
cp out show.json
python3 /dev/fd/3 "$seq_p3" "$leaf_p3" "$hr_id" <show.json 3<<'EOF' || fail "show --json fields do not check out"
import base64, hashlib, json, sys
s = json.loads(sys.stdin.read())
for field in ("seq", "entry", "leafHash", "keyId", "signature", "signed", "event"):
    assert field in s, "missing " + field
assert s["seq"] == int(sys.argv[1]), s["seq"]
entry = base64.b64decode(s["entry"], validate=True)
assert hashlib.sha256(b"\x00" + entry).hexdigest() == s["leafHash"], "leafHash is not sha256(0x00||entry)"
assert s["leafHash"] == sys.argv[2], "leafHash differs from the submit receipt"
assert s["keyId"] == sys.argv[3], "keyId is not the hr key"
signed = base64.b64decode(s["signed"], validate=True)
# Format v2: the signature covers the ledger's origin, then the body.
prefix = b"probity/event/v2\n" + s["origin"].encode() + b"\n"
assert s["origin"] == "probity.test/core", s["origin"]
assert signed.startswith(prefix), signed[:40]
assert signed[len(prefix):] in entry, "the signed body is not inside the entry"
assert len(base64.b64decode(s["signature"], validate=True)) == 64
assert s["event"]["type"] == "personRegistered" and s["event"]["person"] == "P3", s["event"]
assert s["event"]["id"] == "hr-2019-0003", s["event"]
open("signed.bin", "wb").write(signed)
open("sig.bin", "wb").write(base64.b64decode(s["signature"]))
EOF
openssl pkeyutl -verify -pubin -inkey hr.pub -rawin -in signed.bin -sigfile sig.bin >/dev/null 2>&1 ||
  fail "openssl does not verify show's signature over show's signed bytes with hr.pub"
openssl pkeyutl -verify -pubin -inkey admin.pub -rawin -in signed.bin -sigfile sig.bin >/dev/null 2>&1 &&
  fail "openssl verified the hr signature with the admin key"
expect 0 show 0
grep -qi "verifies: *yes" out || fail "show 0 does not say the genesis signature verifies"
expect 1 show "$total"
expect 1 show 999999

# ---------------------------------------------------------------------------------------
step="checkpoint"
expect 0 checkpoint
cp out checkpoint.txt
expect 0 checkpoint --vkey
vkey="$(cat out)"
[ "$vkey" = "$init_vkey" ] || fail "checkpoint --vkey ($vkey) is not what init printed ($init_vkey)"
python3 /dev/fd/3 "$total" "$vkey" <checkpoint.txt 3<<'EOF' || fail "checkpoint note is not a C2SP tlog-checkpoint of this log"
import base64, hashlib, sys
note = sys.stdin.buffer.read()
text, sep, sigs = note.rpartition(b"\n\n")
assert sep, "no blank line before the signatures"
text += b"\n"
lines = text.decode().split("\n")
assert lines[0] == "probity.test/core", lines
assert lines[1] == sys.argv[1], ("size", lines[1])
assert len(base64.b64decode(lines[2], validate=True)) == 32, lines[2]
name, keyid_hex, key_b64 = sys.argv[2].split("+", 2)
assert name == "probity.test/core"
key = base64.b64decode(key_b64)
assert len(key) == 33 and key[0] == 1, "vkey is not an Ed25519 key"
assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == keyid_hex, "vkey id mismatch"
sigline = sigs.decode().rstrip("\n").split("\n")[0]
assert sigline.startswith("\u2014 " + name + " "), sigline
blob = base64.b64decode(sigline.split(" ")[2])
assert blob[:4].hex() == keyid_hex, "signature line names another key"
open("cp-text.bin", "wb").write(text)
open("cp-sig.bin", "wb").write(blob[4:])
der = bytes.fromhex("302a300506032b6570032100") + key[1:]
open("cp-key.pem", "w").write("-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() +
                              "\n-----END PUBLIC KEY-----\n")
open("cp-root.hex", "w").write(base64.b64decode(lines[2]).hex())
EOF
openssl pkeyutl -verify -pubin -inkey cp-key.pem -rawin -in cp-text.bin -sigfile cp-sig.bin >/dev/null 2>&1 ||
  fail "openssl does not verify the checkpoint's signature with the vkey's key"
cp_root="$(cat cp-root.hex)"

# ---------------------------------------------------------------------------------------
# RFC 9162 verifiers, independent of probity.
cat > rfc9162.py <<'EOF'
import hashlib

def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()

def verify_inclusion(index, size, leaf, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while (fn & 1) == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root

def verify_consistency(n1, n2, proof, root1, root2):
    if n1 == n2:
        return not proof and root1 == root2
    if n1 == 0 or n1 > n2 or not proof:
        return False
    if n1 & (n1 - 1) == 0:
        proof = [root1] + list(proof)
    fn, sn = n1 - 1, n2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while (fn & 1) == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2
EOF

step="prove inclusion"
for s in 0 1 "$seq_p3" $((total - 1)); do
  expect 0 prove inclusion "$s" --json
  python3 /dev/fd/3 "$s" "$total" "$cp_root" <out 3<<'EOF' || fail "inclusion proof for seq $s does not verify"
import json, sys
sys.path.insert(0, ".")
from rfc9162 import verify_inclusion
p = json.loads(sys.stdin.read())
for field in ("index", "treeSize", "leafHash", "hashes", "root"):
    assert field in p, "missing " + field
assert p["index"] == int(sys.argv[1]) and p["treeSize"] == int(sys.argv[2]), p
assert p["root"] == sys.argv[3], "root is not the checkpoint's"
h = lambda x: bytes.fromhex(x)
assert verify_inclusion(p["index"], p["treeSize"], h(p["leafHash"]), [h(x) for x in p["hashes"]], h(p["root"]))
bad = bytearray(h(p["leafHash"])); bad[0] ^= 1
assert not verify_inclusion(p["index"], p["treeSize"], bytes(bad), [h(x) for x in p["hashes"]], h(p["root"]))
EOF
done
# The proof's leaf is show's leaf.
expect 0 prove inclusion "$seq_p3" --json
[ "$(json_get leafHash < out)" = "$leaf_p3" ] || fail "prove inclusion's leafHash is not the receipt's"
expect 0 prove inclusion 2 --size 5 --json
[ "$(json_get treeSize < out)" = "5" ] || fail "--size was not honoured"
expect 1 prove inclusion 5 --size 5
expect 1 prove inclusion 0 --size $((total + 1))
expect 0 prove inclusion 1
contains out "root"

step="prove consistency"
for pair in "1 $total" "3 $total" "5 8" "$total $total" "4 4"; do
  # shellcheck disable=SC2086
  set -- $pair
  expect 0 prove consistency "$1" "$2" --json
  python3 /dev/fd/3 "$1" "$2" <out 3<<'EOF' || fail "consistency proof $pair does not verify"
import json, sys
sys.path.insert(0, ".")
from rfc9162 import verify_consistency
p = json.loads(sys.stdin.read())
for field in ("oldSize", "newSize", "hashes", "oldRoot", "newRoot"):
    assert field in p, "missing " + field
assert p["oldSize"] == int(sys.argv[1]) and p["newSize"] == int(sys.argv[2]), p
h = lambda x: bytes.fromhex(x)
assert verify_consistency(p["oldSize"], p["newSize"], [h(x) for x in p["hashes"]], h(p["oldRoot"]), h(p["newRoot"]))
if p["oldSize"] < p["newSize"]:
    assert not verify_consistency(p["oldSize"], p["newSize"], [h(x) for x in p["hashes"]], h(p["newRoot"]), h(p["oldRoot"]))
EOF
done
expect 0 prove consistency 2 "$total" --json
[ "$(json_get newRoot < out)" = "$cp_root" ] || fail "consistency newRoot is not the checkpoint's root"
expect 1 prove consistency 5 3
expect 1 prove consistency 0 3
expect 1 prove consistency 1 $((total + 1))

# ---------------------------------------------------------------------------------------
step="verify"
expect 0 verify
grep -q "^ok: $total entries" out || fail "verify does not report $total entries"
contains out "$cp_root"
expect 0 verify --json
python3 /dev/fd/3 "$total" "$cp_root" <out 3<<'EOF' || fail "verify --json is not ok"
import json, sys
v = json.loads(sys.stdin.read())
assert v["ok"] is True and v["entries"] == int(sys.argv[1]) and v["root"] == sys.argv[2], v
assert v["signaturesChecked"] == int(sys.argv[1]), v
EOF
expect 0 verify --from 3 --json
[ "$(json_get signaturesChecked < out)" = "$((total - 3))" ] || fail "verify --from 3 did not skip the first three signatures"

step="verify against the auditor's own vkey"
expect 0 verify --vkey "$vkey"
other_data="$work/other-data"
"$probity" --data "$other_data" init --admin-key other.pem --origin probity.test/core >/dev/null 2>&1 ||
  fail "a second store could not be made"
other_vkey="$("$probity" --data "$other_data" checkpoint --vkey)"
[ "$other_vkey" != "$vkey" ] || fail "two stores share a checkpoint key"
expect 1 verify --vkey "$other_vkey"
grep -qi "checkpoint" err || fail "verify with another store's vkey does not blame the checkpoint"
expect 2 verify --vkey "not-a-vkey"

echo "cli core: all checks passed"
