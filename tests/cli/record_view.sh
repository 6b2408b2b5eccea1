#!/usr/bin/env bash
# The readable record (issue 11): `probity record PERSON` shows each entry's seq, date,
# event type and fields by their labels, in English or Chinese (--lang, else the
# locale), its signer with the role's label, a withdrawn entry marked with its
# retraction, and the basis; it fits 80 columns by display width (CJK characters take
# two) unless --wide; --json is the document as before, in every language; a server's
# answer is shown the same; a pager only on a terminal, never for a pipe.
# Usage: tests/cli/record_view.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
unset LC_ALL LC_MESSAGES PAGER COLUMNS LINES
export LANG=C.UTF-8

# with VAR=VALUE... ARGS: p ARGS in that environment (env, so that this shell never tries
# a locale it may not have).
with() {
  local -a vars=()
  while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
  env "${vars[@]}" "$probity" --data "$tmp/store" "$@"
}

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
# A commendation whose reason is long Chinese text, to be wrapped at display width.
long="在石家庄市大气污染防治强化监督定点帮扶工作中发现问题线索多、帮扶成效明显,带头表率作用突出,工作绩效优秀,作风硬朗,受到地方党委政府和群众的一致好评"
printf '%s\n' "{\"type\":\"commendationIssued\",\"subject\":{\"person\":\"P1\"},\"reason\":\"$long\",\"date\":\"2019-06-02\",\"evaluation\":\"EV-P1\"}" |
  p append --key "$tmp/keys/enforcement.pem" >/dev/null 2>"$tmp/err" || fail "append: $(cat "$tmp/err")"
size="$(p checkpoint | sed -n 2p)"
root="$(p checkpoint --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')"

# widest FILE: the widest line of FILE in terminal columns (East Asian Wide and Fullwidth
# characters take two).
widest() {
  python3 - "$1" <<'PY'
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(max((width(l) for l in open(sys.argv[1], encoding="utf-8").read().split("\n")), default=0))
PY
}
# joined FILE: FILE's lines joined by one space, their indents dropped.
joined() { sed 's/^ *//' "$1" | tr '\n' ' '; }

# ---- English: labels, fields, signer's role, the withdrawal, the basis -------------------------
p record P3 --lang en >"$tmp/en.txt" 2>"$tmp/err" || fail "record P3 --lang en: $(cat "$tmp/err")"
cat_en() { cat "$tmp/en.txt"; }
head -n 1 "$tmp/en.txt" | grep -qx "record of P3 李娜 (unit U2, public-institution staff)" ||
  fail "English header: $(head -n 1 "$tmp/en.txt")"
grep -q "^ *[0-9]*  2019-04-20  Training completed$" "$tmp/en.txt" || fail "no labelled event type: $(cat_en)"
grep -q "course: business knowledge; mode: tiered" "$tmp/en.txt" || fail "fields not labelled: $(cat_en)"
grep -q "signed by [0-9a-f]\{12\} dispatcher-u2, dispatching unit$" "$tmp/en.txt" ||
  fail "signer without its role's label: $(cat_en)"
c_p3="$(p record P3 --json | python3 -c 'import json,sys; print([e["seq"] for e in json.load(sys.stdin)["events"] if e["withdrawn"]][0])')"
r_p3="$(p record P3 --json | python3 -c 'import json,sys; print([e["withdrawnBy"] for e in json.load(sys.stdin)["events"] if e["withdrawn"]][0])')"
grep -q "^ *$c_p3  2019-12-31  Commendation issued  \[WITHDRAWN\]$" "$tmp/en.txt" ||
  fail "the withdrawn entry is not marked on its first line: $(cat_en)"
python3 - "$tmp/en.txt" "$c_p3" "$r_p3" <<'PY' || fail "the withdrawal is not under its entry: $(cat_en)"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
first = next(i for i, l in enumerate(lines) if l.lstrip().startswith(sys.argv[2] + "  "))
block = []
for l in lines[first + 1:]:
    if not l.startswith("         "):
        break
    block.append(l.strip())
assert "WITHDRAWN by seq %s: issued to the wrong person" % sys.argv[3] in block, block
PY
grep -q "^ *$r_p3  [0-9-]*  Retraction$" "$tmp/en.txt" || fail "no retraction entry: $(cat_en)"
grep -q "target: $c_p3; reason: issued to the wrong person" "$tmp/en.txt" || fail "retraction fields: $(cat_en)"
joined "$tmp/en.txt" | grep -qF "computed at tree size $size, root $root (check it: probity prove consistency $size <latest size>)" ||
  fail "no basis: $(cat_en)"
p record P1 --lang en >"$tmp/p1-en.txt"
grep -q "reason: completed" "$tmp/p1-en.txt" || fail "assignmentEnded's reason: $(cat "$tmp/p1-en.txt")"
joined "$tmp/p1-en.txt" | grep -q "subject: person P1; period: 2019 round 1; grade: good" ||
  fail "an object-valued field: $(cat "$tmp/p1-en.txt")"
