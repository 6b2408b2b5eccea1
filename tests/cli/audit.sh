#!/usr/bin/env bash
# End to end: the independent verifier tools/probity-audit checks what probity
# publishes (checkpoints, witness cosignatures, inclusion and consistency proofs,
# format v2 entries and their sealed values), refuses tampered inputs, agrees with
# the published RFC 9162 and C2SP vectors and, through tests/audit/, with
# hand-built v2 data and with capnp's layout of schemas/event.capnp.
# Usage: tests/cli/audit.sh PATH/TO/probity
set -Eeuo pipefail
trap 'echo "audit.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

probity="${1:?usage: $0 PATH/TO/probity}"
here="$(cd "$(dirname "$0")" && pwd)"
audit_tool="$here/../../tools/probity-audit"
vectors="$here/../vectors"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fail() { echo "audit.sh: FAIL: $*" >&2; exit 1; }
audit() { python3 "$audit_tool" "$@"; }
p() { "$probity" --data "$tmp/store" "$@"; }

# Rewrites SHOW_JSON into OUT with python3 code run on `v` (the parsed show).
edit_show() {
  python3 - "$1" "$2" "$3" <<'EOF'
import base64, json, sys
v = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(v, open(sys.argv[2], "w"), ensure_ascii=False)
EOF
}

# Runs probity-audit, which must exit 1 with one line on stderr.
expect_refused() {
  local what="$1"; shift
  local rc=0
  audit "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, expected 1 ($(cat "$tmp/err"))"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: expected one line on stderr, got: $(cat "$tmp/err")"
  if [ -n "${AUDIT_VERBOSE:-}" ]; then echo "refused as expected ($what): $(cat "$tmp/err")"; fi
}

# Writes the signer's public key (PEM) of the entry in SHOW_JSON to OUT, found among
# the keyRegistered events of the log by key id = SHA-256(raw 32-byte key).
signer_pem() {
  p log --json >"$tmp/log.jsonl"
  python3 - "$1" "$tmp/log.jsonl" "$2" <<'EOF'
import base64, hashlib, json, sys
key_id = json.load(open(sys.argv[1]))["keyId"]
for line in open(sys.argv[2]):
    event = json.loads(line)["event"]
    if event["type"] != "keyRegistered":
        continue
    pem = event["publicKey"]
    der = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))
    if hashlib.sha256(der[-32:]).hexdigest() == key_id:
        open(sys.argv[3], "w").write(pem)
        sys.exit(0)
sys.exit("no keyRegistered event for key id " + key_id)
EOF
}

# A small store like the demo's start (the full demo takes a minute): admin key in
# DIR/demo-keys, several submits so that several checkpoints exist.
small_store() {
  local dir="$1" origin="${2:-demo.probity.local/blue-sky-2019}"
  mkdir -p "$dir/demo-keys"
  "$probity" keygen "$dir/demo-keys/admin.pem" --quiet >/dev/null
  "$probity" keygen "$dir/demo-keys/hr.pem" --quiet >/dev/null
  "$probity" --data "$dir" init --admin-key "$dir/demo-keys/admin.pem" \
    --origin "$origin" >/dev/null
  local hr_pem
  hr_pem=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$dir/demo-keys/hr.pub")
  printf '%s\n' \
    '{"type":"unitRegistered","unit":"U001","name":"大气环境司","kind":"ministryDepartment"}' \
    '{"type":"unitRegistered","unit":"U002","name":"河北省生态环境厅","kind":"provincialDepartment","province":"13"}' \
    '{"type":"cityRegistered","city":"130100","name":"石家庄市","region":"jingjinji","guarantor":"U001"}' |
    "$probity" --data "$dir" append --key "$dir/demo-keys/admin.pem" >/dev/null
  echo "{\"type\":\"keyRegistered\",\"publicKey\":$hr_pem,\"holder\":\"人事司\",\"role\":\"hr\"}" |
    "$probity" --data "$dir" append --key "$dir/demo-keys/admin.pem" >/dev/null
  printf '%s\n' \
    '{"type":"personRegistered","person":"P000001","name":"张伟","unit":"U001","category":"civilServant"}' \
    '{"type":"personRegistered","person":"P000002","name":"王芳","unit":"U001","category":"publicInstitution"}' |
    "$probity" --data "$dir" append --key "$dir/demo-keys/hr.pem" >/dev/null
  echo '{"type":"restrictionRecorded","person":"P000002","reason":"health","from":"2019-05-01"}' |
    "$probity" --data "$dir" append --key "$dir/demo-keys/hr.pem" >/dev/null
}

