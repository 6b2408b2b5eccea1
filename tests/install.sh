#!/usr/bin/env bash
# `cmake --install` (issue 11): the binary and the independent checker in bin/, the
# man page probity(1), the bash and zsh completions and the guides, where a Debian user
# looks for them; the man page renders without a warning and documents every command;
# the bash completion completes commands, options and option values; the zsh one parses.
# Usage: tests/install.sh BUILD_DIR
set -Eeuo pipefail
trap 'echo "install.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

build="${1:?usage: $0 BUILD_DIR}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install.sh: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/usr" >"$tmp/install.log" || fail "cmake --install: $(cat "$tmp/install.log")"
for f in bin/probity bin/probity-audit share/man/man1/probity.1 \
         share/bash-completion/completions/probity share/zsh/vendor-completions/_probity \
         share/doc/probity/reviewer.md share/doc/probity/formats.md; do
  [ -s "$tmp/usr/$f" ] || fail "cmake --install did not write $f"
done
[ -x "$tmp/usr/bin/probity" ] && [ -x "$tmp/usr/bin/probity-audit" ] || fail "bin/ is not executable"
"$tmp/usr/bin/probity-audit" --help >/dev/null || fail "the installed probity-audit does not run"
probity="$tmp/usr/bin/probity"

# The man page: renders cleanly (groff -ww warns of anything doubtful) and has a section
# for every command 'probity help' lists.
man="$tmp/usr/share/man/man1/probity.1"
groff -k -man -Tutf8 -ww -P -cbou "$man" >"$tmp/man.txt" 2>"$tmp/man.err"
[ ! -s "$tmp/man.err" ] || fail "groff warns: $(head -3 "$tmp/man.err")"
commands="$("$probity" help | sed -n '/^commands:/,/^$/p' | awk 'NF >= 2 && $1 != "commands:" {print $1}')"
[ "$(echo "$commands" | wc -l)" -gt 20 ] || fail "help lists too few commands: $commands"
for c in $commands; do
  grep -q "^\.SS $c\$" "$man" || fail "the man page has no section for $c"
done
tr -s ' ' <"$tmp/man.txt" | grep -q "probity evidence PERSON -o FILE" || fail "the man page lacks evidence's usage"
cmp -s "$man" <("$probity" help --man) || fail "the installed man page differs from 'probity help --man'"

# bash: complete as the shell would, by calling the completion function.
complete_bash() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _probity
    printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/usr/share/bash-completion/completions/probity" "$@"
}
complete_bash probity rec | grep -qx record || fail "bash: 'rec' does not complete to record"
complete_bash probity --data /tmp evid | grep -qx evidence || fail "bash: a command after --data DIR"
complete_bash probity record P1 --as | grep -qx -- --as-of-seq || fail "bash: record's options"
[ "$(complete_bash probity evidence P1 --lang "")" = "$(printf 'zh\nen')" ] || fail "bash: --lang's values"
complete_bash probity help ver | grep -qx verify || fail "bash: help COMMAND"
complete_bash probity eligibility 2019 --format c | grep -qx csv || fail "bash: --format's values"

# zsh: the file parses (zsh is not always there: tools/run installs it).
if command -v zsh >/dev/null; then
  zsh -n "$tmp/usr/share/zsh/vendor-completions/_probity" || fail "zsh: the completion does not parse"
  grep -q "^#compdef probity" "$tmp/usr/share/zsh/vendor-completions/_probity" || fail "zsh: no #compdef line"
else
  echo "install.sh: zsh is not installed; its completion was not parsed" >&2
fi
echo "install.sh: ok"
