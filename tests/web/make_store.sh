#!/usr/bin/env bash
# Builds the small store the browser test reads (a few seconds, not the demo's 30 s):
# three units, five persons, keys of every role, trainings, assignments, leave,
# evaluations, commendations and criticisms, one retraction. Modelled on
# tests/cli/program.sh; every event is accepted by the rules.
#   bash tests/web/make_store.sh PATH/TO/probity DIR
# Leaves DIR/store (the store) and DIR/keys/*.pem (PKCS#8 Ed25519, unencrypted).
set -euo pipefail

probity="${1:?usage: $0 PATH/TO/probity DIR}"
dir="${2:?usage: $0 PATH/TO/probity DIR}"
keys="$dir/keys"
mkdir -p "$keys"
unset PROBITY_DATA

fail() { echo "make_store.sh: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data "$dir/store" "$@"; }

# append_as WHO JSON...: appends the events signed by WHO's key; prints the last seq.
append_as() {
  local who="$1"; shift
  printf '%s\n' "$@" >"$dir/in.jsonl"
  p append --key "$keys/$who.pem" "$dir/in.jsonl" >"$dir/out" 2>"$dir/err" ||
    fail "as $who: $* -> $(cat "$dir/err")"
  tail -n 1 "$dir/out" | awk '{print $2}'
}

# keyreg NAME ROLE [unit=U | person=P]: the keyRegistered event for keys/NAME.pub.
keyreg() {
  python3 - "$keys/$1.pub" "$1" "$2" "${3:-}" <<'PY'
import json, sys
event = {"type": "keyRegistered", "publicKey": open(sys.argv[1]).read(), "holder": sys.argv[2], "role": sys.argv[3]}
if sys.argv[4]:
    k, v = sys.argv[4].split("=")
    event[k] = v
print(json.dumps(event, ensure_ascii=False))
PY
}

for who in admin hr enforcement reviewer auditor party dispatcher-u1 dispatcher-u2 guarantor-u1 leader-p1; do
  "$probity" keygen "$keys/$who.pem" --quiet >/dev/null || fail "keygen $who"
done
p init --admin-key "$keys/admin.pem" --origin probity.test/web >/dev/null || fail "init"

append_as admin \
  '{"type":"unitRegistered","unit":"U1","name":"大气环境司","kind":"ministryDepartment"}' \
  '{"type":"unitRegistered","unit":"U2","name":"华北督察局","kind":"dispatchedAgency"}' \
  '{"type":"unitRegistered","unit":"U3","name":"环境规划院","kind":"affiliatedInstitution"}' \
  "$(keyreg hr hr)" "$(keyreg enforcement enforcement)" "$(keyreg reviewer reviewer)" \
  "$(keyreg auditor auditor)" "$(keyreg party partyCommittee unit=U1)" \
  "$(keyreg dispatcher-u1 dispatcher unit=U1)" "$(keyreg dispatcher-u2 dispatcher unit=U2)" \
  "$(keyreg guarantor-u1 guarantor unit=U1)" \
  '{"type":"cityRegistered","city":"130100","name":"石家庄市","region":"jingjinji","guarantor":"U1"}' \
  '{"type":"cityRegistered","city":"110000","name":"北京市","region":"jingjinji","guarantor":"U2"}' \
  '{"type":"groupFormed","group":"G1","city":"130100","kind":"central","leadUnit":"U1","date":"2019-05-01","task":"大气污染防治专项督察"}' \
  '{"type":"groupFormed","group":"G2","city":"130100","kind":"ordinary","leadUnit":"U2","date":"2019-05-01"}' \
  >/dev/null
append_as hr \
  '{"type":"personRegistered","person":"P1","name":"张伟","unit":"U1","category":"civilServant"}' \
  '{"type":"personRegistered","person":"P2","name":"王芳","unit":"U1","category":"referenceManaged"}' \
  '{"type":"personRegistered","person":"P3","name":"李娜","unit":"U2","category":"publicInstitution"}' \
  '{"type":"personRegistered","person":"P4","name":"刘\"洋\", 二","unit":"U2","category":"contract"}' \
  '{"type":"personRegistered","person":"P5","name":"陈静","unit":"U1","category":"civilServant"}' \
  >/dev/null
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
append_as hr '{"type":"restrictionRecorded","person":"P2","reason":"pregnancy","from":"2019-05-01"}' >/dev/null
append_as dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A1","person":"P1","group":"G1","from":"2019-05-10","to":"2019-05-24","position":"leader"}' \
  >/dev/null
append_as dispatcher-u1 \
  '{"type":"assignmentMade","assignment":"A2","person":"P1","group":"G2","from":"2019-05-24","to":"2019-06-07","position":"member"}' \
  >/dev/null
append_as dispatcher-u2 \
  '{"type":"assignmentMade","assignment":"A3","person":"P3","group":"G1","from":"2019-05-24","to":"2019-06-07","position":"leader"}' \
  >/dev/null
append_as dispatcher-u1 '{"type":"assignmentEnded","assignment":"A1","date":"2019-05-24","reason":"completed"}' >/dev/null
append_as hr '{"type":"leaveGranted","person":"P1","days":2,"kind":"compensatory","from":"2019-06-10"}' >/dev/null
for subject in person:P1 person:P2 person:P3 person:P4 person:P5 unit:U1 unit:U2; do
  kind="${subject%%:*}"; id="${subject#*:}"
  append_as enforcement "{\"type\":\"evaluationRecorded\",\"evaluation\":\"EV-$id\",\"subject\":{\"$kind\":\"$id\"},\"period\":\"2019 round 1\",\"grade\":\"good\",\"summary\":\"s\",\"date\":\"2019-05-20\",\"distributedTo\":[\"ministryLeaders\",\"hrDepartment\",\"partyCommittee\",\"sendingUnit\"]}" >/dev/null
done
append_as leader-p1 '{"type":"reportFiled","group":"G1","date":"2019-05-15","kind":"workReport","summary":"week 1"}' >/dev/null
append_as enforcement '{"type":"commendationIssued","subject":{"person":"P1"},"reason":"组织有力","date":"2019-06-01","evaluation":"EV-P1"}' >/dev/null
append_as enforcement '{"type":"commendationIssued","subject":{"person":"P2"},"reason":"r","date":"2019-08-01","evaluation":"EV-P2"}' >/dev/null
append_as enforcement '{"type":"criticismIssued","subject":{"person":"P2"},"ground":"workDiscipline","reason":"r","date":"2019-07-01","evaluation":"EV-P2"}' >/dev/null
c_p3="$(append_as enforcement '{"type":"commendationIssued","subject":{"person":"P3"},"reason":"r","date":"2019-12-31","evaluation":"EV-P3"}')"
append_as enforcement '{"type":"commendationIssued","subject":{"person":"P4"},"reason":"r","date":"2019-09-01","evaluation":"EV-P4"}' >/dev/null
append_as enforcement '{"type":"commendationIssued","subject":{"unit":"U1"},"reason":"r","date":"2019-06-01","evaluation":"EV-U1"}' >/dev/null
append_as enforcement '{"type":"criticismIssued","subject":{"unit":"U2"},"ground":"poorOrganisation","reason":"r","date":"2019-06-01","evaluation":"EV-U2"}' >/dev/null
append_as admin "{\"type\":\"retraction\",\"target\":$c_p3,\"reason\":\"issued to the wrong person\"}" >/dev/null
rm -f "$dir/in.jsonl" "$dir/out" "$dir/err"
p checkpoint | sed -n 2p
