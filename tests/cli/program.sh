#!/usr/bin/env bash
# End to end through the real binary: the program's rules (R1-R15) refuse what they
# must with exit 1 and one line on stderr citing the rule, and the reports (eligibility
# as JSON and CSV, record, roster, leave, explanations) say what they must; rebuild and
# verify agree with the incremental store.
# Usage: tests/cli/program.sh PATH/TO/probity
set -euo pipefail

probity="${1:?usage: $0 PATH/TO/probity}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
keys="$tmp/keys"
mkdir -p "$keys"

fail() { echo "program.sh: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data "$tmp/store" "$@"; }
size() { p checkpoint | sed -n 2p; }

# append_as WHO JSON...: appends the events (one a line) signed by WHO's key; prints the last seq.
append_as() {
  local who="$1"; shift
  printf '%s\n' "$@" >"$tmp/in.jsonl"
  p append --key "$keys/$who.pem" "$tmp/in.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "as $who: $* -> exit $?: $(cat "$tmp/err")"
  tail -n 1 "$tmp/out" | awk '{print $2}'
}

# refused WHO JSON PATTERN...: exit 1, one line on stderr matching every PATTERN, nothing appended.
refused() {
  local who="$1" json="$2"; shift 2
  local before rc=0
  before="$(size)"
  printf '%s\n' "$json" | p append --key "$keys/$who.pem" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq 1 ] || fail "as $who: $json -> exit $rc, expected 1 ($(cat "$tmp/err"))"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "as $who: expected one line on stderr, got: $(cat "$tmp/err")"
  [ "$(size)" = "$before" ] || fail "as $who: a refused event changed the log size"
  for pattern in "$@"; do
    grep -qF -- "$pattern" "$tmp/err" || fail "as $who: '$pattern' not in: $(cat "$tmp/err")"
  done
}

# expect_exit CODE ARGS...: probity ARGS exits with CODE.
expect_exit() {
  local want="$1"; shift
  local rc=0
  p "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "probity $*: exit $rc, expected $want ($(cat "$tmp/err"))"
}

# keyreg NAME ROLE [unit=U | person=P]: the keyRegistered event for keys/NAME.pub.
keyreg() {
  python3 - "$keys/$1.pub" "$1" "$2" "${3:-}" <<'EOF'
import json, sys
event = {"type": "keyRegistered", "publicKey": open(sys.argv[1]).read(), "holder": sys.argv[2], "role": sys.argv[3]}
if sys.argv[4]:
    k, v = sys.argv[4].split("=")
    event[k] = v
print(json.dumps(event, ensure_ascii=False))
EOF
}

# check_json FILE PYTHON: runs PYTHON with `d` bound to the parsed JSON in FILE.
check_json() {
  python3 - "$1" "$2" <<'EOF' || fail "JSON check failed: $2 on $(head -c 2000 "$1")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[2])
EOF
}

# ---- keys and the store ------------------------------------------------------------------------
for who in admin hr enforcement party dispatcher-u1 dispatcher-u2 guarantor-u1 guarantor-u2 leader-p1; do
  "$probity" keygen "$keys/$who.pem" --quiet >/dev/null || fail "keygen $who"
done
p init --admin-key "$keys/admin.pem" --origin probity.test/program >/dev/null || fail "init"
expect_exit 1 init --admin-key "$keys/admin.pem"   # a store is already there

append_as admin \
  '{"type":"unitRegistered","unit":"U1","name":"大气环境司","kind":"ministryDepartment"}' \
  '{"type":"unitRegistered","unit":"U2","name":"华北督察局","kind":"dispatchedAgency"}' \
  '{"type":"unitRegistered","unit":"U3","name":"环境规划院","kind":"affiliatedInstitution"}' \
  "$(keyreg hr hr)" "$(keyreg enforcement enforcement)" "$(keyreg party partyCommittee unit=U1)" \
  "$(keyreg dispatcher-u1 dispatcher unit=U1)" "$(keyreg dispatcher-u2 dispatcher unit=U2)" \
  "$(keyreg guarantor-u1 guarantor unit=U1)" "$(keyreg guarantor-u2 guarantor unit=U2)" \
  '{"type":"cityRegistered","city":"130100","name":"石家庄市","region":"jingjinji","guarantor":"U1"}' \
  '{"type":"cityRegistered","city":"110000","name":"北京市","region":"jingjinji","guarantor":"U2"}' \
  '{"type":"groupFormed","group":"G1","city":"130100","kind":"central","leadUnit":"U1","date":"2019-05-01"}' \
  '{"type":"groupFormed","group":"G2","city":"130100","kind":"ordinary","leadUnit":"U2","date":"2019-05-01"}' \
  >/dev/null
