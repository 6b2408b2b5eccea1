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
check_it_hint "eligibility -o"
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

# roster, leave, explanations and record -o: the command's --json document wrapped with
# its basis; the command names what was asked with its options in a fixed order (given
# here in another), so the same command at the same basis writes the same bytes; mode
# 0600; probity-audit report checks the file alone.
# json_export_is FILE COMMAND STDOUT.json: FILE is {"format","command","basis","result"},
# its command COMMAND and its result the --json document in STDOUT.json.
json_export_is() {
  python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
assert v["format"] == "probity-report/v1", v["format"]
assert v["command"] == sys.argv[2], (v["command"], sys.argv[2])
assert set(v["basis"]) == {"treeSize", "root", "vkey", "checkpoint"}, v["basis"]
assert v["result"] == json.load(open(sys.argv[3])), "result is not the --json document"
PY
}
# export_checks NAME COMMAND ARGS...: `p ARGS -o $tmp/NAME.json` writes COMMAND's export
# of `p ARGS --json`; mode 0600, the same bytes twice, accepted by probity-audit report.
export_checks() {
  local name="$1" command="$2"; shift 2
  p "$@" -o "$tmp/$name.json" >"$tmp/out" || fail "$name -o: $(cat "$tmp/out")"
  grep -q "check it: probity-audit report" "$tmp/out" || fail "$name -o: no hint how to check the file"
  [ "$(stat -c %a "$tmp/$name.json")" = 600 ] || fail "the $name export is not mode 0600"
  p "$@" --json >"$tmp/$name-stdout.json" 2>/dev/null
  json_export_is "$tmp/$name.json" "$command" "$tmp/$name-stdout.json" ||
    fail "the $name export is not {format, command \"$command\", basis, result: --json}"
  p "$@" -o "$tmp/$name-2.json" >/dev/null
  cmp -s "$tmp/$name.json" "$tmp/$name-2.json" || fail "the same $name export at the same basis gave other bytes"
  audit report "$tmp/$name.json" --vkey "$vkey" >"$tmp/audit.out" ||
    fail "probity-audit refused a true $name export: $(cat "$tmp/audit.out")"
  grep -q "basis verified" "$tmp/audit.out" || fail "probity-audit did not verify the $name export's basis"
}
export_checks roster "roster --date 2019-05-20 --city 130100" roster --city 130100 --date 2019-05-20
export_checks leave "leave P1" leave P1
export_checks explanations "explanations --year 2019" explanations --year 2019
export_checks record "record P2 --as-of 2019-06-30" record P2 --as-of 2019-06-30
export_checks record-sensitive "record P2 --as-of 2019-06-30 --include-sensitive" \
  record P2 --include-sensitive --as-of 2019-06-30
# As of a seq inside a submit (U9's evaluation, the submit's first entry, where no
# checkpoint was signed): the record reads the tree up to that seq, and the file is tied to
# the first checkpoint after it, which holds those entries.
size="$(p checkpoint --list --json | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["treeSize"])')"
mid=$((size - 2))
p checkpoint --size $((mid + 1)) >/dev/null 2>&1 && fail "the test needs no checkpoint at size $((mid + 1))"
export_checks record-mid "record P2 --as-of-seq $mid" record P2 --as-of-seq "$mid"
python3 - "$tmp/record-mid.json" "$mid" "$size" <<'PY' || fail "record --as-of-seq inside a submit is not tied to the next checkpoint"
import json, sys
v, mid, size = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert v["result"]["checkpoint"]["treeSize"] == mid + 1, v["result"]["checkpoint"]
assert v["basis"]["treeSize"] == size, v["basis"]["treeSize"]
PY
# The sealed reason of P2's restriction is in the file only when asked for.
grep -q pregnancy "$tmp/record.json" && fail "a sealed value is in a record export made without --include-sensitive"
grep -q pregnancy "$tmp/record-sensitive.json" || fail "record -o --include-sensitive left the sealed value out"
# A person asked by name is named by id in the command: the same file as asked by id.
p record 王芳 --as-of 2019-06-30 -o "$tmp/record-by-name.json" >/dev/null 2>&1
cmp -s "$tmp/record.json" "$tmp/record-by-name.json" || fail "record by name wrote another file than record by id"
# The roster's date defaults to today, and the file says which day it lists.
p roster -o "$tmp/roster-today.json" >/dev/null
python3 -c '
import json, re, sys
c = json.load(open(sys.argv[1]))["command"]
assert re.fullmatch(r"roster --date \d{4}-\d\d-\d\d", c), c' "$tmp/roster-today.json" ||
  fail "a roster export without --date does not name the day it lists"
