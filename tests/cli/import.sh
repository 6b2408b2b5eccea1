#!/usr/bin/env bash
# import (issue 11): a spreadsheet (CSV or .xlsx) becomes signed events in one submission.
# The template is importable as it is; a UTF-8 byte-order mark, CRLF, quoted commas and
# columns in any order are read; importing the same file again stores nothing twice; a
# bad header, a short row, an empty cell, a bad value or a rule refuses the whole file,
# naming the line, with nothing appended; the signer's role is the ledger's to judge.
# Usage: tests/cli/import.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"
# refused WHAT LINE ARGS...: exit 1, the error names "line LINE", the log did not grow.
refused() {
  local what="$1" line="$2"; shift 2
  local before after
  before="$(p checkpoint | sed -n 2p)"
  assert_exit 1 "$what" p "$@"
  grep -q "line $line" "$tmp/err" || fail "$what: the error does not name line $line: $(cat "$tmp/err")"
  after="$(p checkpoint | sed -n 2p)"
  [ "$before" = "$after" ] || fail "$what: the log grew from $before to $after"
}

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
hr="$tmp/keys/hr.pem"

# The template imports as it is (with a unit it names).
p import units --template >"$tmp/units.csv"
head -1 "$tmp/units.csv" | grep -qx "unit,name,kind,province" || fail "units template header"
assert_exit 0 "the units template" p import units "$tmp/units.csv" --key "$tmp/keys/admin.pem"
p import persons --template >"$tmp/persons.csv"
assert_exit 0 "the persons template" p import persons "$tmp/persons.csv" --key "$hr"
p record P000001 | grep -q "张伟" || fail "the template's person is not registered"

# A sheet as Excel saves it: BOM, CRLF, a quoted comma, columns in another order.
printf '\xef\xbb\xbfname,category,unit,person\r\n"欧阳, 娜",contract,U2,P20\r\n周杰,civilServant,U1,P21\r\n' >"$tmp/sheet.csv"
assert_exit 0 "a sheet saved by a spreadsheet" p import persons "$tmp/sheet.csv" --key "$hr"
[ "$(grep -c '^seq ' "$tmp/out")" -eq 2 ] || fail "two rows, not two receipts: $(cat "$tmp/out")"
p persons --json | python3 -c '
import json, sys
v = {p["person"]: p for p in json.load(sys.stdin)["persons"]}
assert v["P20"]["name"] == "欧阳, 娜" and v["P20"]["category"] == "contract", v["P20"]
assert v["P21"]["unit"] == "U1", v["P21"]' || fail "the sheet's values"
# Again: every row already stored, nothing new.
assert_exit 0 "the same sheet again" p import persons "$tmp/sheet.csv" --key "$hr"
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
assert_exit 0 "an assignment" p import assignments "$tmp/a.csv" --key "$tmp/keys/dispatcher-u1.pem"
p record P1 --json | grep -q '"A9"' || fail "the imported assignment is not in the record"

# An .xlsx as a spreadsheet saves it (Debian's openpyxl: shared strings, deflated parts,
# dates stored as date serials); errors name the sheet's row.
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
  /usr/bin/python3 - "$tmp" <<'PY'
import datetime, sys, openpyxl
d = sys.argv[1]
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["person", "name", "unit", "category"])
ws.append(["P40", "王小明", "U1", "civilServant"])
ws.append(["P41", "李 & <娜>", "U2", "contract"])
wb.save(d + "/staff.xlsx")
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["assignment", "person", "group", "from", "to", "position"])
ws.append(["A10", "P1", "G1", datetime.date(2019, 8, 1), datetime.date(2019, 8, 15), "member"])
wb.save(d + "/assign.xlsx")
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["unit", "name", "kind", "province"])
ws.append(["U90", "某司", "ministryDepartment", None])  # a workbook leaves an empty last cell out
ws.append(["U91", "某厅", "provincialDepartment", "13"])
wb.save(d + "/units.xlsx")
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["person", "name", "unit", "category"])
ws.append(["P42", "a", "U1", "contract"])
ws.append(["P43", "b", "U1", "nosuch"])
wb.save(d + "/bad.xlsx")
PY
  assert_exit 0 "an xlsx" p import persons "$tmp/staff.xlsx" --key "$hr"
  p persons --json | grep -q '"name":"李 & <娜>"' || fail "the xlsx's text is not as written"
  assert_exit 0 "an xlsx with dates" p import assignments "$tmp/assign.xlsx" --key "$tmp/keys/dispatcher-u1.pem"
  p record P1 --json | grep -q '"from":"2019-08-01"' || fail "a date cell is not read as a date"
  assert_exit 0 "an xlsx row whose optional last cell is empty" p import units "$tmp/units.xlsx" --key "$tmp/keys/admin.pem"
  p units U90 --json | grep -q '"unit":"U90"' || fail "the row without its empty last cell was not imported"
  refused "a bad value in an xlsx" 3 import persons "$tmp/bad.xlsx" --key "$hr"
else
  echo "import.sh: openpyxl is missing (apt-get install python3-openpyxl): no xlsx was read" >&2
fi
# Hostile workbooks: a zip bomb (a part inflating past what it declares), not a zip.
python3 - "$tmp" <<'PY'
import struct, sys, zlib
def part(name, data, declared):
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    c = raw.compress(data) + raw.flush()
    crc = zlib.crc32(data)
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 33, crc, len(c), declared, len(name), 0) + name + c
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 8, 0, 33, crc, len(c), declared, len(name), 0, 0, 0, 0, 0, 0) + name
    return local, central
local, central = part(b"xl/workbook.xml", b"<" + b"a" * (50 << 20) + b"/>", 1000)
end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central), len(local), 0)
open(sys.argv[1] + "/bomb.xlsx", "wb").write(local + central + end)
open(sys.argv[1] + "/junk.xlsx", "wb").write(b"PK\x03\x04" + b"\0" * 100)
PY
refused_any() {
  local what="$1"; shift
  assert_exit 1 "$what" p "$@"
  grep -q "nothing was appended" "$tmp/err" || fail "$what: $(cat "$tmp/err")"
}
refused_any "a zip bomb" import persons "$tmp/bomb.xlsx" --key "$hr"
grep -q "declared size" "$tmp/err" || fail "a zip bomb: $(cat "$tmp/err")"
refused_any "a damaged workbook" import persons "$tmp/junk.xlsx" --key "$hr"

# Usage.
assert_exit 2 "an unknown kind" p import people "$tmp/ok.csv" --key "$hr"
assert_exit 2 "no file" p import persons --key "$hr"
assert_exit 2 "a file that is not there" p import persons "$tmp/x.xlsx" --key "$hr"
assert_exit 2 "a directory" p import persons "$tmp" --key "$hr"
grep -q "Is a directory" "$tmp/err" || fail "a directory read as an empty file: $(cat "$tmp/err")"
assert_exit 2 "no key" p import persons "$tmp/ok.csv"
echo "import.sh: ok"