append_as hr \
  '{"type":"personRegistered","person":"P1","name":"张伟","unit":"U1","category":"civilServant"}' \
  '{"type":"personRegistered","person":"P2","name":"王芳","unit":"U1","category":"referenceManaged"}' \
  '{"type":"personRegistered","person":"P3","name":"李娜","unit":"U2","category":"publicInstitution"}' \
  '{"type":"personRegistered","person":"P4","name":"刘\"洋\", 二","unit":"U2","category":"contract"}' \
  '{"type":"personRegistered","person":"P5","name":"陈静","unit":"U1","category":"civilServant"}' \
  >/dev/null
append_as hr \
  '{"type":"principalNamed","unit":"U1","name":"Li Si","date":"2019-04-01"}' \
  '{"type":"principalNamed","unit":"U2","name":"Wang Wu","date":"2019-04-01"}' >/dev/null
append_as admin "$(keyreg leader-p1 groupLeader person=P1)" >/dev/null
for person in P1 P2; do
  append_as dispatcher-u1 \
    "{\"type\":\"trainingCompleted\",\"person\":\"$person\",\"course\":\"business\",\"mode\":\"centralized\",\"date\":\"2019-04-20\"}" \
    "{\"type\":\"trainingCompleted\",\"person\":\"$person\",\"course\":\"integrity\",\"mode\":\"video\",\"date\":\"2019-04-20\"}" \
    >/dev/null
done
append_as dispatcher-u2 \
  '{"type":"trainingCompleted","person":"P3","course":"business","mode":"tiered","date":"2019-04-20"}' \
  '{"type":"trainingCompleted","person":"P3","course":"integrity","mode":"tiered","date":"2019-04-20"}' \
  >/dev/null

# ---- R1: a restriction refuses the assignment without saying which -----------------------------
append_as hr '{"type":"restrictionRecorded","person":"P2","reason":"pregnancy","from":"2019-05-01"}' >/dev/null
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A9","person":"P2","group":"G1","from":"2019-05-10","to":"2019-05-24","position":"member"}' \
  "restriction" "(R1)"
grep -qiE "pregnan|breastfeed|health" "$tmp/err" && fail "R1 refusal names the reason: $(cat "$tmp/err")"

# ---- R2: untrained -------------------------------------------------------------------------------
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A9","person":"P5","group":"G1","from":"2019-05-10","to":"2019-05-24","position":"member"}' \
  "(R2)"

# ---- R3 and the hand-over day --------------------------------------------------------------------
append_as dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A1","person":"P1","group":"G1","from":"2019-05-10","to":"2019-05-24","position":"leader"}' \
  >/dev/null
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A2","person":"P1","group":"G2","from":"2019-05-20","to":"2019-06-03","position":"member"}' \
  "(R3)"
append_as dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A2","person":"P1","group":"G2","from":"2019-05-24","to":"2019-06-07","position":"member"}' \
  >/dev/null
append_as dispatcher-u2 \
  '{"type":"assignmentMade","assignment":"A3","person":"P3","group":"G1","from":"2019-05-24","to":"2019-06-07","position":"leader"}' \
  >/dev/null

# ---- R4: another unit's person ------------------------------------------------------------------
refused dispatcher-u2 \
  '{"type":"assignmentMade","assignment":"A9","person":"P1","group":"G1","from":"2019-07-01","to":"2019-07-10","position":"member"}' \
  "(R4)"

# ---- R5: leave only from what ended assignments accrued ------------------------------------------
refused hr '{"type":"leaveGranted","person":"P1","days":1,"kind":"compensatory","from":"2019-06-10"}' "no assignment ended" "(R5)"
append_as dispatcher-u1 '{"type":"assignmentEnded","assignment":"A1","date":"2019-05-24","reason":"completed"}' >/dev/null
p leave P1 --json >"$tmp/leave.json" || fail "leave P1"
check_json "$tmp/leave.json" 'assert (d["accrued"], d["granted"], d["left"]) == (4, 0, 4), d'
refused hr '{"type":"leaveGranted","person":"P1","days":1,"kind":"compensatory","from":"2019-05-27"}' "inside assignment 'A2'" "(R5)"
append_as hr '{"type":"leaveGranted","person":"P1","days":4,"kind":"compensatory","from":"2019-06-10"}' >/dev/null
refused hr '{"type":"leaveGranted","person":"P1","days":1,"kind":"compensatory","from":"2019-06-17"}' "(R5)"
append_as hr '{"type":"leaveGranted","person":"P1","days":10,"kind":"rotation","from":"2019-06-17"}' >/dev/null
p leave P1 --json >"$tmp/leave.json" || fail "leave P1"
check_json "$tmp/leave.json" 'assert (d["accrued"], d["granted"], d["left"]) == (4, 4, 0), d'