joined "$tmp/p1-en.txt" | grep -q "distributedTo: ministry leaders, HR department, party committee, sending unit" ||
  fail "an array of labelled values: $(cat "$tmp/p1-en.txt")"

# ---- Chinese by --lang, and each language by the locale ------------------------------------------
p record P3 --lang zh >"$tmp/zh.txt"
head -n 1 "$tmp/zh.txt" | grep -qx "李娜(P3)的记录:单位 U2,事业编制" || fail "Chinese header: $(head -n 1 "$tmp/zh.txt")"
grep -q "  完成培训$" "$tmp/zh.txt" || fail "Chinese event type: $(cat "$tmp/zh.txt")"
grep -q "课程:业务知识;方式:分级培训" "$tmp/zh.txt" || fail "Chinese fields: $(cat "$tmp/zh.txt")"
grep -q "签名者:[0-9a-f]\{12\} dispatcher-u2,派员单位$" "$tmp/zh.txt" || fail "Chinese signer: $(cat "$tmp/zh.txt")"
grep -q "^ *$c_p3  2019-12-31  通报表扬  \[已撤回\]$" "$tmp/zh.txt" || fail "Chinese withdrawn mark: $(cat "$tmp/zh.txt")"
grep -q "已撤回:序号 $r_p3(issued to the wrong person)" "$tmp/zh.txt" || fail "Chinese withdrawal: $(cat "$tmp/zh.txt")"
joined "$tmp/zh.txt" | grep -qF "computed at tree size $size, root $root" || fail "no basis in Chinese: $(cat "$tmp/zh.txt")"
p record P1 --lang zh | grep -q "原因:完成" || fail "assignmentEnded's reason is not labelled in Chinese"
with LANG=zh_CN.UTF-8 record P3 >"$tmp/out"
cmp -s "$tmp/out" "$tmp/zh.txt" || fail "LANG=zh_CN.UTF-8 is not Chinese: $(head -n 2 "$tmp/out")"
with LANG=en_US.UTF-8 record P3 >"$tmp/out"
cmp -s "$tmp/out" "$tmp/en.txt" || fail "LANG=en_US.UTF-8 is not English: $(head -n 2 "$tmp/out")"
with LANG=zh_CN.UTF-8 LC_MESSAGES=C record P3 >"$tmp/out"
cmp -s "$tmp/out" "$tmp/en.txt" || fail "LC_MESSAGES does not come before LANG"
with LANG=en_US.UTF-8 LC_ALL=zh_CN.UTF-8 record P3 >"$tmp/out"
cmp -s "$tmp/out" "$tmp/zh.txt" || fail "LC_ALL does not come first"
with LANG=zh_CN.UTF-8 record P3 --lang en >"$tmp/out"
cmp -s "$tmp/out" "$tmp/en.txt" || fail "--lang en does not win over the locale"
rc=0; p record P3 --lang fr >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "lang must be zh or en" "$tmp/err" || fail "--lang fr: exit $rc: $(cat "$tmp/err")"

# ---- 80 columns by display width; --wide does not wrap ---------------------------------------------
for person in P1 P2 P3 P4 P5; do
  for lang in en zh; do
    p record "$person" --lang "$lang" >"$tmp/out"
    w="$(widest "$tmp/out")"
    [ "$w" -le 80 ] || fail "record $person --lang $lang has a line $w columns wide: $(cat "$tmp/out")"
    # With COLUMNS set, still 80 when stdout is not a terminal.
    with COLUMNS=40 record "$person" --lang "$lang" | cmp -s - "$tmp/out" ||
      fail "COLUMNS changed the width of output to a pipe"
  done
done
p record P1 --lang zh >"$tmp/p1-zh.txt"
grep -q "^           " "$tmp/p1-zh.txt" || fail "the long Chinese reason is not wrapped with a hanging indent: $(cat "$tmp/p1-zh.txt")"
joined "$tmp/p1-zh.txt" | sed 's/ //g' | grep -qF "原因:$long" || fail "the wrapped reason lost text: $(cat "$tmp/p1-zh.txt")"
p record P1 --lang zh --wide >"$tmp/p1-wide.txt"
[ "$(widest "$tmp/p1-wide.txt")" -gt 80 ] || fail "--wide wrapped: $(cat "$tmp/p1-wide.txt")"
grep -qF "原因:$long;" "$tmp/p1-wide.txt" || fail "--wide broke the reason: $(cat "$tmp/p1-wide.txt")"
grep -qx "computed at tree size $size, root $root (check it: probity prove consistency $size <latest size>)" "$tmp/p1-wide.txt" ||
  fail "--wide: the basis is not one line: $(tail -n 3 "$tmp/p1-wide.txt")"
[ "$(wc -l <"$tmp/p1-wide.txt")" -lt "$(wc -l <"$tmp/p1-zh.txt")" ] || fail "--wide has no fewer lines"