# ---- usage -------------------------------------------------------------------------------
[ -x "$audit_tool" ] || fail "$audit_tool is not executable"
"$audit_tool" --help >/dev/null || fail "--help"
rc=0; audit >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no arguments: exit $rc, expected 2"
rc=0; audit checkpoint only-one-arg >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "missing argument: exit $rc, expected 2"

# ---- format v2 on hand-built data; the auditor's schema table against the compiler ----------
# Entries, sealed values, notes and cosignatures built by hand (no probity involved).
python3 "$here/../audit/test_probity_audit.py" >"$tmp/out" 2>&1 ||
  fail "hand-built v2 tests (tests/audit/test_probity_audit.py): $(tail -n 25 "$tmp/out")"
# EVENT_TYPES, SEALED_FIELDS and SEALED_ENUMS must be what capnp makes of schemas/event.capnp.
capnp="${CAPNP:-capnp}"
command -v "$capnp" >/dev/null || fail "no capnp compiler to check probity-audit's schema table (set CAPNP)"
capnp_include="$(dirname "$(dirname "$(command -v "$capnp")")")/include"
"$capnp" compile -I"$capnp_include" -ocapnp "$here/../../schemas/event.capnp" >"$tmp/layout.txt" ||
  fail "capnp compile schemas/event.capnp"
audit selftest-schema "$tmp/layout.txt" >/dev/null ||
  fail "probity-audit's tables differ from schemas/event.capnp (update EVENT_TYPES / SEALED_FIELDS)"

# ---- a store and its first checkpoint ------------------------------------------------------
small_store "$tmp/store"
# probity-audit checks event format v2: "probity/event/v2\n" || origin || "\n" || body.
p show 0 --json >"$tmp/show0.json"
python3 - "$tmp/show0.json" <<'EOF' || fail "$("$probity" --version): not event format v2, which probity-audit checks"
import base64, json, sys
sys.exit(not base64.b64decode(json.load(open(sys.argv[1]))["signed"]).startswith(b"probity/event/v2\n"))
EOF
p checkpoint >"$tmp/old.note"
vkey="$(p checkpoint --vkey)"
printf '%s\n' "$vkey" >"$tmp/vkey"
old_size="$(sed -n 2p "$tmp/old.note")"
[ "$old_size" -ge 3 ] || fail "the demo store is too small ($old_size entries)"

audit checkpoint "$tmp/old.note" "$vkey" >"$tmp/out" || fail "checkpoint does not verify"
grep -qx "size: $old_size" "$tmp/out" || fail "checkpoint size not printed: $(cat "$tmp/out")"
grep -qx "origin: $(sed -n 1p "$tmp/old.note")" "$tmp/out" || fail "checkpoint origin not printed"
audit checkpoint "$tmp/old.note" "$tmp/vkey" >/dev/null || fail "vkey from a file"

# ---- inclusion of the first, a middle and the last entry, with entry and signature ----------
for seq in 0 $((old_size / 2)) $((old_size - 1)); do
  p prove inclusion "$seq" --json >"$tmp/inc.json"
  p show "$seq" --json >"$tmp/show.json"
  signer_pem "$tmp/show.json" "$tmp/signer.pem"
  audit inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" >/dev/null ||
    fail "inclusion of seq $seq"
  audit inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/show.json" \
    --pubkey "$tmp/signer.pem" >"$tmp/out" || fail "inclusion of seq $seq with its entry"
  grep -q "^signature verified" "$tmp/out" || fail "seq $seq: signature not checked"
done

# ---- v2: the signed message names the origin; a restriction's reason is sealed --------------
last=$((old_size - 1))  # the restrictionRecorded of small_store
p prove inclusion "$last" --json >"$tmp/inc.json"
p show "$last" --json --include-sensitive >"$tmp/sealed.json"
signer_pem "$tmp/sealed.json" "$tmp/signer.pem"
audit inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/sealed.json" --pubkey "$tmp/signer.pem" >"$tmp/out" ||
  fail "inclusion of the restriction with its sealed reason"
grep -q '^sealed reason verified: "health"' "$tmp/out" || fail "sealed reason not checked: $(cat "$tmp/out")"
p show "$last" --json >"$tmp/unsealed.json"
audit inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/unsealed.json" >"$tmp/out" ||
  fail "inclusion of the restriction without its sealed reason"
