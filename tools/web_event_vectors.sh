#!/usr/bin/env bash
# Writes tests/web/event_vectors.json: one event of every Event member (and the variants
# that change the layout: optional fields, enums at 0 that truncate a data section, a
# Subject of each kind, a sealed field), as `probity sign` encodes and signs them, with
# the signer's raw public key. verify_test.mjs decodes each body in the page's code and
# compares it with the JSON probity's codec wrote. Run again only if the schema changes.
#   bash tools/web_event_vectors.sh PATH/TO/probity
set -euo pipefail
probity="${1:?usage: $0 PATH/TO/probity}"
here="$(cd "$(dirname "$0")/../tests/web" && pwd)"  # where the vectors live
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$probity" keygen "$tmp/k.pem" --quiet >/dev/null
cat >"$tmp/events.jsonl" <<'JSONL'
{"type":"unitRegistered","unit":"U1","name":"大气环境司","kind":"ministryDepartment"}
{"type":"unitRegistered","unit":"U9","name":"河北省生态环境厅","kind":"provincialDepartment","province":"13"}
{"type":"personRegistered","person":"P4","name":"刘\"洋\", 二","unit":"U2","category":"contract"}
{"type":"personRegistered","person":"P7","name":"O'Brien (欧)","unit":"U1","category":"civilServant"}
{"type":"keyRegistered","publicKey":"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAntPYJ0tqypyT5zXPUXkESE0OY41ocldlzD36Yp1QsRg=\n-----END PUBLIC KEY-----\n","holder":"leader","role":"groupLeader","person":"P1"}
{"type":"keyRevoked","keyId":"2329884674b71ef52158affa52a495f7635c1643633dccec8fcf4c4a51dc5bdd","reason":"lost"}
{"type":"cityRegistered","city":"130100","name":"石家庄市","region":"fenwei","guarantor":"U1"}
{"type":"groupFormed","group":"G1","city":"130100","kind":"special","leadUnit":"U1","date":"2019-05-01","task":"秋冬季"}
{"type":"groupDisbanded","group":"G1","date":"2019-06-30"}
{"type":"partyBranchFormed","city":"130100","leadUnit":"U1","secretary":"P1","date":"2019-05-02"}
{"type":"trainingCompleted","person":"P1","course":"integrity","mode":"other","date":"2019-04-20","note":"on site"}
{"type":"trainingCompleted","person":"P1","course":"business","mode":"centralized","date":"2019-04-20"}
{"type":"restrictionRecorded","person":"P2","reason":"health","from":"2019-05-01","until":"2019-06-01"}
{"type":"restrictionLifted","person":"P2","date":"2019-06-01"}
{"type":"assignmentMade","assignment":"A1","person":"P1","group":"G1","from":"2019-05-10","to":"2019-05-24","position":"leader"}
{"type":"assignmentEnded","assignment":"A1","date":"2019-05-20","reason":"recalled"}
{"type":"leaveGranted","person":"P1","days":70000,"kind":"rotation","from":"2019-06-10"}
{"type":"reportFiled","group":"G1","date":"2019-05-15","kind":"assistance","summary":"week 1"}
{"type":"evaluationRecorded","evaluation":"EV-U2","subject":{"unit":"U2"},"period":"2019 round 1","grade":"poor","summary":"s","date":"2019-05-20","distributedTo":["sendingUnit","hrDepartment"]}
{"type":"evaluationRecorded","evaluation":"EV-P1","subject":{"person":"P1"},"period":"2019 round 1","grade":"outstanding","summary":"s","date":"2019-05-20","distributedTo":["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"]}
{"type":"commendationIssued","subject":{"person":"P1"},"reason":"组织有力","date":"2019-06-01","evaluation":"EV-P1"}
{"type":"criticismIssued","subject":{"unit":"U2"},"ground":"poorOrganisation","reason":"r","date":"2019-06-01","evaluation":"EV-U2"}
{"type":"targetAssessed","city":"130100","year":2019,"scope":"final","met":true,"date":"2020-01-10"}
{"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":false,"date":"2020-01-10"}
{"type":"explanationSubmitted","city":"130100","year":2019,"scope":"final","unit":"U1","date":"2020-01-20","summary":"why","principal":"王某"}
{"type":"retraction","target":45,"reason":"issued to the wrong person"}
{"type":"retraction","target":999999999999999,"reason":"the largest seq"}
{"type":"principalNamed","unit":"U1","name":"王某","date":"2019-01-01"}
{"type":"calendarPublished","year":2019,"holidays":["2019-10-01","2019-10-02"],"workdays":["2019-09-29"]}
{"type":"erasure","target":28,"reason":"retention ended"}
JSONL
"$probity" sign --key "$tmp/k.pem" --origin probity.test/web "$tmp/events.jsonl" >"$tmp/signed.jsonl"
python3 - "$tmp/k.pub" "$tmp/signed.jsonl" "$here/event_vectors.json" <<'PY'
import base64, json, sys
der = base64.b64decode("".join(l for l in open(sys.argv[1]).read().split("\n") if l and not l.startswith("-----")))
envelopes = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
out = {"comment": "written by tools/web_event_vectors.sh with probity sign",
       "origin": "probity.test/web", "publicKey": base64.b64encode(der[-32:]).decode(),
       "envelopes": envelopes}
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
PY
echo "wrote $here/event_vectors.json" >&2