# ---- R7: one central group per city -------------------------------------------------------------
refused admin \
  '{"type":"groupFormed","group":"G3","city":"130100","kind":"central","leadUnit":"U2","date":"2019-06-01"}' \
  "(R7)"

# ---- R10: evaluations the marks below rest on (R11, R12) -------------------------------------------
for subject in person:P1 person:P2 person:P3 person:P4 person:P5 unit:U1 unit:U2; do
  kind="${subject%%:*}"; id="${subject#*:}"
  append_as enforcement "{\"type\":\"evaluationRecorded\",\"evaluation\":\"EV-$id\",\"subject\":{\"$kind\":\"$id\"},\"period\":\"2019 round 1\",\"grade\":\"good\",\"summary\":\"s\",\"date\":\"2019-05-20\",\"distributedTo\":[\"ministryLeaders\",\"hrDepartment\",\"partyCommittee\",\"sendingUnit\"]}" >/dev/null
done

# ---- group leaders' reports; roles ---------------------------------------------------------------
append_as leader-p1 '{"type":"reportFiled","group":"G1","date":"2019-05-15","kind":"workReport","summary":"week 1"}' >/dev/null
refused leader-p1 '{"type":"reportFiled","group":"G2","date":"2019-05-15","kind":"workReport","summary":"x"}' "G2"
refused hr '{"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2019-06-01","evaluation":"EV-P1"}' "enforcement"
refused enforcement \
  '{"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2019-06-01","evaluation":"E404"}' \
  "E404"

# ---- references ----------------------------------------------------------------------------------
refused hr '{"type":"personRegistered","person":"P9","name":"x","unit":"U404","category":"contract"}' "U404"
refused hr '{"type":"personRegistered","person":"P1","name":"x","unit":"U1","category":"contract"}' "P1" "already"
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A9","person":"P5","group":"G404","from":"2019-07-01","to":"2019-07-10","position":"member"}' \
  "G404"
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A9","person":"P1","group":"G1","from":"2019-07-10","to":"2019-07-01","position":"member"}' \
  "'to'"

# ---- all or nothing: a refused line appends nothing, naming the line -----------------------------
before="$(size)"
printf '%s\n' \
  '{"type":"commendationIssued","subject":{"person":"P5"},"reason":"r","date":"2019-06-01","evaluation":"EV-P5"}' \
  '{"type":"commendationIssued","subject":{"person":"P404"},"reason":"r","date":"2019-06-01","evaluation":"EV-P404"}' \
  >"$tmp/batch.jsonl"
rc=0; p append --key "$keys/enforcement.pem" "$tmp/batch.jsonl" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 1 ] || fail "a batch with a refused line: exit $rc"
grep -q "line 2" "$tmp/err" || fail "the refused line is not named: $(cat "$tmp/err")"
grep -q "P404" "$tmp/err" || fail "the missing person is not named: $(cat "$tmp/err")"
[ "$(size)" = "$before" ] || fail "a refused batch appended something"

# ---- marks ---------------------------------------------------------------------------------------
refused party '{"type":"partyBranchFormed","city":"130100","leadUnit":"U1","secretary":"P5","date":"2019-05-05"}' "not on site" "(R8)"
append_as party '{"type":"partyBranchFormed","city":"130100","leadUnit":"U1","secretary":"P1","date":"2019-05-10"}' >/dev/null
c_p1="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P1"},"reason":"组织有力","date":"2019-06-01","evaluation":"EV-P1"}')"
c_p2="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P2"},"reason":"r","date":"2019-08-01","evaluation":"EV-P2"}')"
k_p2="$(append_as enforcement '{"type":"criticismIssued","subject":{"person":"P2"},"ground":"workDiscipline","reason":"r","date":"2019-07-01","evaluation":"EV-P2"}')"
c_p3="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P3"},"reason":"r","date":"2019-12-31","evaluation":"EV-P3"}')"
c_p4="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P4"},"reason":"r","date":"2019-09-01","evaluation":"EV-P4"}')"
c_p1b="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2020-01-01","evaluation":"EV-P1"}')"
c_u1="$(append_as enforcement '{"type":"commendationIssued","subject":{"unit":"U1"},"reason":"r","date":"2019-06-01","evaluation":"EV-U1"}')"
k_u2="$(append_as enforcement '{"type":"criticismIssued","subject":{"unit":"U2"},"ground":"poorOrganisation","reason":"r","date":"2019-06-01","evaluation":"EV-U2"}')"

