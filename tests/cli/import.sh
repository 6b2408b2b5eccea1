#!/usr/bin/env bash
# import (issue 11): a spreadsheet saved as CSV becomes signed events in one submission.
# The template is importable as it is; a UTF-8 byte-order mark, CRLF, quoted commas and
# columns in any order are read; importing the same file again stores nothing twice; a
# bad header, a short row, an empty cell, a bad value or a rule refuses the whole file,
# naming the line, with nothing appended; the signer's role is the ledger's to judge.
# Usage: tests/cli/import.sh PATH/TO/probity
set -Eeuo pipefail
trap 'echo "import.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

probity="${1:?usage: $0 PATH/TO/probity}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unset PROBITY_DATA PROBITY_SERVER

fail() { echo "import.sh: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data "$tmp/store" "$@"; }
expect() {
  local code="$1" what="$2"; shift 2
  local rc=0
  p "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$code" ] || fail "$what: exit $rc, expected $code ($(cat "$tmp/err"))"
}
# refused WHAT LINE ARGS...: exit 1, the error names "line LINE", the log did not grow.
refused() {
  local what="$1" line="$2"; shift 2
  local before after
  before="$(p checkpoint | sed -n 2p)"
  expect 1 "$what" "$@"
  grep -q "line $line" "$tmp/err" || fail "$what: the error does not name line $line: $(cat "$tmp/err")"
  after="$(p checkpoint | sed -n 2p)"
  [ "$before" = "$after" ] || fail "$what: the log grew from $before to $after"
}

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
hr="$tmp/keys/hr.pem"

# The template imports as it is (with a unit it names).
p import units --template >"$tmp/units.csv"
head -1 "$tmp/units.csv" | grep -qx "unit,name,kind,province" || fail "units template header"
expect 0 "the units template" import units "$tmp/units.csv" --key "$tmp/keys/admin.pem"
p import persons --template >"$tmp/persons.csv"
expect 0 "the persons template" import persons "$tmp/persons.csv" --key "$hr"
p record P000001 | grep -q "张伟" || fail "the template's person is not registered"

# A sheet as Excel saves it: BOM, CRLF, a quoted comma, columns in another order.
printf '\xef\xbb\xbfname,category,unit,person\r\n"欧阳, 娜",contract,U2,P20\r\n周杰,civilServant,U1,P21\r\n' >"$tmp/sheet.csv"
expect 0 "a sheet saved by a spreadsheet" import persons "$tmp/sheet.csv" --key "$hr"
[ "$(grep -c '^seq ' "$tmp/out")" -eq 2 ] || fail "two rows, not two receipts: $(cat "$tmp/out")"
p persons --json | python3 -c '
import json, sys
v = {p["person"]: p for p in json.load(sys.stdin)["persons"]}
assert v["P20"]["name"] == "欧阳, 娜" and v["P20"]["category"] == "contract", v["P20"]
assert v["P21"]["unit"] == "U1", v["P21"]' || fail "the sheet's values"
# Again: every row already stored, nothing new.
expect 0 "the same sheet again" import persons "$tmp/sheet.csv" --key "$hr"
[ "$(grep -c 'already stored' "$tmp/out")" -eq 2 ] || fail "a second import stored again: $(cat "$tmp/out")"

# Refusals name the line; nothing lands.
printf 'person,name,unit,category,email\nP30,a,U1,contract,x@y\n' >"$tmp/bad.csv"
refused "an unknown column" 1 import persons "$tmp/bad.csv" --key "$hr"
printf 'person,name,unit\nP30,a,U1\n' >"$tmp/bad.csv"
refused "a missing column" 1 import persons "$tmp/bad.csv" --key "$hr"
printf 'person,name,unit,category\nP30,a,U1,contract\nP31,b,U1\n' >"$tmp/bad.csv"
refused "a short row" 3 import persons "$tmp/bad.csv" --key "$hr"
printf 'person,name,unit,category\nP30,a,U1,contract\n\nP31,,U1,contract\n' >"$tmp/bad.csv"
refused "an empty cell (after a blank line)" 4 import persons "$tmp/bad.csv" --key "$hr"
printf 'person,name,unit,category\nP30,"a\nb",U1,contract\nP31,b,U1,nosuch\n' >"$tmp/bad.csv"
refused "a bad value (after a cell with a line break)" 4 import persons "$tmp/bad.csv" --key "$hr"
grep -q "category" "$tmp/err" || fail "a bad value: the field is not named: $(cat "$tmp/err")"
printf 'person,name,unit,category\nP30,a,U1,contract\nP31,b,U404,contract\n' >"$tmp/bad.csv"
refused "a unit not registered (a rule)" 3 import persons "$tmp/bad.csv" --key "$hr"
p record P30 >/dev/null 2>&1 && fail "a refused import registered its first row"
printf 'person,name,unit,category\nP30,a,U1,contract\n' >"$tmp/ok.csv"
refused "a key without the role" 2 import persons "$tmp/ok.csv" --key "$tmp/keys/enforcement.pem"
printf 'person,name,unit,category\nP30,"a\n' >"$tmp/bad.csv"
refused "a quote never closed" 2 import persons "$tmp/bad.csv" --key "$hr"

# Assignments, by the unit's dispatcher.
printf 'assignment,person,group,from,to,position\nA9,P1,G1,2019-07-01,2019-07-15,member\n' >"$tmp/a.csv"
expect 0 "an assignment" import assignments "$tmp/a.csv" --key "$tmp/keys/dispatcher-u1.pem"
p record P1 --json | grep -q '"A9"' || fail "the imported assignment is not in the record"

# Usage.
expect 2 "an unknown kind" import people "$tmp/ok.csv" --key "$hr"
expect 2 "no file" import persons --key "$hr"
expect 2 "an xlsx" import persons "$tmp/x.xlsx" --key "$hr"
expect 2 "no key" import persons "$tmp/ok.csv"
echo "import.sh: ok"
