#!/usr/bin/env bash
# Evidence packs (docs/formats.md §12), end to end: `probity evidence` writes one file
# that the independent checker tools/probity-audit accepts offline, without the store,
# in both forms (the page and --json); the same command gives the same bytes; sealed
# values stay out unless asked for; a changed byte, a dropped key registration, another
# ledger's key or a witness that has not cosigned are refused; a refused export leaves
# no file behind. The page's own check in a browser: tests/web/evidence_browser_test.mjs.
# Usage: tests/cli/evidence.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"

# edit_pack IN OUT PYTHON: rewrites the JSON document of pack IN (the page or --json)
# into OUT (JSON form) with python3 code run on `v`.
edit_pack() {
  python3 - "$1" "$2" "$3" <<'PY'
import base64, json, sys
text = open(sys.argv[1], encoding="utf-8").read()
if not text.lstrip().startswith("{"):
    start = text.index('<script type="application/json" id="probity-evidence">')
    start = text.index(">", start) + 1
    text = text[start:text.index("</script>", start)]
v = json.loads(text)
exec(sys.argv[3])
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(v, ensure_ascii=False))
PY
}

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
vkey="$(p checkpoint --vkey)"

# 1. The page: written, private, checked offline by the independent checker.
p evidence P1 -o "$tmp/p1.html" >"$tmp/out"
grep -q "check it: probity-audit evidence" "$tmp/out" || fail "no hint how to check it"
check_it_hint "evidence -o"
[ "$(stat -c %a "$tmp/p1.html")" = 600 ] || fail "the pack is not mode 0600"
grep -q '<script type="application/json" id="probity-evidence">' "$tmp/p1.html" ||
  fail "the page holds no evidence document"
grep -q '张伟' "$tmp/p1.html" || fail "the page does not name the person"
grep -q 'lang="zh-CN"' "$tmp/p1.html" && grep -q 'lang="en"' "$tmp/p1.html" ||
  fail "the page is not in both languages"
audit evidence "$tmp/p1.html" --vkey "$vkey" >"$tmp/audit.out" ||
  fail "probity-audit refused a true pack: $(cat "$tmp/audit.out")"
audit evidence "$tmp/p1.html" >"$tmp/audit.out" ||
  fail "probity-audit refused a true pack without --vkey"
grep -qi "from the pack\|taken from" "$tmp/audit.out" ||
  fail "without --vkey the checker does not say the key came from the pack"

