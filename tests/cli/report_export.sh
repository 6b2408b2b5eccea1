#!/usr/bin/env bash
# Reports written with -o (issue 11, docs/formats.md §13): the CSV or JSON list carries
# its basis inside the file (tree size, root, the ledger's vkey, the checkpoint signed at
# that size); the same command at the same basis writes the same bytes; the independent
# checker accepts the file alone and refuses one whose basis was changed or that another
# ledger's key is claimed to sign; a spreadsheet never runs a cell as a formula.
# Usage: tests/cli/report_export.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
# A unit whose name a spreadsheet would run as a formula, commended in 2019.
printf '%s\n' '{"type":"unitRegistered","unit":"U9","name":"=HYPERLINK(\"http://x\")","kind":"affiliatedInstitution"}' |
  p append --key "$tmp/keys/admin.pem" >/dev/null
printf '%s\n' \
  '{"type":"evaluationRecorded","evaluation":"EV-U9","subject":{"unit":"U9"},"period":"2019","grade":"good","summary":"s","date":"2019-05-20","distributedTo":["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"]}' \
  '{"type":"commendationIssued","subject":{"unit":"U9"},"reason":"r","date":"2019-06-01","evaluation":"EV-U9"}' |
  p append --key "$tmp/keys/enforcement.pem" >/dev/null
vkey="$(p checkpoint --vkey)"

# CSV: the list as on stdout, then one basis row; the same bytes twice; mode 0600.
p eligibility 2019 --format csv -o "$tmp/e.csv" >"$tmp/out"
grep -q "check it: probity-audit report" "$tmp/out" || fail "no hint how to check the file"
[ "$(stat -c %a "$tmp/e.csv")" = 600 ] || fail "the export is not mode 0600"
p eligibility 2019 --format csv >"$tmp/stdout.csv" 2>/dev/null
python3 - "$tmp/e.csv" "$tmp/stdout.csv" <<'PY' || fail "the CSV export is not the list and one basis row"
import csv, io, sys
exported = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
printed = open(sys.argv[2], encoding="utf-8-sig", newline="").read()
assert exported.startswith(printed), "the export does not begin with the printed list"
rows = list(csv.reader(io.StringIO(exported, newline="")))
assert rows[0][0] == "person" and len(rows[-1]) == len(rows[0]), rows[-1]
assert rows[-1][0] == "#probity" and rows[-1][1] == "eligibility 2019", rows[-1][:2]
assert rows[-1][2].startswith("treeSize=") and rows[-1][5].startswith("checkpoint="), rows[-1]
PY
p eligibility 2019 --format csv -o "$tmp/e2.csv" >/dev/null
cmp -s "$tmp/e.csv" "$tmp/e2.csv" || fail "the same export at the same basis gave other bytes"
audit report "$tmp/e.csv" --vkey "$vkey" >"$tmp/audit.out" || fail "probity-audit refused a true CSV: $(cat "$tmp/audit.out")"
grep -q "basis verified" "$tmp/audit.out" || fail "probity-audit did not say the basis verified"
audit report "$tmp/e.csv" >"$tmp/audit.out" || fail "probity-audit refused a true CSV without --vkey"
grep -q "TAKEN FROM THE FILE" "$tmp/audit.out" || fail "without --vkey, the key's source is not said"

# JSON: {"format","command","basis","result"}, result the --json list.
p eligibility 2019 --units --json -o "$tmp/u.json" >/dev/null
p eligibility 2019 --units --json >"$tmp/u-stdout.json" 2>/dev/null
python3 - "$tmp/u.json" "$tmp/u-stdout.json" <<'PY' || fail "the JSON export is not {format, command, basis, result}"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["format"] == "probity-report/v1" and v["command"] == "eligibility 2019 --units", v["command"]
assert v["result"] == json.load(open(sys.argv[2])), "result is not the --json list"
assert set(v["basis"]) == {"treeSize", "root", "vkey", "checkpoint"}, v["basis"]
PY
audit report "$tmp/u.json" --vkey "$vkey" >/dev/null || fail "probity-audit refused a true JSON export"
p unevaluated 2019 -o "$tmp/unev.json" >/dev/null
audit report "$tmp/unev.json" --vkey "$vkey" >/dev/null || fail "probity-audit refused the unevaluated export"

