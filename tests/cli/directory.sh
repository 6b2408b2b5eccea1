#!/usr/bin/env bash
# Finding people (issue 11): `find TEXT` searches the ids and names of persons and units
# (Chinese as written, Latin letters in either case); `persons`, `units` and `keys` list
# what the ledger holds, as text and --json; `record` and `evidence` take a name when
# exactly one person has it, and list the candidates (exit 1) when several do.
# Usage: tests/cli/directory.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null

# find: by a Chinese name, by an id in the other case, units too.
assert_exit 0 "find 张" p find 张
grep -q '^P1 .*张伟' "$tmp/out" || fail "find 张: $(cat "$tmp/out")"
assert_exit 0 "find u2" p find u2 --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert [u["unit"] for u in v["units"]] == ["U2"], v
assert v["persons"] == [] and v["more"] is False, v
' "$tmp/out" || fail "find u2 --json: $(cat "$tmp/out")"
assert_exit 1 "find nothing" p find 不存在的名字
grep -q "no person or unit" "$tmp/err" || fail "find of nothing says nothing"
assert_exit 1 "find nothing, --json" p find 不存在的名字 --json
[ "$(cat "$tmp/out")" = '{"persons":[],"more":false,"units":[]}' ] || fail "find --json of nothing: $(cat "$tmp/out")"
assert_exit 2 "find without TEXT" p find

# persons, units, keys.
assert_exit 0 persons p persons --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert [p["person"] for p in v["persons"]] == ["P1", "P2", "P3", "P4", "P5"], v
assert v["persons"][3]["name"] == "刘\"洋\", 二" and v["persons"][0]["category"] == "civilServant", v
' "$tmp/out" || fail "persons --json: $(cat "$tmp/out")"
assert_exit 0 units p units
[ "$(grep -c '^U' "$tmp/out")" -eq 3 ] || fail "units: $(cat "$tmp/out")"
assert_exit 0 keys p keys --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
keys = v["keys"]
assert keys[0]["role"] == "admin" and keys[0]["registeredSeq"] == 0, keys[0]
assert all(len(k["keyId"]) == 64 and k["revokedSeq"] is None for k in keys), keys
assert {"role": "dispatcher", "unit": "U2"}.items() <= next(k for k in keys if k["holder"] == "dispatcher-u2").items()
' "$tmp/out" || fail "keys --json: $(cat "$tmp/out")"

# show of a registration names the key id it registers, as keys lists it.
id="$(p keys --json | python3 -c 'import json,sys; print([k for k in json.load(sys.stdin)["keys"] if k["holder"] == "hr"][0]["keyId"])')"
seq="$(p keys --json | python3 -c 'import json,sys; print([k for k in json.load(sys.stdin)["keys"] if k["holder"] == "hr"][0]["registeredSeq"])')"
p show "$seq" | grep -qx "registers:   key id $id" || fail "show of a registration does not name its key id"

# A name: unique, then shared by two persons.
assert_exit 0 "record by a unique name" p record 李娜 --lang en
grep -q "李娜 is P3" "$tmp/err" || fail "record by name does not say whom it chose"
grep -q "^record of P3 李娜" "$tmp/out" || fail "record by name: $(head -1 "$tmp/out")"
printf '%s\n' '{"type":"personRegistered","person":"P6","name":"李娜","unit":"U3","category":"contract"}' |
  p append --key "$tmp/keys/hr.pem" >/dev/null
assert_exit 1 "record by a shared name" p record 李娜
grep -q "2 persons are named '李娜': P3 (unit U2), P6 (unit U3); give the id" "$tmp/err" ||
  fail "a shared name: $(cat "$tmp/err")"
assert_exit 1 "evidence by a shared name" p evidence 李娜 -o "$tmp/x.html"
[ ! -e "$tmp/x.html" ] || fail "a refused evidence left a file"
assert_exit 1 "an unknown name" p record 张三
grep -q "person '张三' is not registered" "$tmp/err" || fail "an unknown name: $(cat "$tmp/err")"
grep -q "did you mean" "$tmp/err" && fail "an unknown name that no name holds has a suggestion: $(cat "$tmp/err")"
# Part of a name (or of an id): not registered, naming the persons whose name or id holds it.
assert_exit 1 "part of a name" p record 王
grep -q "person '王' is not registered; did you mean P2 王芳? ('probity find 王' lists them)" "$tmp/err" ||
  fail "part of a name: $(cat "$tmp/err")"