# ---- R15: retractions ----------------------------------------------------------------------------
refused admin '{"type":"retraction","target":99999,"reason":"no such seq"}' "(R15)"
r_p3="$(append_as admin "{\"type\":\"retraction\",\"target\":$c_p3,\"reason\":\"issued to the wrong person\"}")"
refused admin "{\"type\":\"retraction\",\"target\":$c_p3,\"reason\":\"again\"}" "(R15)"
refused admin "{\"type\":\"retraction\",\"target\":$r_p3,\"reason\":\"undo\"}" "(R15)"
refused hr "{\"type\":\"retraction\",\"target\":$c_p1,\"reason\":\"x\"}" "admin"

# ---- R9: explanations ----------------------------------------------------------------------------
append_as enforcement '{"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":false,"date":"2020-01-15"}' >/dev/null
p explanations --json >"$tmp/x.json" || fail "explanations"
check_json "$tmp/x.json" 'assert [(o["city"], o["year"], o["scope"], o["guarantor"]) for o in d["open"]] == [("130100", 2019, "annual", "U1")], d'
refused guarantor-u2 \
  '{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U2","principal":"Wang Wu","date":"2020-02-01","summary":"s"}' \
  "(R9)"
refused guarantor-u1 \
  '{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U1","principal":"Zhang San","date":"2020-02-01","summary":"s"}' \
  "Li Si" "(R17)"
refused guarantor-u1 \
  '{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U1","principal":"Li Si","date":"2020-01-14","summary":"s"}' \
  "predates" "(R9)"
append_as guarantor-u1 \
  '{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U1","principal":"Li Si","date":"2020-02-01","summary":"s"}' \
  >/dev/null
refused guarantor-u1 \
  '{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U1","principal":"Li Si","date":"2020-02-02","summary":"s"}' \
  "(R9)"
p explanations --json >"$tmp/x.json" || fail "explanations"
check_json "$tmp/x.json" 'assert d["open"] == [], d'

# ---- R10: who served without an evaluation covering it -------------------------------------------
p unevaluated 2019 --json >"$tmp/u.json" || fail "unevaluated 2019"
check_json "$tmp/u.json" "
assert d['year'] == 2019 and 'checkpoint' in d, d
by = {o['person']: o for o in d['persons']}
assert set(by['P1']) == {'person', 'name', 'unit', 'assignments'}, by['P1']
assert by['P1']['name'] == '张伟' and by['P1']['unit'] == 'U1' and 'A1' in by['P1']['assignments'], by
"
p unevaluated 2019 --wide >"$tmp/u.txt" || fail "unevaluated 2019 (table)"
grep -q "without an evaluation covering that service (R10)" "$tmp/u.txt" || fail "unevaluated table: $(cat "$tmp/u.txt")"
expect_exit 2 unevaluated 19x
expect_exit 2 unevaluated

# ---- eligibility as JSON -------------------------------------------------------------------------
p eligibility 2019 --format json >"$tmp/e2019.json" 2>/dev/null || fail "eligibility 2019 --format json"
check_json "$tmp/e2019.json" "
lines = {l['person']: l for l in d}
assert sorted(lines) == ['P1', 'P2', 'P4'], sorted(lines)  # P3's commendation was retracted
for l in d:
    assert list(l) == ['person', 'name', 'unit', 'category', 'outcomes', 'reviewRequired', 'reasons', 'events'], list(l)