grep -q '^sealed reason: committed' "$tmp/out" || fail "an undisclosed sealed reason not reported: $(cat "$tmp/out")"
edit_show "$tmp/sealed.json" "$tmp/bad.json" 's = v["sealed"][0]["salt"]; v["sealed"][0]["salt"] = ("0" if s[0] != "0" else "1") + s[1:]'
expect_refused "sealed reason with a wrong salt" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"
edit_show "$tmp/sealed.json" "$tmp/bad.json" 'v["sealed"][0]["value"] = "pregnancy"'
expect_refused "sealed reason with a wrong value" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"
edit_show "$tmp/sealed.json" "$tmp/bad.json" 'v["sealed"][0]["value"] = "cancer"'
expect_refused "sealed reason not a RestrictionReason" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"
edit_show "$tmp/sealed.json" "$tmp/bad.json" 'v["sealed"][0]["field"] = "person"'
expect_refused "sealed value for an unsealed field" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"
# An envelope's signed message names its ledger's origin: another origin, or the v1 form
# without one, is refused.
edit_show "$tmp/sealed.json" "$tmp/bad.json" '
b = base64.b64decode(v["signed"]); o = b.split(b"\n")[1]
v["signed"] = base64.b64encode(b.replace(b"\n" + o + b"\n", b"\nelsewhere.probity.local/other\n", 1)).decode()'
expect_refused "signed message for another origin" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"
edit_show "$tmp/sealed.json" "$tmp/bad.json" '
b = base64.b64decode(v["signed"]); o = b.split(b"\n")[1]
v["signed"] = base64.b64encode(b"probity/event/v1\n" + b[len(b"probity/event/v2\n") + len(o) + 1:]).decode()'
expect_refused "signed message of format v1" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json" "$tmp/bad.json"

# ---- grow the log: three more submits, each signs a new checkpoint --------------------------
for i in 1 2 3; do
  echo "{\"type\":\"unitRegistered\",\"unit\":\"UAUDIT$i\",\"name\":\"audit test unit $i\",\"kind\":\"dispatchedAgency\"}" |
    p append --key "$tmp/store/demo-keys/admin.pem" >/dev/null
done
p checkpoint >"$tmp/new.note"
new_size="$(sed -n 2p "$tmp/new.note")"
[ "$new_size" -eq $((old_size + 3)) ] || fail "expected $((old_size + 3)) entries, checkpoint says $new_size"

p prove consistency "$old_size" "$new_size" --json >"$tmp/cons.json"
audit consistency "$tmp/old.note" "$tmp/new.note" "$vkey" "$tmp/cons.json" >/dev/null ||
  fail "consistency $old_size -> $new_size"
p prove consistency "$new_size" "$new_size" --json >"$tmp/same.json"
audit consistency "$tmp/new.note" "$tmp/new.note" "$vkey" "$tmp/same.json" >/dev/null ||
  fail "consistency of a checkpoint with itself"

# An old entry against the new checkpoint, and the newest entry.
for seq in 1 $((new_size - 1)); do
  p prove inclusion "$seq" --json >"$tmp/inc.json"
  p show "$seq" --json >"$tmp/show.json"
  audit inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show.json" \
    --pubkey "$tmp/store/demo-keys/admin.pem" >/dev/null 2>&1 && fail "a private key PEM was taken as --pubkey"
  signer_pem "$tmp/show.json" "$tmp/signer.pem"
  audit inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show.json" \
    --pubkey "$tmp/signer.pem" >/dev/null || fail "inclusion of seq $seq in the grown log"
done

# ---- witnesses: cosignatures (c2sp.org/tlog-cosignature) and a quorum -----------------------
for w in w1 w2 w3; do
  "$probity" keygen "$tmp/$w.pem" --quiet >/dev/null
  "$probity" witness init --key "$tmp/$w.pem" --log-vkey "$vkey" --state "$tmp/$w" \
    --name "$w.witness.audit.test" >"$tmp/$w.out" 2>"$tmp/$w.err"
  tail -n 1 "$tmp/$w.out" >"$tmp/$w.vkey"
