# What the tests/cli scripts share; each sources it first with its own arguments:
#   source "$(dirname "$0")/lib.sh" "$@"      # $1: PATH/TO/probity
# Strict mode, with a trap naming the script and the line that failed; probity (the
# binary), here (tests/cli), audit_tool (tools/probity-audit), tmp (a directory removed
# at exit); $PROBITY_DATA and $PROBITY_SERVER unset. Functions: fail, p (probity on the
# store $tmp/store), audit (the independent checker), the assertions assert_exit and
# assert, check_it_hint (a written file's "check it:" line works pasted), and
# start_server / stop_server ('probity serve' on a free loopback port).
set -Eeuo pipefail
script="$(basename "$0")"
trap 'echo "$script: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

probity="${1:?usage: $0 PATH/TO/probity}"
here="$(cd "$(dirname "$0")" && pwd)"
audit_tool="$here/../../tools/probity-audit"
tmp="$(mktemp -d)"
server_pid=""
trap 'stop_server; rm -rf "$tmp"' EXIT
unset PROBITY_DATA PROBITY_SERVER

fail() { echo "$script: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data "$tmp/store" "$@"; }
audit() { python3 "$audit_tool" "$@"; }

# assert WHAT TEST...: TEST (e.g. [ "$w" -le 80 ]) holds, else the script fails naming WHAT.
assert() {
  local what="$1"; shift
  "$@" || fail "$what"
}

# assert_exit CODE WHAT CMD...: CMD exits CODE; its stdout is in $tmp/out, its stderr in $tmp/err.
assert_exit() {
  local code="$1" what="$2"; shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" -eq "$code" ] || fail "$what: exit $rc, expected $code ($(cat "$tmp/err"))"
}

# start_server [STORE]: 'probity serve' on STORE (default $tmp/store) on a free loopback
# port, its stderr in $tmp/serve.err; sets $url (http://127.0.0.1:PORT) and $server_pid.
# The exit trap stops it; stop_server stops it before.
start_server() {
  "$probity" --data "${1:-$tmp/store}" serve --listen 127.0.0.1:0 2>"$tmp/serve.err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's|.* at \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' "$tmp/serve.err")"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  fail "probity serve did not start: $(cat "$tmp/serve.err")"
}
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# check_it_hint WHAT: the "check it: ..." line in $tmp/out, pasted into a shell in another
# directory with probity and probity-audit on the PATH, passes.
check_it_hint() {
  local line bin="$tmp/hint-bin"
  line="$(sed -n 's/^check it: //p' "$tmp/out")"
  [ -n "$line" ] || fail "$1: no 'check it:' line: $(cat "$tmp/out")"
  mkdir -p "$bin" "$tmp/elsewhere"
  ln -sf "$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")" "$bin/probity"
  ln -sf "$audit_tool" "$bin/probity-audit"
  (cd "$tmp/elsewhere" && PATH="$bin:$PATH" bash -c "$line") >"$tmp/hint.out" 2>&1 ||
    fail "$1: the pasted hint failed: $line: $(cat "$tmp/hint.out")"
}