assert lines['P1']['name'] == '张伟' and lines['P1']['unit'] == 'U1' and lines['P1']['category'] == 'civilServant'
assert lines['P1']['outcomes'] == ['priorityInAssessment', 'priorityInAwards'], lines['P1']
assert lines['P1']['events'] == [$c_p1] and lines['P1']['reviewRequired'] is False, lines['P1']
assert lines['P2']['outcomes'] == ['barredFromExcellent'] and lines['P2']['reviewRequired'] is True, lines['P2']
assert lines['P2']['events'] == sorted([$c_p2, $k_p2]), lines['P2']
assert 'commended' in lines['P2']['reasons'] and 'criticised' in lines['P2']['reasons'], lines['P2']
assert lines['P4']['outcomes'] == ['gradeRaised', 'priorityInAwards'], lines['P4']
assert lines['P4']['name'] == '刘\"洋\", 二', lines['P4']
"
p eligibility 2020 --json >"$tmp/e2020.json" 2>/dev/null || fail "eligibility 2020 --json"
check_json "$tmp/e2020.json" "assert [(l['person'], l['events']) for l in d] == [('P1', [$c_p1b])], d"
p eligibility 2019 --units --format json >"$tmp/u2019.json" 2>/dev/null || fail "eligibility --units"
check_json "$tmp/u2019.json" "
lines = {l['unit']: l for l in d}
assert list(d[0]) == ['unit', 'name', 'outcomes', 'reviewRequired', 'reasons', 'events'], list(d[0])
assert lines['U1']['outcomes'] == ['leadershipBonus', 'priorityAdvancedCollective'] and lines['U1']['events'] == [$c_u1]
assert lines['U2']['outcomes'] == ['barredFromAwards'] and lines['U2']['events'] == [$k_u2]
assert lines['U1']['name'] == '大气环境司'
"

# ---- eligibility as CSV: BOM, header, CRLF, Chinese names, ';' lists ------------------------------
p eligibility 2019 --format csv >"$tmp/e2019.csv" 2>/dev/null || fail "eligibility 2019 --format csv"
python3 - "$tmp/e2019.csv" "$c_p2" "$k_p2" <<'EOF' || fail "CSV: $(head -c 2000 "$tmp/e2019.csv")"
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
assert raw.endswith(b"\r\n"), "last line does not end in CRLF"
body = raw.decode("utf-8-sig")
# Every line ends in CRLF; no bare LF outside quoted fields.
assert body.count("\n") == body.count("\r\n"), "line ends are not all CRLF"
assert body.split("\r\n")[0] == "person,name,unit,category,outcomes,reviewRequired,reasons,events", body.split("\r\n")[0]
rows = list(csv.DictReader(io.StringIO(open(sys.argv[1], encoding="utf-8-sig", newline="").read())))
by = {r["person"]: r for r in rows}
assert sorted(by) == ["P1", "P2", "P4"], sorted(by)
assert by["P1"]["name"] == "张伟", by["P1"]
assert by["P4"]["name"] == '刘"洋", 二', by["P4"]
assert by["P1"]["outcomes"] == "priorityInAssessment;priorityInAwards", by["P1"]
assert by["P2"]["outcomes"] == "barredFromExcellent" and by["P2"]["reviewRequired"] == "true", by["P2"]
assert by["P2"]["events"] == ";".join(sorted([sys.argv[2], sys.argv[3]], key=int)), by["P2"]
assert by["P1"]["reviewRequired"] == "false"
EOF
p eligibility 2019 --units --format csv >"$tmp/u2019.csv" 2>/dev/null || fail "eligibility --units --format csv"
python3 - "$tmp/u2019.csv" <<'EOF' || fail "units CSV: $(cat "$tmp/u2019.csv")"
import csv, sys
text = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
assert text.split("\r\n")[0] == "unit,name,outcomes,reviewRequired,reasons,events", text.split("\r\n")[0]
rows = {r["unit"]: r for r in csv.DictReader(text.splitlines())}
assert rows["U1"]["name"] == "大气环境司" and rows["U1"]["outcomes"] == "leadershipBonus;priorityAdvancedCollective"
EOF