done
w1_vkey="$(cat "$tmp/w1.vkey")"; w2_vkey="$(cat "$tmp/w2.vkey")"; w3_vkey="$(cat "$tmp/w3.vkey")"
cosign() {  # witness $1 cosigns the latest checkpoint; the store keeps the cosignature
  p checkpoint --witness-request |
    "$probity" witness add-checkpoint --key "$tmp/$1.pem" --state "$tmp/$1" >"$tmp/$1.cosigned"
  p cosign "$tmp/$1.cosigned" >/dev/null
}
cosign w1
p checkpoint >"$tmp/cosigned.note"
audit checkpoint "$tmp/cosigned.note" "$vkey" --witness "$w1_vkey" >"$tmp/out" || fail "a checkpoint cosigned by w1"
grep -q "^cosigned by witness w1.witness.audit.test+" "$tmp/out" || fail "cosignature not reported: $(cat "$tmp/out")"
expect_refused "quorum of 2 not met (only w1 cosigned)" checkpoint "$tmp/cosigned.note" "$vkey" \
  --witness "$w1_vkey" --witness "$w2_vkey"
audit checkpoint "$tmp/cosigned.note" "$vkey" --witness "$w1_vkey" --witness "$w2_vkey" --quorum 1 >/dev/null ||
  fail "quorum 1 of 2"
cosign w2
p checkpoint >"$tmp/cosigned.note"
audit checkpoint "$tmp/cosigned.note" "$vkey" --witness "$tmp/w1.vkey" --witness "$tmp/w2.vkey" >"$tmp/out" ||
  fail "a checkpoint cosigned by w1 and w2"
grep -q "^witnesses: 2 of 2 cosigned (quorum 2)" "$tmp/out" || fail "quorum not reported: $(cat "$tmp/out")"
expect_refused "a witness that did not cosign" checkpoint "$tmp/cosigned.note" "$vkey" --witness "$w3_vkey"
expect_refused "quorum of 3 not met" checkpoint "$tmp/cosigned.note" "$vkey" \
  --witness "$w1_vkey" --witness "$w2_vkey" --witness "$w3_vkey"
rc=0; audit checkpoint "$tmp/cosigned.note" "$vkey" --witness "$w1_vkey" --quorum 2 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--quorum above the number of witnesses: exit $rc, expected 2"
p prove inclusion 1 --json >"$tmp/inc.json"
p show 1 --json >"$tmp/show.json"
audit inclusion "$tmp/cosigned.note" "$vkey" "$tmp/inc.json" "$tmp/show.json" \
  --witness "$w1_vkey" --witness "$w2_vkey" >/dev/null || fail "inclusion against a cosigned checkpoint"
audit consistency "$tmp/new.note" "$tmp/cosigned.note" "$vkey" "$tmp/same.json" >/dev/null ||
  fail "the cosigned checkpoint is the same tree"
# Every note checked must meet the quorum: the old checkpoint was never cosigned.
expect_refused "consistency from an uncosigned checkpoint" consistency "$tmp/old.note" \
  "$tmp/cosigned.note" "$vkey" "$tmp/cons.json" --witness "$w1_vkey"
# A cosignature line altered (one signature byte), or moved onto another checkpoint's text.
python3 - "$tmp/cosigned.note" "$tmp/bad.note" "$tmp/w1.vkey" <<'EOF'
import base64, sys
name = open(sys.argv[3]).read().split("+")[0]
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
for i, line in enumerate(lines):
    if line.startswith("\u2014 " + name + " "):
        raw = bytearray(base64.b64decode(line.split(" ")[2])); raw[20] ^= 0x01
        lines[i] = "\u2014 " + name + " " + base64.b64encode(bytes(raw)).decode()
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines))
EOF
expect_refused "a flipped byte in w1's cosignature" checkpoint "$tmp/bad.note" "$vkey" --witness "$w1_vkey"
expect_refused "a flipped byte in w1's cosignature (quorum met by w2)" checkpoint "$tmp/bad.note" "$vkey" \
  --witness "$w1_vkey" --witness "$w2_vkey" --quorum 1
audit checkpoint "$tmp/bad.note" "$vkey" --witness "$w2_vkey" >/dev/null ||
  fail "a bad line by a witness not given must be ignored"
{ head -n 5 "$tmp/old.note"; grep "^— w[12]\." "$tmp/cosigned.note"; } >"$tmp/bad.note"
audit checkpoint "$tmp/bad.note" "$vkey" >/dev/null || fail "the old checkpoint with copied lines, no witness given"
expect_refused "cosignatures copied onto another checkpoint" checkpoint "$tmp/bad.note" "$vkey" --witness "$w1_vkey"