# Refused before anything is read: a .csv (these exports are JSON), --server, and record
# -o with --lang (the document's names are codes).
for cmd in "roster" "leave P1" "explanations" "record P1"; do
  # shellcheck disable=SC2086
  assert_exit 2 "$cmd into a .csv" p $cmd -o "$tmp/x.csv"
  grep -q "writes json here, not csv" "$tmp/err" || fail "$cmd -o x.csv does not say why: $(cat "$tmp/err")"
  # shellcheck disable=SC2086
  assert_exit 2 "$cmd -o with --server" "$probity" --server http://127.0.0.1:9 $cmd -o "$tmp/x.json"
done
assert_exit 2 "record -o with --lang" p record P1 --lang zh -o "$tmp/x.json"
[ ! -e "$tmp/x.csv" ] && [ ! -e "$tmp/x.json" ] || fail "a refused export left a file"

# --lang zh: the eligibility CSV and workbook name the header's columns, the outcomes and
# the staff categories in Chinese (the labels of the web interface); ids, names, reasons
# and events as in English; the file's command says --lang zh and the checker accepts it.
p eligibility 2019 --format csv --lang zh -o "$tmp/zh.csv" >/dev/null
p eligibility 2019 --format csv --lang zh -o "$tmp/zh2.csv" >/dev/null
cmp -s "$tmp/zh.csv" "$tmp/zh2.csv" || fail "the same Chinese export at the same basis gave other bytes"
[ "$(stat -c %a "$tmp/zh.csv")" = 600 ] || fail "the Chinese export is not mode 0600"
p eligibility 2019 --format csv --lang zh >"$tmp/zh-stdout.csv" 2>/dev/null
python3 - "$tmp/zh.csv" "$tmp/e.csv" "$tmp/zh-stdout.csv" <<'PY' || fail "the Chinese CSV is not the English one with Chinese labels"
import csv, io, sys
def rows(path):
    return list(csv.reader(io.StringIO(open(path, encoding="utf-8-sig", newline="").read(), newline="")))
zh, en = rows(sys.argv[1]), rows(sys.argv[2])
assert zh[:-1] == rows(sys.argv[3]), "the file does not begin with the list --format csv --lang zh prints"
assert zh[0] == ["人员", "名称", "单位", "类别", "结果", "需人工复核", "依据", "依据事件"], zh[0]
assert len(zh) == len(en) and len(zh[0]) == len(en[0]), (len(zh), len(en))
outcomes, category = en[0].index("outcomes"), en[0].index("category")
assert zh[1][outcomes] != en[1][outcomes], zh[1]
for z, e in zip(zh[1:-1], en[1:-1]):
    # an outcome cell and a category cell are Chinese: no Latin letter left in them
    assert not any(c.isascii() and c.isalpha() for c in z[outcomes] + z[category]), z
    assert z[outcomes].count(";") == e[outcomes].count(";"), (z, e)
    same = [i for i in range(len(e)) if i not in (outcomes, category)]
    assert [z[i] for i in same] == [e[i] for i in same], (z, e)