# ---- record: withdrawn marks, the hidden R1 reason, as of a date or a seq --------------------------
p record P3 --json >"$tmp/r.json" || fail "record P3"
check_json "$tmp/r.json" "
e = {x['seq']: x for x in d['events']}
assert e[$c_p3]['withdrawn'] is True and e[$c_p3]['withdrawnBy'] == $r_p3, e[$c_p3]
assert e[$c_p3]['withdrawnReason'] == 'issued to the wrong person', e[$c_p3]
assert e[$r_p3]['type'] == 'retraction'
assert d['name'] == '李娜' and d['category'] == 'publicInstitution'
"
p record P3 --lang en >"$tmp/r.txt" || fail "record P3 (table)"
grep -q "WITHDRAWN by seq $r_p3: issued to the wrong person" "$tmp/r.txt" || fail "record does not mark the withdrawal: $(cat "$tmp/r.txt")"
p record P3 --as-of-seq "$((r_p3 - 1))" --json >"$tmp/r.json" || fail "record --as-of-seq"
check_json "$tmp/r.json" "
e = {x['seq']: x for x in d['events']}
assert e[$c_p3]['withdrawn'] is False, e[$c_p3]
assert $r_p3 not in e
"
p record P2 --json >"$tmp/r.json" || fail "record P2"
grep -qi "pregnan" "$tmp/r.json" && fail "record shows the restriction's reason without --include-sensitive"
for lang in en zh; do
  p record P2 --lang "$lang" >"$tmp/r.txt" || fail "record P2 (table, $lang)"
  grep -qi "pregnan" "$tmp/r.txt" && fail "record (table, $lang) shows the restriction's reason"
done
p record P2 --include-sensitive --json >"$tmp/r.json" || fail "record --include-sensitive"
grep -q "pregnancy" "$tmp/r.json" || fail "--include-sensitive does not show the reason"
p record P2 --as-of 2019-07-15 --json >"$tmp/r.json" || fail "record --as-of"
check_json "$tmp/r.json" "
seqs = [x['seq'] for x in d['events']]
assert $k_p2 in seqs and $c_p2 not in seqs, seqs
assert all(x['date'] <= '2019-07-15' for x in d['events']), d['events']
"
expect_exit 2 record P2 --as-of 2019-13-01
expect_exit 2 record P2 --as-of 2019-07-15 --as-of-seq 3
expect_exit 1 record P404

# ---- roster: the hand-over day shows each person once ----------------------------------------------------------
p roster --date 2019-05-24 --city 130100 --json >"$tmp/roster.json" || fail "roster"
check_json "$tmp/roster.json" "
c = d['cities'][0]
assert c['city'] == '130100' and c['name'] == '石家庄市' and c['secretary'] == 'P1' and c['secretaryName'] == '张伟', c
g = {x['group']: x for x in c['groups']}
assert g['G1']['kind'] == 'central' and g['G1']['leadUnit'] == 'U1' and g['G1']['leadUnitName'] == '大气环境司'
# P1 hands over from G1 to G2 this day: counted once, in G2.
assert sorted(m['person'] for m in g['G1']['members']) == ['P3'], g['G1']
assert sorted(m['person'] for m in g['G2']['members']) == ['P1'], g['G2']
"
p roster --date 2019-05-25 --city 130100 --json >"$tmp/roster.json" || fail "roster"
check_json "$tmp/roster.json" "
g = {x['group']: x for x in d['cities'][0]['groups']}
assert [m['person'] for m in g['G1']['members']] == ['P3'] and g['G1']['leader']['person'] == 'P3', g['G1']
"
expect_exit 1 roster --date 2019-05-25 --city 999999

# ---- usage and store errors ------------------------------------------------------------------------
expect_exit 2 eligibility
expect_exit 2 eligibility twenty
expect_exit 2 eligibility 2019 --format xml
rc=0; "$probity" --data "$tmp/nowhere" eligibility 2019 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "eligibility on a missing store: exit $rc, expected 3"

# ---- rebuild and verify ----------------------------------------------------------------------------
p eligibility 2019 --format json >"$tmp/before.json" 2>/dev/null
p roster --date 2019-05-24 --json >"$tmp/roster-before.json"
p verify >/dev/null 2>&1 || fail "verify before rebuild"
p rebuild >/dev/null 2>"$tmp/err" || fail "rebuild: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "rebuild wrote to a non-terminal stderr: $(cat "$tmp/err")"
p eligibility 2019 --format json >"$tmp/after.json" 2>/dev/null
cmp -s "$tmp/before.json" "$tmp/after.json" || fail "eligibility differs after rebuild"
p roster --date 2019-05-24 --json >"$tmp/roster-after.json"
cmp -s "$tmp/roster-before.json" "$tmp/roster-after.json" || fail "roster differs after rebuild"
p verify >/dev/null 2>&1 || fail "verify after rebuild"
# And the rules still hold after the rebuild.
refused dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A9","person":"P2","group":"G1","from":"2019-06-10","to":"2019-06-24","position":"member"}' \
  "(R1)"

echo "program.sh: ok"