# ---- a report's basis (tree size and root on its last line) against a signed checkpoint ----
basis_size=3
basis_root="$(p prove consistency "$basis_size" "$new_size" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["oldRoot"])')"
p prove consistency "$basis_size" "$new_size" --json >"$tmp/basis.json"
audit report "$basis_size" "$basis_root" "$tmp/new.note" "$vkey" "$tmp/basis.json" >/dev/null ||
  fail "a report basis at size $basis_size"
wrong_root="$(printf '%s' "$basis_root" | sed 's/^./0/;s/^00/11/')"
[ "$wrong_root" != "$basis_root" ] || wrong_root="f${basis_root:1}"
expect_refused "a report basis with a wrong root" report "$basis_size" "$wrong_root" "$tmp/new.note" "$vkey" "$tmp/basis.json"
expect_refused "a report basis with a malformed root" report "$basis_size" "xyz" "$tmp/new.note" "$vkey" "$tmp/basis.json"

# ---- what must be refused -------------------------------------------------------------------
p prove inclusion 1 --json >"$tmp/inc.json"
p show 1 --json >"$tmp/show.json"
p show 2 --json >"$tmp/show2.json"

# A flipped byte in a proof hash.
python3 - "$tmp/inc.json" "$tmp/inc-flipped.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
h = bytearray(bytes.fromhex(v["hashes"][0])); h[0] ^= 0x01
v["hashes"][0] = h.hex()
json.dump(v, open(sys.argv[2], "w"))
EOF
expect_refused "flipped inclusion hash" inclusion "$tmp/new.note" "$vkey" "$tmp/inc-flipped.json"
python3 - "$tmp/cons.json" "$tmp/cons-flipped.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
h = bytearray(bytes.fromhex(v["hashes"][-1])); h[31] ^= 0x80
v["hashes"][-1] = h.hex()
json.dump(v, open(sys.argv[2], "w"))
EOF
expect_refused "flipped consistency hash" consistency "$tmp/old.note" "$tmp/new.note" "$vkey" "$tmp/cons-flipped.json"
expect_refused "swapped checkpoints" consistency "$tmp/new.note" "$tmp/old.note" "$vkey" "$tmp/cons.json"
expect_refused "proof for another tree size" inclusion "$tmp/old.note" "$vkey" "$tmp/inc.json"

# A wrong vkey: another store has the same origin but its own checkpoint key.
small_store "$tmp/other"
other_vkey="$("$probity" --data "$tmp/other" checkpoint --vkey)"
[ "$other_vkey" != "$vkey" ] || fail "two demo stores share a checkpoint key"
expect_refused "wrong vkey" checkpoint "$tmp/new.note" "$other_vkey"
expect_refused "wrong vkey (inclusion)" inclusion "$tmp/new.note" "$other_vkey" "$tmp/inc.json"
expect_refused "malformed vkey" checkpoint "$tmp/new.note" "${vkey%+*}+AQ=="
expect_refused "origin not as required" checkpoint "$tmp/new.note" "$vkey" --origin example.org/log

# Tampered note text: the size, the root, an added line; a note without its signature.
sed "2s/.*/$((new_size + 1))/" "$tmp/new.note" >"$tmp/bad.note"
expect_refused "tampered size" checkpoint "$tmp/bad.note" "$vkey"
python3 - "$tmp/new.note" "$tmp/bad.note" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
lines[2] = ("B" if lines[2][0] != "B" else "C") + lines[2][1:]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines))
EOF
expect_refused "tampered root" checkpoint "$tmp/bad.note" "$vkey"
sed '3a extension' "$tmp/new.note" >"$tmp/bad.note"
expect_refused "added extension line" checkpoint "$tmp/bad.note" "$vkey"
head -n 4 "$tmp/new.note" >"$tmp/bad.note"
expect_refused "signature removed" checkpoint "$tmp/bad.note" "$vkey"
sed 's/\r*$/\r/' "$tmp/new.note" >"$tmp/bad.note"
expect_refused "CRLF line ends" checkpoint "$tmp/bad.note" "$vkey"

# Leaf hash mismatch: an entry that is not the proven leaf, a changed byte in the entry, a
# proof whose leaf hash was replaced.
expect_refused "another entry's show" inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show2.json"
python3 - "$tmp/show.json" "$tmp/show-bad.json" <<'EOF'
import base64, json, sys
v = json.load(open(sys.argv[1]))
e = bytearray(base64.b64decode(v["entry"])); e[-1] ^= 0x01
v["entry"] = base64.b64encode(bytes(e)).decode()
json.dump(v, open(sys.argv[2], "w"))
EOF
expect_refused "entry byte changed" inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show-bad.json"
python3 - "$tmp/inc.json" "$tmp/show2.json" "$tmp/inc-bad.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
v["leafHash"] = json.load(open(sys.argv[2]))["leafHash"]
json.dump(v, open(sys.argv[3], "w"))
EOF
expect_refused "proof leaf hash replaced" inclusion "$tmp/new.note" "$vkey" "$tmp/inc-bad.json"

