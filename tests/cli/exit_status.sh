#!/usr/bin/env bash
# One exit status per kind of error, in every command (interface.md): 0 done, 1 refused
# or a check failed, 2 bad usage, 3 the store missing, locked or damaged. The same
# mistake made to each command must give the same status, and a one-line error naming it.
#   bash tests/cli/exit_status.sh path/to/probity
source "$(dirname "$0")/lib.sh" "$@"

bash "$here/../web/make_store.sh" "$probity" "$tmp" >/dev/null
keys="$tmp/keys"
missing="$tmp/no-such-store"

# assert_line_exit CODE WHAT CMD...: as expect, and stderr is one line when CODE is not 0.
assert_line_exit() {
  assert_exit "$@"
  [ "$1" -eq 0 ] || [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
    fail "$2: stderr is not one line: $(cat "$tmp/err")"
}

# Read commands, each with arguments that succeed on the store.
reads=(
  "record P1" "roster" "eligibility 2019" "leave P1" "explanations" "unevaluated 2019"
  "log --limit 1" "show 0" "prove inclusion 0" "checkpoint" "find P" "persons" "units"
  "keys" "verify"
)
for cmd in "${reads[@]}"; do
  read -r -a argv <<<"$cmd"
  assert_line_exit 0 "$cmd" p "${argv[@]}"
  # An option no command has: bad usage.
  assert_line_exit 2 "$cmd --no-such-option" p "${argv[@]}" --no-such-option
  # No store there: 3, and nothing is created.
  assert_line_exit 3 "$cmd on a missing store" "$probity" --data "$missing" "${argv[@]}"
  [ ! -e "$missing" ] || fail "$cmd created $missing"
done

# A date that is not one: bad usage, in every command that takes one.
for cmd in "record P1 --as-of 2019-13-40" "roster --date 2019-02-30" "evidence P1 -o $tmp/x.html --as-of yesterday"; do
  read -r -a argv <<<"$cmd"
  assert_line_exit 2 "$cmd" p "${argv[@]}"
  grep -q "DATE\|date" "$tmp/err" || fail "$cmd: the error does not name the date: $(cat "$tmp/err")"
done
# A year or a number that is not one: bad usage.
for cmd in "eligibility 19x" "unevaluated -1" "explanations --year MMXIX" "show seven" \
           "log --from x" "log --limit -3" "prove inclusion x" "checkpoint --size y" \
           "record P1 --as-of-seq z"; do
  read -r -a argv <<<"$cmd"
  assert_line_exit 2 "$cmd" p "${argv[@]}"
done
# A missing argument: bad usage.
for cmd in "record" "leave" "eligibility" "unevaluated" "show" "find" "evidence P1" "prove"; do
  read -r -a argv <<<"$cmd"
  assert_line_exit 2 "$cmd (missing argument)" p "${argv[@]}"
done

# Something that is not there: refused, 1, naming it.
for cmd in "record P999" "leave P999" "evidence P999 -o $tmp/y.html" "show 999999"; do
  read -r -a argv <<<"$cmd"
  assert_line_exit 1 "$cmd" p "${argv[@]}"
  grep -q "999" "$tmp/err" || fail "$cmd: the error does not name what is missing: $(cat "$tmp/err")"
done
[ ! -e "$tmp/y.html" ] || fail "a refused evidence export left a file"
assert_line_exit 1 "prove inclusion beyond the tree" p prove inclusion 999999
assert_line_exit 1 "find nothing" p find 不存在

# Writes: a bad key file is refused (1) before the store is touched; usage is 2.
printf '{"type":"unitRegistered","id":"u-x","unit":"UX","name":"X","kind":"ministryDepartment"}\n' >"$tmp/one.jsonl"
assert_line_exit 2 "append without --key" p append "$tmp/one.jsonl"
assert_line_exit 1 "append with a key file that is not one" p append --key "$tmp/one.jsonl" "$tmp/one.jsonl"
assert_line_exit 3 "append to a missing store" "$probity" --data "$missing" append --key "$keys/admin.pem" "$tmp/one.jsonl"
[ ! -e "$missing" ] || fail "append created $missing"
assert_line_exit 2 "erase without --reason" p erase 1 --key "$keys/hr.pem"
assert_line_exit 2 "an unknown command" p recrod P1
grep -q "record" "$tmp/err" || fail "no did-you-mean: $(cat "$tmp/err")"

# A locked store: 3 for a writer, naming the lock; readers still read.
start_server
assert_line_exit 3 "append while a server holds the store" p append --key "$keys/admin.pem" "$tmp/one.jsonl"
grep -q "locked" "$tmp/err" || fail "the error does not say locked: $(cat "$tmp/err")"
assert_line_exit 0 "record while a server holds the store" p record P1
stop_server

echo "exit_status.sh: ok"