# ---- --json: the document, whatever the language, width or pager -------------------------------------
p record P3 --json >"$tmp/a.json"
python3 - "$tmp/a.json" "$size" <<'PY' || fail "--json: $(cat "$tmp/a.json")"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("}\n") and text.count("\n") == 1, "not one line"
d = json.loads(text)
assert list(d)[:5] == ["person", "name", "unit", "category", "events"], list(d)
assert d["category"] == "publicInstitution" and d["events"][0]["type"] == "personRegistered"
assert all(set(e) >= {"seq", "date", "type", "signer", "withdrawn", "event"} for e in d["events"])
assert d["checkpoint"]["treeSize"] == int(sys.argv[2]), d["checkpoint"]
PY
for variant in "--lang zh" "--lang en --wide"; do
  # shellcheck disable=SC2086
  p record P3 --json $variant | cmp -s - "$tmp/a.json" || fail "--json $variant differs"
done
with LANG=zh_CN.UTF-8 PAGER=false record P3 --json | cmp -s - "$tmp/a.json" || fail "--json differs under a Chinese locale"

# ---- a pager only on a terminal -------------------------------------------------------------------
# Output to a pipe never goes through $PAGER (false would swallow it and fail).
with PAGER=false record P1 --lang en | cmp -s - "$tmp/p1-en.txt" || fail "a pipe went through the pager"
with PAGER="touch $tmp/paged" record P1 --lang en >"$tmp/out" || fail "record to a file with PAGER set"
[ ! -e "$tmp/paged" ] || fail "output to a file started the pager"
if command -v script >/dev/null 2>&1; then
  # On a terminal of 5 rows, a taller record goes through $PAGER; a shorter one and
  # --json do not.
  on_tty() { script -qec "$1" /dev/null </dev/null >/dev/null 2>&1 || true; }
  on_tty "env LINES=5 COLUMNS=80 PAGER='cat >$tmp/paged.txt' '$probity' --data '$tmp/store' record P1 --lang en"
  [ -s "$tmp/paged.txt" ] || fail "a record taller than the terminal did not go through \$PAGER"
  tr -d '\r' <"$tmp/paged.txt" | cmp -s - "$tmp/p1-en.txt" || fail "the pager was given other text: $(cat "$tmp/paged.txt")"
  rm -f "$tmp/paged.txt"
  on_tty "env LINES=500 COLUMNS=80 PAGER='cat >$tmp/paged.txt' '$probity' --data '$tmp/store' record P1 --lang en"
  [ ! -e "$tmp/paged.txt" ] || fail "a record shorter than the terminal went through the pager"
  on_tty "env LINES=5 COLUMNS=80 PAGER='cat >$tmp/paged.txt' '$probity' --data '$tmp/store' record P1 --json"
  [ ! -e "$tmp/paged.txt" ] || fail "--json went through the pager"
  # On a terminal 60 columns wide, lines fit 60.
  script -qec "env LINES=500 COLUMNS=60 '$probity' --data '$tmp/store' record P1 --lang zh" /dev/null \
    </dev/null | tr -d '\r' >"$tmp/narrow.txt"
  grep -q "^computed at tree size" "$tmp/narrow.txt" || fail "no record on the terminal: $(cat "$tmp/narrow.txt")"
  [ "$(widest "$tmp/narrow.txt")" -le 60 ] || fail "lines wider than the terminal's 60 columns: $(cat "$tmp/narrow.txt")"
fi

# ---- from a server: the same view ------------------------------------------------------------------
start_server
for lang in en zh; do
  p record P3 --lang "$lang" >"$tmp/local.txt"
  "$probity" --server "$url" record P3 --key "$tmp/keys/hr.pem" --lang "$lang" >"$tmp/remote.txt" 2>"$tmp/err" ||
    fail "record through the server: $(cat "$tmp/err")"
  cmp -s "$tmp/local.txt" "$tmp/remote.txt" || fail "the server's record is shown otherwise ($lang): $(diff "$tmp/local.txt" "$tmp/remote.txt")"
done
# A dispatcher is told only whether a restriction is in force (R1).
"$probity" --server "$url" record P2 --key "$tmp/keys/dispatcher-u1.pem" --lang en >"$tmp/remote.txt" 2>"$tmp/err" ||
  fail "a dispatcher's read: $(cat "$tmp/err")"
sed -n 2p "$tmp/remote.txt" | grep -qx "restriction in force (R1): yes" || fail "a dispatcher's record: $(cat "$tmp/remote.txt")"
grep -qi "pregnan\|Restriction recorded" "$tmp/remote.txt" && fail "a dispatcher sees the restriction: $(cat "$tmp/remote.txt")"
"$probity" --server "$url" record P2 --key "$tmp/keys/dispatcher-u1.pem" --lang zh | sed -n 2p |
  grep -qx "不宜派出情形(R1):有" || fail "a dispatcher's record in Chinese"

echo "record_view.sh: ok"