# The show's signed message or event type not matching the entry; a signature by another key.
python3 - "$tmp/show.json" "$tmp/show2.json" "$tmp/show-bad.json" "$tmp/show-type.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
v["signed"] = json.load(open(sys.argv[2]))["signed"]
json.dump(v, open(sys.argv[3], "w"))
v = json.load(open(sys.argv[1]))
v["event"]["type"] = "retraction"
json.dump(v, open(sys.argv[4], "w"))
EOF
expect_refused "signed message of another entry" inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show-bad.json"
expect_refused "event type relabelled" inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show-type.json"
openssl genpkey -algorithm ed25519 -out "$tmp/stranger.pem" 2>/dev/null
openssl pkey -in "$tmp/stranger.pem" -pubout -out "$tmp/stranger.pub" 2>/dev/null
expect_refused "signature by another key" inclusion "$tmp/new.note" "$vkey" "$tmp/inc.json" "$tmp/show.json" --pubkey "$tmp/stranger.pub"

# ---- an erasure: the sealed value is gone, its commitment stays signed and proven ------------
echo "{\"type\":\"erasure\",\"target\":$last,\"reason\":\"the person asked\"}" |
  p append --key "$tmp/store/demo-keys/admin.pem" >/dev/null
p checkpoint >"$tmp/erased.note"
p prove inclusion "$last" --json >"$tmp/inc.json"
p show "$last" --json --include-sensitive >"$tmp/erased.json"
signer_pem "$tmp/erased.json" "$tmp/signer.pem"
audit inclusion "$tmp/erased.note" "$vkey" "$tmp/inc.json" "$tmp/erased.json" --pubkey "$tmp/signer.pem" >"$tmp/out" ||
  fail "inclusion of the restriction after its reason was erased"
grep -q '^sealed reason: erased' "$tmp/out" || fail "an erased sealed reason not reported: $(cat "$tmp/out")"
# Whoever kept the salt and value from before the erasure can still check them.
edit_show "$tmp/erased.json" "$tmp/kept.json" "v['sealed'] = json.load(open('$tmp/sealed.json'))['sealed']"
audit inclusion "$tmp/erased.note" "$vkey" "$tmp/inc.json" "$tmp/kept.json" >"$tmp/out" ||
  fail "a sealed value kept from before the erasure"
grep -q '^sealed reason verified: "health"' "$tmp/out" || fail "kept sealed reason not checked: $(cat "$tmp/out")"

# ---- published vectors ----------------------------------------------------------------------
audit selftest-vectors "$vectors/rfc6962-proofs_transparency-dev-merkle" >"$tmp/out" ||
  fail "RFC 9162 vectors: $(cat "$tmp/out")"
grep -q "98 inclusion and 97 consistency" "$tmp/out" || fail "not every Merkle vector was run: $(cat "$tmp/out")"
audit selftest-vectors "$vectors/signed-note_c2sp_x-mod" >/dev/null || fail "signed-note vectors"
if [ -d "$vectors/rfc6962-ct-argon2020_golang-mod" ]; then
  audit selftest-vectors "$vectors/rfc6962-ct-argon2020_golang-mod" >/dev/null || fail "argon2020 vectors"
fi
# The sum.golang.org checkpoint through the ordinary subcommand (its origin is not its key name).
python3 - "$vectors/signed-note_c2sp_x-mod/signed-note-vectors.json" "$tmp" <<'EOF'
import json, sys
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["id"] == "sumdb-real-checkpoint"][0]
open(sys.argv[2] + "/sumdb.note", "w", encoding="utf-8").write(case["note"])
open(sys.argv[2] + "/sumdb.vkey", "w").write(case["vkey"] + "\n")
EOF
audit checkpoint "$tmp/sumdb.note" "$tmp/sumdb.vkey" --origin "go.sum database tree" >"$tmp/out" ||
  fail "sum.golang.org checkpoint"
grep -qx "size: 6476701" "$tmp/out" || fail "sum.golang.org checkpoint size"

echo "audit.sh: ok"
