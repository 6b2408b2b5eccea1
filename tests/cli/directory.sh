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
echo "directory.sh: ok"