# XLSX: the same cells as the CSV in a sheet, the basis in a sheet "basis", read back by
# an independent reader (Debian's openpyxl); the same bytes twice; checked alone.
p eligibility 2019 -o "$tmp/e.xlsx" >/dev/null
p eligibility 2019 -o "$tmp/e2.xlsx" >/dev/null
cmp -s "$tmp/e.xlsx" "$tmp/e2.xlsx" || fail "the same xlsx export gave other bytes"
audit report "$tmp/e.xlsx" --vkey "$vkey" >/dev/null || fail "probity-audit refused a true xlsx"
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  /usr/bin/python3 - "$tmp/e.xlsx" "$tmp/e.csv" <<'PY' || fail "openpyxl reads other cells than the CSV's"
import csv, io, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["eligibility 2019", "basis"], wb.sheetnames
rows = [list(r) for r in wb["eligibility 2019"].iter_rows(values_only=True)]
text = open(sys.argv[2], encoding="utf-8-sig", newline="").read()
expected = list(csv.reader(io.StringIO(text, newline="")))[:-1]
assert rows == expected, (rows[:2], expected[:2])
basis = {r[0]: r[1] for r in wb["basis"].iter_rows(values_only=True)}
assert basis["command"] == "eligibility 2019" and isinstance(basis["treeSize"], int), basis
PY
else
  echo "report_export.sh: openpyxl is missing (apt-get install python3-openpyxl): the xlsx was not read back" >&2
fi
assert_exit 2 "--format xlsx without -o" p eligibility 2019 --format xlsx

# The formula: its cell begins with ' (on stdout and in the export alike).
p eligibility 2019 --units --format csv -o "$tmp/u.csv" >/dev/null
grep -q "^U9,\"'=HYPERLINK(\"\"http://x\"\")\"" "$tmp/u.csv" || fail "a formula cell is not escaped: $(grep U9 "$tmp/u.csv")"

# Refusals: a changed basis, another ledger's key, -o without a file format.
sed 's/treeSize=[0-9]*/treeSize=3/' "$tmp/e.csv" >"$tmp/bad.csv"
assert_exit 1 "a changed tree size" audit report "$tmp/bad.csv" --vkey "$vkey"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1])); v["basis"]["root"] = "00" * 32
json.dump(v, open(sys.argv[2], "w"))' "$tmp/u.json" "$tmp/bad.json"
assert_exit 1 "a changed root" audit report "$tmp/bad.json" --vkey "$vkey"
head -n 2 "$tmp/e.csv" >"$tmp/nobasis.csv"
assert_exit 1 "a CSV without its basis row" audit report "$tmp/nobasis.csv"
"$probity" keygen "$tmp/other.pem" --quiet >/dev/null
"$probity" --data "$tmp/other" init --admin-key "$tmp/other.pem" --origin probity.test/web >/dev/null
assert_exit 1 "another ledger's key" audit report "$tmp/e.csv" --vkey "$("$probity" --data "$tmp/other" checkpoint --vkey)"
assert_exit 2 "-o with the table format" p eligibility 2019 -o "$tmp/t.txt"
[ ! -e "$tmp/t.txt" ] || fail "a refused export left a file"
# -o refusals before anything is read: a format the name contradicts, a format a report
# does not write, a directory, --server; a place that cannot be written.
assert_exit 2 "--format csv into a .xlsx" p eligibility 2019 --format csv -o "$tmp/x.xlsx"
assert_exit 2 "unevaluated into a .csv" p unevaluated 2019 -o "$tmp/x.csv"
assert_exit 2 "-o a directory" p eligibility 2019 --format csv -o "$tmp"
assert_exit 2 "-o with --server" "$probity" --server http://127.0.0.1:9 eligibility 2019 --format csv -o "$tmp/x.csv"
assert_exit 1 "-o into a missing directory" p eligibility 2019 --format csv -o "$tmp/no/such/e.csv"
[ ! -e "$tmp/x.xlsx" ] && [ ! -e "$tmp/x.csv" ] || fail "a refused export left a file"
echo "report_export.sh: ok"
