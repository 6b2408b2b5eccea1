#!/usr/bin/env bash
# The command line as git and kubectl users assert_exit it (issue 11): "did you mean" on a
# mistyped command or option, in one line and without the whole help; `probity help
# COMMAND`; global options (--data) after the command as well as before; and one exit
# status per kind of error (docs/interface.md): a bad date is bad usage (2) in every
# command that takes one.
# Usage: tests/cli/usage.sh PATH/TO/probity
source "$(dirname "$0")/lib.sh" "$@"

one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$1: expected one line on stderr, got: $(cat "$tmp/err")"; }

"$probity" keygen "$tmp/admin.pem" --quiet >/dev/null
"$probity" --data "$tmp/store" init --admin-key "$tmp/admin.pem" --origin probity.test/usage >/dev/null
# keygen never overwrites a key: it names the file that exists (the private key first).
cp "$tmp/admin.pem" "$tmp/admin.pem.before"
assert_exit 1 "keygen onto a key" "$probity" keygen "$tmp/admin.pem"
grep -qx "probity keygen: $tmp/admin.pem already exists; not overwriting it" "$tmp/err" || fail "keygen onto a key: $(cat "$tmp/err")"
cmp -s "$tmp/admin.pem" "$tmp/admin.pem.before" || fail "keygen changed an existing key"

# A mistyped command: one line naming the nearest, exit 2.
assert_exit 2 "a typo" "$probity" --data "$tmp/store" recod P1
one_line "a typo"
grep -q "did you mean 'record'" "$tmp/err" || fail "no suggestion for recod: $(cat "$tmp/err")"
assert_exit 2 "two letters swapped" "$probity" --data "$tmp/store" verfiy
grep -q "did you mean 'verify'" "$tmp/err" || fail "no suggestion for verfiy: $(cat "$tmp/err")"
assert_exit 2 "nothing near" "$probity" --data "$tmp/store" zzzzzz
one_line "nothing near"
grep -q "did you mean" "$tmp/err" && fail "a suggestion for zzzzzz: $(cat "$tmp/err")"

# A mistyped option: the nearest option of that command.
assert_exit 2 "an option typo" "$probity" --data "$tmp/store" record P1 --jsno
one_line "an option typo"
grep -q "did you mean --json" "$tmp/err" || fail "no suggestion for --jsno: $(cat "$tmp/err")"

# help COMMAND is that command's help; help alone lists the commands.
assert_exit 0 "help record" "$probity" help record
grep -q "^usage: probity record PERSON" "$tmp/out" || fail "help record: $(head -1 "$tmp/out")"
"$probity" record --help | cmp -s - "$tmp/out" || fail "help record differs from record --help"
assert_exit 0 "help" "$probity" help
grep -q "^commands:" "$tmp/out" || fail "help does not list the commands"
assert_exit 2 "help of a typo" "$probity" help evidnce
grep -q "did you mean 'evidence'" "$tmp/err" || fail "help evidnce: $(cat "$tmp/err")"

# Global options after the command.
assert_exit 0 "--data after the command" "$probity" log --data "$tmp/store"
grep -q keyRegistered "$tmp/out" || fail "--data after the command read no store"
assert_exit 0 "--data=DIR after the command" "$probity" checkpoint --vkey "--data=$tmp/store"
assert_exit 2 "--data without a value" "$probity" log --data
# A command's option before the command: one line saying options go after it.
assert_exit 2 "--key before the command" "$probity" --server http://127.0.0.1:9 --key "$tmp/admin.pem" record P1
one_line "--key before the command"
grep -q -- "--key is not an option of probity itself.*go after the command: 'probity record \.\.\. --key \.\.\.'" "$tmp/err" ||
  fail "--key before the command: $(cat "$tmp/err")"
assert_exit 2 "--json= before the command" "$probity" --json=1 keys
grep -q -- "'probity keys \.\.\. --json \.\.\.'" "$tmp/err" || fail "--json=1 before the command: $(cat "$tmp/err")"

# --key on a local read (say $PROBITY_SERVER is set but --data given): what --key is for.
assert_exit 2 "--key on a local read" env PROBITY_SERVER=http://127.0.0.1:9 "$probity" --data "$tmp/store" record P1 --key "$tmp/admin.pem"
one_line "--key on a local read"
grep -q -- "--key signs the requests to a server .*here the store is local (--data $tmp/store)" "$tmp/err" ||
  fail "--key on a local read: $(cat "$tmp/err")"

# A bad date is bad usage everywhere.
assert_exit 2 "record --as-of" "$probity" --data "$tmp/store" record P1 --as-of 2019-13-01
assert_exit 2 "roster --date" "$probity" --data "$tmp/store" roster --date 2019-02-30
assert_exit 2 "evidence --as-of" "$probity" --data "$tmp/store" evidence P1 --as-of 20190101 -o "$tmp/x.html"
[ ! -e "$tmp/x.html" ] || fail "a refused evidence left a file"
echo "usage.sh: ok"