assert zh[-1][0] == "#probity" and zh[-1][1] == "eligibility 2019 --lang zh", zh[-1][:2]
PY
audit report "$tmp/zh.csv" --vkey "$vkey" >"$tmp/audit.out" || fail "probity-audit refused a true Chinese CSV: $(cat "$tmp/audit.out")"
grep -q "eligibility 2019 --lang zh" "$tmp/audit.out" || fail "probity-audit does not name the Chinese export's command"
# English stays the default, whatever the locale, and --lang en is the same bytes.
p eligibility 2019 --format csv -o "$tmp/en.csv" >/dev/null
cmp -s "$tmp/e.csv" "$tmp/en.csv" || fail "the English export changed"
p eligibility 2019 --format csv --lang en -o "$tmp/en2.csv" >/dev/null
cmp -s "$tmp/e.csv" "$tmp/en2.csv" || fail "--lang en wrote other bytes than the default"
LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 p eligibility 2019 --format csv >"$tmp/locale.csv" 2>/dev/null
head -c 64 "$tmp/locale.csv" | grep -q $'^\xef\xbb\xbfperson,name,unit,category,outcomes' ||
  fail "a Chinese locale changed the default CSV: $(head -n 1 "$tmp/locale.csv")"
cmp -s "$tmp/locale.csv" "$tmp/stdout.csv" || fail "a Chinese locale changed the default CSV's bytes"
# The units' list too; and the workbook.
p eligibility 2019 --units --format csv --lang zh -o "$tmp/zh-units.csv" >/dev/null
python3 - "$tmp/zh-units.csv" <<'PY' || fail "the units' Chinese CSV is not labelled"
import csv, io, sys
rows = list(csv.reader(io.StringIO(open(sys.argv[1], encoding="utf-8-sig", newline="").read(), newline="")))
assert rows[0][:2] == ["单位", "名称"], rows[0]
assert "领导班子年终考核加分" in rows[1][2] or "年度不得评优评先" in rows[1][2], rows[1]
assert rows[-1][1] == "eligibility 2019 --units --lang zh", rows[-1][:2]
PY
audit report "$tmp/zh-units.csv" --vkey "$vkey" >/dev/null || fail "probity-audit refused the units' Chinese CSV"
p eligibility 2019 --lang zh -o "$tmp/zh.xlsx" >/dev/null
p eligibility 2019 --lang zh -o "$tmp/zh2.xlsx" >/dev/null
cmp -s "$tmp/zh.xlsx" "$tmp/zh2.xlsx" || fail "the same Chinese xlsx export gave other bytes"
audit report "$tmp/zh.xlsx" --vkey "$vkey" >/dev/null || fail "probity-audit refused a true Chinese xlsx"
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  /usr/bin/python3 - "$tmp/zh.xlsx" "$tmp/zh.csv" <<'PY' || fail "the Chinese workbook holds other cells than the Chinese CSV"
import csv, io, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
rows = [list(r) for r in wb["eligibility 2019"].iter_rows(values_only=True)]
text = open(sys.argv[2], encoding="utf-8-sig", newline="").read()
assert rows == list(csv.reader(io.StringIO(text, newline="")))[:-1], rows[:2]
basis = {r[0]: r[1] for r in wb["basis"].iter_rows(values_only=True)}
assert basis["command"] == "eligibility 2019 --lang zh", basis["command"]
PY
fi
# --lang is refused where it would change nothing: JSON (always the codes), the table, a
# server's CSV (English); and a language it does not know.
assert_exit 2 "--lang with --json" p eligibility 2019 --json --lang zh
grep -q "always name outcomes and categories by their codes" "$tmp/err" || fail "--lang with --json does not say why: $(cat "$tmp/err")"
assert_exit 2 "--lang with a .json export" p eligibility 2019 --lang zh -o "$tmp/x.json"
assert_exit 2 "--lang with the table" p eligibility 2019 --lang zh
assert_exit 2 "--lang fr" p eligibility 2019 --format csv --lang fr
assert_exit 2 "--lang zh with --server" "$probity" --server http://127.0.0.1:9 eligibility 2019 --format csv --lang zh
[ ! -e "$tmp/x.json" ] || fail "a refused export left a file"
echo "report_export.sh: ok"