# ---- through a server (--server URL --key K): the same bytes as here -----------------------------
# r WHO ARGS...: probity ARGS through the server, signed with WHO's key.
r() { local who="$1"; shift; "$probity" --server "$url" "$@" --key "$tmp/keys/$who.pem"; }
# same WHO ARGS...: ARGS through the server (WHO's key) print what they print here, stdout
# and stderr byte for byte, with the same exit status.
same() {
  local who="$1"; shift
  local rc=0 remote_rc=0
  p "$@" >"$tmp/local.out" 2>"$tmp/local.err" || rc=$?
  r "$who" "$@" >"$tmp/remote.out" 2>"$tmp/remote.err" || remote_rc=$?
  [ "$rc" -eq "$remote_rc" ] || fail "$* through the server: exit $remote_rc, here $rc ($(cat "$tmp/remote.err"))"
  cmp -s "$tmp/local.out" "$tmp/remote.out" || fail "$* through the server: $(diff "$tmp/local.out" "$tmp/remote.out" || true)"
  cmp -s "$tmp/local.err" "$tmp/remote.err" || fail "$* through the server, stderr: $(diff "$tmp/local.err" "$tmp/remote.err" || true)"
}

start_server
for json in "" --json; do
  same hr find 张 $json
  same hr find u2 $json
  same hr find 李娜 $json
  same reviewer find 不存在的名字 $json   # nothing found: exit 1 both ways
  same hr persons $json
  same enforcement persons 李 $json
  same hr units $json
  same party units 局 $json                 # units: any registered key
  same auditor keys $json
  same admin keys $json
done
# record by name as here: a unique name (said on stderr, then asked by id), a shared one
# (both listed), part of one (did you mean), none (the server's not registered).
# (Not hr: a server shows hr the sealed values that the local command shows with
# --include-sensitive only.)
for who in reviewer enforcement; do
  for text in 王芳 李娜 王 张三; do same "$who" record "$text"; done
  same "$who" record 王芳 --json
done
# evidence by name: the pack of that id.
r hr evidence 王芳 -o "$tmp/by-name.html" >"$tmp/out" 2>"$tmp/err" || fail "evidence by name through the server: $(cat "$tmp/err")"
grep -q "the evidence pack of P2 as the server built it" "$tmp/out" || fail "evidence by name: $(cat "$tmp/out")"
r hr evidence P2 -o "$tmp/by-id.html" >/dev/null 2>&1
cmp -s "$tmp/by-name.html" "$tmp/by-id.html" || fail "evidence by name through the server is another pack than by id"
# A dispatcher finds its own unit's persons only; a key that may not search persons is
# told so (exit 1) rather than shown the units alone.
assert_exit 0 "persons as a dispatcher" r dispatcher-u2 persons --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["persons"] and {p["unit"] for p in v["persons"]} == {"U2"} and v["more"] is False, v
' "$tmp/out" || fail "a dispatcher's persons: $(cat "$tmp/out")"
assert_exit 1 "find as a party committee" r party find 张
grep -q "may not read the list of persons" "$tmp/err" || fail "find as party: $(cat "$tmp/err")"
# The key registry: hr, reviewer, enforcement, admin and auditor; the others are told who may.
for who in dispatcher-u1 leader-p1 party guarantor-u1; do
  assert_exit 1 "keys as $who" r "$who" keys
  grep -q "may not read the key registry (only hr, reviewer, enforcement, admin and auditor keys" "$tmp/err" ||
    fail "keys as $who: $(cat "$tmp/err")"
done
assert_exit 2 "keys through a server without a key" "$probity" --server "$url" keys
stop_server

# More than 50 persons: a server lists the first 50 and says so; find --json is still the
# same document (50, "more": true).
{ echo person,name,unit,category; for i in $(seq -w 1 55); do echo "Q$i,批量$i,U3,contract"; done; } >"$tmp/bulk.csv"
p import persons "$tmp/bulk.csv" --key "$tmp/keys/hr.pem" >/dev/null
start_server
same hr find q --json
same hr persons Q0 --json
same hr persons Q0
assert_exit 0 "persons through the server, over 50" r hr persons
[ "$(grep -c '^[PQ]' "$tmp/out")" -eq 50 ] || fail "not the first 50: $(cat "$tmp/out")"
[ "$(tail -n 2 "$tmp/out")" = "(the first 50 only: a server lists at most 50; narrow the search with TEXT)
50 persons" ] || fail "no note under the first 50: $(tail -n 2 "$tmp/out")"
assert_exit 0 "persons --json through the server, over 50" r hr persons --json
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v["persons"]) == 50 and v["more"] is True, v
' "$tmp/out" || fail "persons --json over 50: $(cat "$tmp/out")"
assert_exit 0 "find through the server, over 50" r hr find q
grep -qx "(the first 50 only: a server lists at most 50; narrow the search with TEXT)" "$tmp/out" ||
  fail "find over 50: $(cat "$tmp/out")"
stop_server
p persons | tail -n 1 | grep -qx "61 persons" || fail "the local list is cut"

echo "directory.sh: ok"
