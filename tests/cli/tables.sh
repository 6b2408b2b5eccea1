#!/usr/bin/env bash
# Report tables fit 80 columns (issue 11): eligibility, roster, explanations,
# unevaluated, leave and log wrap at the terminal's width, and at 80 columns when stdout
# is not a terminal (as here; tests/cli/record_view.sh proves the terminal's width with
# the same tools/terminal.h), CJK characters counting two; --wide leaves every line
# whole. Wrapping breaks lines; it never drops or changes a character.
#   bash tests/cli/tables.sh path/to/probity
source "$(dirname "$0")/lib.sh" "$@"

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null

# widest FILE: the widest line's display width, East Asian wide characters counting two.
widest() {
  python3 -c '
import sys, unicodedata
print(max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l.rstrip("\n"))
           for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$1"
}
# words FILE: its characters but spaces and line breaks, in order (a line may also break
# between two CJK characters, where there is no space).
words() { tr -d ' \n' <"$1" | fold -w 60; }

for cmd in "eligibility 2019" "eligibility 2019 --units" "roster --date 2019-06-01" "explanations" \
           "unevaluated 2019" "leave P1" "log"; do
  read -r -a argv <<<"$cmd"
  p "${argv[@]}" >"$tmp/narrow" 2>"$tmp/err" || fail "$cmd: $(cat "$tmp/err")"
  w="$(widest "$tmp/narrow")"
  assert "$cmd: a line of $w columns" [ "$w" -le 80 ]
  p "${argv[@]}" --wide >"$tmp/wide" 2>"$tmp/err" || fail "$cmd --wide: $(cat "$tmp/err")"
  diff <(words "$tmp/narrow") <(words "$tmp/wide") >/dev/null ||
    fail "$cmd: wrapping changed the words: $(diff <(words "$tmp/narrow") <(words "$tmp/wide") | head -5)"
done

# The test store's lines are longer than 80 columns: wrapped, and whole with --wide.
for cmd in "eligibility 2019" "log"; do
  read -r -a argv <<<"$cmd"
  p "${argv[@]}" --wide >"$tmp/wide"
  assert "$cmd --wide: no line is longer than 80 columns" [ "$(widest "$tmp/wide")" -gt 80 ]
  p "${argv[@]}" >"$tmp/narrow"
  assert "$cmd: nothing was wrapped" [ "$(wc -l <"$tmp/narrow")" -gt "$(wc -l <"$tmp/wide")" ]
done

echo "tables.sh: ok"