# 2. The JSON form, as of a seq, and the same bytes on a second run.
asof="$(p log --json | python3 -c '
import json, sys
seqs = [json.loads(l)["seq"] for l in sys.stdin if "\"P1\"" in l]
print(seqs[len(seqs) // 2])')"
p evidence P1 --as-of-seq "$asof" --json -o "$tmp/p1.json" >/dev/null
p evidence P1 --as-of-seq "$asof" --json -o "$tmp/p1-again.json" >/dev/null
cmp -s "$tmp/p1.json" "$tmp/p1-again.json" || fail "the same export gave other bytes"
p evidence P1 -o "$tmp/p1-again.html" >/dev/null
cmp -s "$tmp/p1.html" "$tmp/p1-again.html" || fail "the same page export gave other bytes"
audit evidence "$tmp/p1.json" --vkey "$vkey" >/dev/null || fail "the JSON form was refused"
python3 - "$tmp/p1.json" "$asof" <<'PY' || fail "the as-of pack holds a record entry after the as-of seq"
import json, sys
v = json.load(open(sys.argv[1]))
asof = int(sys.argv[2])
assert v["asOf"] == {"seq": asof}, v["asOf"]
records = [e["seq"] for e in v["entries"] if e["as"] == "record"]
assert records and max(records) <= asof, records
assert any(e["seq"] == 0 and e["as"] == "key" for e in v["entries"]), "no genesis entry"
PY

# 3. Sealed values (R1's reason) stay out unless asked for; HR's pack carries them.
p evidence P2 --json -o "$tmp/p2.json" >/dev/null
grep -q pregnancy "$tmp/p2.json" && fail "a sealed value is in a pack made without --include-sensitive"
grep -q '"salt"' "$tmp/p2.json" && fail "a salt is in a pack made without --include-sensitive"
p evidence P2 --include-sensitive --json -o "$tmp/p2s.json" >/dev/null
grep -q pregnancy "$tmp/p2s.json" || fail "--include-sensitive did not include the sealed value"
audit evidence "$tmp/p2s.json" --vkey "$vkey" >"$tmp/audit.out" || fail "a pack with sealed values was refused"
edit_pack "$tmp/p2s.json" "$tmp/bad.json" '
for e in v["entries"]:
    for s in e.get("sealed", []):
        if "value" in s: s["value"] = "health"
'
assert_exit 1 "a wrong sealed value" audit evidence "$tmp/bad.json" --vkey "$vkey"

# 4. A retraction travels with what it withdraws.
p evidence P3 --json -o "$tmp/p3.json" >/dev/null
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert any(e["event"]["type"] == "retraction" and e["as"] == "record" for e in v["entries"])
' "$tmp/p3.json" || fail "the retraction is not in the record"
audit evidence "$tmp/p3.json" --vkey "$vkey" >/dev/null || fail "a pack with a retraction was refused"

# 5. Tampered packs are refused, naming what failed.
edit_pack "$tmp/p1.json" "$tmp/bad.json" '
e = [e for e in v["entries"] if e["as"] == "record"][-1]
raw = bytearray(base64.b64decode(e["entry"])); raw[-9] ^= 1
e["entry"] = base64.b64encode(bytes(raw)).decode()
'
assert_exit 1 "a flipped byte" audit evidence "$tmp/bad.json" --vkey "$vkey"
edit_pack "$tmp/p1.json" "$tmp/bad.json" 'v["entries"] = [e for e in v["entries"] if e["seq"] != 0]'
assert_exit 1 "the genesis registration dropped" audit evidence "$tmp/bad.json" --vkey "$vkey"
edit_pack "$tmp/p1.json" "$tmp/bad.json" 'v["person"] = "P2"'
assert_exit 1 "the pack claims another person" audit evidence "$tmp/bad.json" --vkey "$vkey"
"$probity" keygen "$tmp/other.pem" --quiet >/dev/null
"$probity" --data "$tmp/other" init --admin-key "$tmp/other.pem" --origin probity.test/web >/dev/null
assert_exit 1 "another ledger's key" audit evidence "$tmp/p1.json" --vkey "$("$probity" --data "$tmp/other" checkpoint --vkey)"

# 6. Witnesses: a witness that has not cosigned is refused at export; one that has is checked.
"$probity" keygen "$tmp/w.pem" --quiet >/dev/null
wvkey="$("$probity" witness init --key "$tmp/w.pem" --log-vkey "$vkey" --state "$tmp/wstate" --name w.test | tail -n 1)"
assert_exit 1 "a witness that has not cosigned" p evidence P1 --witness "$wvkey" -o "$tmp/w.html"
[ ! -e "$tmp/w.html" ] || fail "a refused export left a file"
p checkpoint --witness-request >"$tmp/request"
"$probity" witness add-checkpoint --key "$tmp/w.pem" --state "$tmp/wstate" "$tmp/request" >"$tmp/cosigned"
p cosign "$tmp/cosigned" >/dev/null
# checkpoint --list: every stored checkpoint's size, the latest now cosigned once.
p checkpoint --list --json >"$tmp/list.jsonl"
python3 - "$tmp/list.jsonl" "$(p checkpoint | sed -n 2p)" <<'PY' || fail "checkpoint --list: $(tail -2 "$tmp/list.jsonl")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sizes = [r["treeSize"] for r in rows]
assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes), sizes
assert rows[-1] == {"treeSize": int(sys.argv[2]), "cosignatures": 1}, rows[-1]
assert all(r["cosignatures"] == 0 for r in rows[:-1]), rows[:-1]
PY
p evidence P1 --witness "$wvkey" -o "$tmp/w.html" >/dev/null
audit evidence "$tmp/w.html" --vkey "$vkey" --witness "$wvkey" >/dev/null ||
  fail "a cosigned pack was refused with its witness"

# 7. Bad usage and unknown persons.
assert_exit 2 "no -o" p evidence P1
assert_exit 2 "a bad date" p evidence P1 --as-of 2019-02-30 -o "$tmp/x.html"
assert_exit 2 "a bad language" p evidence P1 --lang fr -o "$tmp/x.html"
assert_exit 1 "an unknown person" p evidence P999 -o "$tmp/x.html"
[ ! -e "$tmp/x.html" ] || fail "a refused export left a file"
assert_exit 1 "an unwritable place" p evidence P1 -o "$tmp/no/such/dir/x.html"
# 8. Through a server: the same bytes as the local pack, for any reader the rules allow; sealed
# values for HR alone; a dispatcher (R1 reduced) refused (the access log: server_test.cc).
start_server
r() { "$probity" --server "$url" "$@"; }
for form in "--lang en" "--lang zh" "--json"; do
  # shellcheck disable=SC2086
  p evidence P2 --as-of 2019-06-30 $form -o "$tmp/local.out" >/dev/null
  # shellcheck disable=SC2086
  r evidence P2 --as-of 2019-06-30 $form --key "$tmp/keys/reviewer.pem" -o "$tmp/remote.out" >"$tmp/out" ||
    fail "evidence through the server ($form)"
  cmp -s "$tmp/local.out" "$tmp/remote.out" || fail "the server's pack ($form) is not the local one"
  grep -q "probity-audit evidence" "$tmp/out" || fail "no hint how to check the server's pack"
done
audit evidence "$tmp/remote.out" --vkey "$vkey" >/dev/null || fail "the server's pack does not check"
[ "$(stat -c %a "$tmp/remote.out")" = 600 ] || fail "the server's pack is not mode 0600"
r evidence P2 --include-sensitive --json --key "$tmp/keys/hr.pem" -o "$tmp/hr.json" >/dev/null
grep -q pregnancy "$tmp/hr.json" || fail "HR's pack through the server has no sealed value"
assert_exit 1 "sealed values for a reviewer" r evidence P2 --include-sensitive --key "$tmp/keys/reviewer.pem" -o "$tmp/x.html"
grep -q "only HR" "$tmp/err" || fail "the refusal does not say who may: $(cat "$tmp/err")"
assert_exit 1 "a pack for a dispatcher" r evidence P2 --key "$tmp/keys/dispatcher-u1.pem" -o "$tmp/x.html"
[ ! -e "$tmp/x.html" ] || fail "a refused pack left a file"
assert_exit 2 "--size over a server" r evidence P2 --size 3 --key "$tmp/keys/reviewer.pem" -o "$tmp/x.html"
echo "evidence.sh: ok"
