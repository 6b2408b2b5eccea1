#!/usr/bin/env bash
# tiles export (a static C2SP tlog-tiles mirror) checked by the independent verifier:
# probity-audit tiles recomputes the tree and every entry's leaf and signature; an export
# run again writes only what is new, leaves the rest untouched and removes the partial
# tiles a full one replaced; --since catches a fork; a flipped byte is named; the files
# are the bytes `probity serve` answers; a mirror never goes back nor forks.
#   bash tests/cli/tiles.sh path/to/probity
set -Eeuo pipefail
trap 'echo "tiles.sh: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

probity="${1:?usage: tiles.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
here="$(cd "$(dirname "$0")/../.." && pwd)"
audit_tool="$here/tools/probity-audit"
work="$(mktemp -d "${TMPDIR:-/tmp}/probity-cli-tiles.XXXXXX")"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset PROBITY_DATA PROBITY_SERVER
fail() { echo "tiles.sh: FAIL: $*" >&2; exit 1; }
p() { "$probity" --data store "$@"; }
audit() { python3 "$audit_tool" "$@"; }
# Appends N unitRegistered events named PREFIX1..PREFIXN, in one submit, to store $1.
units() {
  local store="$1" prefix="$2" n="$3"
  for i in $(seq 1 "$n"); do
    echo "{\"type\":\"unitRegistered\",\"unit\":\"$prefix$i\",\"name\":\"unit $prefix$i\",\"kind\":\"ministryDepartment\"}"
  done | "$probity" --data "$store" append --key admin.pem >/dev/null
}
# Runs probity-audit, which must exit 1 with one line on stderr containing $2.
expect_refused() {
  local what="$1" needle="$2"; shift 2
  local rc=0
  audit "$@" >out 2>err || rc=$?
  [ "$rc" -eq 1 ] || fail "$what: exit $rc, expected 1 ($(cat err))"
  [ "$(wc -l <err)" -eq 1 ] || fail "$what: expected one line on stderr, got: $(cat err)"
  grep -qF -- "$needle" err || fail "$what: '$needle' not named: $(cat err)"
}
# Runs probity tiles export, which must exit $1 with $2 in its one line on stderr.
expect_export_refused() {
  local code="$1" needle="$2"; shift 2
  local rc=0
  "$probity" "$@" >out 2>err || rc=$?
  [ "$rc" -eq "$code" ] || fail "tiles export $*: exit $rc, expected $code ($(cat err))"
  grep -qF -- "$needle" err || fail "tiles export $*: '$needle' not said: $(cat err)"
}
flip() {  # flips bit 0 of byte $2 of file $1
  python3 -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}
stamp() { stat -c '%i %Y.%y' "$1"; }  # inode and modification time: untouched or not

# ---- a store of 11 entries, its checkpoint key kept outside (so a fork can share it) ------
"$probity" keygen admin.pem --quiet >/dev/null
"$probity" keygen cp.pem --quiet >/dev/null
p init --admin-key admin.pem --checkpoint-key cp.pem --origin tiles.test/log >/dev/null
units store A 10
vkey="$(p checkpoint --vkey)"
printf '%s\n' "$vkey" >vkey

"$probity" tiles --help | grep -q "tiles export DIR" || fail "tiles --help"
"$probity" tiles --help | grep -q "personal data" || fail "tiles --help does not say what --entries publishes"

# ---- the public export: the checkpoint and the hash tiles, no entry --------------------------
p tiles export public >out
grep -q "^exported size 11 " out || fail "summary: $(cat out)"
[ -f public/checkpoint ] && [ -f public/tile/0/000.p/11 ] || fail "public export: $(find public)"
[ ! -e public/tile/entries ] || fail "entry bundles exported without --entries"
cmp -s public/checkpoint <(p checkpoint) || fail "DIR/checkpoint is not 'probity checkpoint'"
[ "$(stat -c %a public/tile/0/000.p/11)" = 644 ] || fail "tiles not readable by a web server"
audit tiles public --vkey vkey --hashes-only >out || fail "hashes-only audit of the public export"
grep -q "^entries: not checked" out || fail "hashes-only says what it did not check: $(cat out)"
expect_refused "no entry bundles" "tile/entries/000.p/11 is missing" tiles public --vkey vkey

# ---- with --entries, verified entry by entry; kept as the old checkpoint ------------------
p tiles export mirror --entries >out
grep -q "1 hash tiles at 1 level and 1 entry bundles; 2 written" out || fail "summary: $(cat out)"
audit tiles mirror --vkey "$vkey" >out || fail "audit of the first export"
grep -q "^entries verified: 11 in 1 entry bundles" out || fail "entries not checked: $(cat out)"
grep -q "^root: $(p checkpoint --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])') " out ||
  fail "root not printed: $(cat out)"
cp mirror/checkpoint old.note
cp -a store store-at-11  # for the rollback below

# ---- nothing new: nothing written ---------------------------------------------------------
before="$(stamp mirror/tile/0/000.p/11) $(stamp mirror/checkpoint)"
p tiles export mirror --entries >out
grep -q "; 0 written (0 bytes), 2 unchanged, 0 superseded partial tiles removed; checkpoint unchanged$" out ||
  fail "second export of the same log: $(cat out)"
[ "$before" = "$(stamp mirror/tile/0/000.p/11) $(stamp mirror/checkpoint)" ] || fail "unchanged files were rewritten"

# ---- 300 more: tile 0 becomes full, its partials go; then 5 more ---------------------------
units store B 300
p tiles export mirror --entries >out
grep -q "^exported size 311 " out || fail "summary: $(cat out)"
for f in tile/0/000 tile/0/001.p/55 tile/1/000.p/1 tile/entries/000 tile/entries/001.p/55; do
  [ -f "mirror/$f" ] || fail "mirror/$f not written: $(find mirror -type f)"
done
[ ! -e mirror/tile/0/000.p ] && [ ! -e mirror/tile/entries/000.p ] ||
  fail "partial tiles of a now full tile were not removed: $(find mirror -type f)"
grep -q " 2 superseded partial tiles removed; checkpoint written$" out || fail "summary: $(cat out)"
cp mirror/checkpoint mid.note
full_before="$(stamp mirror/tile/0/000) $(stamp mirror/tile/entries/000) $(stamp mirror/tile/1/000.p/1)"
partial_before="$(stamp mirror/tile/0/001.p/55)"
units store C 5
p tiles export mirror --entries >out
grep -q "^exported size 316 .*; 2 written .*, 3 unchanged, 0 superseded partial tiles removed; checkpoint written$" out ||
  fail "incremental export: $(cat out)"
[ "$full_before" = "$(stamp mirror/tile/0/000) $(stamp mirror/tile/entries/000) $(stamp mirror/tile/1/000.p/1)" ] ||
  fail "tiles that did not change were rewritten"
[ -f mirror/tile/0/001.p/60 ] && [ -f mirror/tile/entries/001.p/60 ] || fail "the fuller partial tiles are missing"
# The older partial stays while its tile is partial: a reader of the size-311 checkpoint needs it.
[ "$partial_before" = "$(stamp mirror/tile/0/001.p/55)" ] || fail "a partial tile an older checkpoint needs was touched"
find mirror -name '.*.tmp' | grep -q . && fail "temporary files left: $(find mirror -name '.*.tmp')"
cmp -s mirror/checkpoint <(p checkpoint) || fail "DIR/checkpoint is not the latest"

audit tiles mirror --vkey vkey --since old.note >out || fail "audit --since the first checkpoint"
grep -q "^since: the older checkpoint (size 11, " out || fail "--since not reported: $(cat out)"
grep -q "^entries verified: 316 in 2 entry bundles" out || fail "entries: $(cat out)"
audit tiles mirror --vkey vkey --since mid.note >/dev/null || fail "audit --since the size-311 checkpoint"
# A reader holding the size-11 checkpoint after its partial tiles were removed reads the
# first hashes and entries of the full tiles instead (tlog-tiles allows the removal).
cp -a mirror stale
cp old.note stale/checkpoint
audit tiles stale --vkey vkey >out || fail "an old checkpoint over the grown mirror"
grep -q "^entries verified: 11 " out || fail "old checkpoint: $(cat out)"

# ---- tampering: a flipped byte is named -------------------------------------------------
cp -a mirror bad
flip bad/tile/0/000 100
expect_refused "a flipped byte in a full level-0 tile" "tile/0/000" tiles bad --vkey vkey
expect_refused "the same, hashes only" "tile/0/000" tiles bad --vkey vkey --hashes-only
# Exporting over the altered copy refuses and replaces nothing.
expect_export_refused 1 "bad/tile/0/000' is there with other bytes" --data store tiles export bad --entries
cmp -s bad/tile/0/000 mirror/tile/0/000 && fail "the export replaced an altered tile"
rm -rf bad && cp -a mirror bad
flip bad/tile/entries/001.p/60 40
expect_refused "a flipped byte in an entry bundle" "tile/entries/001.p/60" tiles bad --vkey vkey
rm -rf bad && cp -a mirror bad
flip bad/tile/0/001.p/60 7
expect_refused "a flipped byte in the right-edge tile" "tile/0/001.p/60" tiles bad --vkey vkey --hashes-only
rm -rf bad && cp -a mirror bad
rm bad/tile/1/000.p/1
expect_refused "a missing tile" "tile/1/000.p/1 is missing" tiles bad --vkey vkey
rm -rf bad && cp -a mirror bad
sed -i '2s/.*/317/' bad/checkpoint
expect_refused "an altered checkpoint" "does not verify" tiles bad --vkey vkey
"$probity" --data other init --admin-key admin.pem --origin tiles.test/log >/dev/null
expect_refused "another checkpoint key of the same name" "no signature by" \
  tiles mirror --vkey "$("$probity" --data other checkpoint --vkey)"

# ---- a fork: the same origin and checkpoint key, another history --------------------------
"$probity" --data fork init --admin-key admin.pem --checkpoint-key cp.pem --origin tiles.test/log >/dev/null
units fork A 10
"$probity" --data fork checkpoint >fork.note
[ "$(sed -n 2p fork.note)" = 11 ] || fail "the fork is not of size 11"
expect_refused "--since a checkpoint of another history" "forked" tiles mirror --vkey vkey --since fork.note
units fork B 310
expect_export_refused 1 "a fork" --data fork tiles export mirror
expect_export_refused 1 "never goes back" --data store-at-11 tiles export mirror
cmp -s mirror/checkpoint <(p checkpoint) || fail "a refused export changed the mirror"
expect_refused "--since a larger checkpoint" "rollback" tiles stale --vkey vkey --since mid.note

# ---- where it writes ----------------------------------------------------------------------
expect_export_refused 2 "inside the store's directory" --data store tiles export store/tiles
[ ! -e store/tiles ] || fail "a directory was made inside the store"
expect_export_refused 2 "is inside '.'" --data store tiles export .
expect_export_refused 1 "is not a directory" --data store tiles export admin.pem
expect_export_refused 1 "cannot create the directory" --data store tiles export no/such/dir
expect_export_refused 3 "no store" --data nothing-here tiles export elsewhere
[ ! -e elsewhere ] || fail "an export without a store made its directory"
expect_export_refused 2 "usage" --data store tiles import mirror
expect_export_refused 2 "holds entry bundles: export with --entries" --data store tiles export mirror
if command -v flock >/dev/null; then
  flock mirror sleep 3 &
  sleep 0.5
  expect_export_refused 1 "another 'probity tiles export'" --data store tiles export mirror
  wait $!
fi

# ---- the same bytes as `probity serve`, and the audit over HTTP ----------------------------
: >serve.err
"$probity" --data store serve --listen 127.0.0.1:0 2>serve.err &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's|.* at \(http://127\.0\.0\.1:[0-9]*\)/.*|\1|p' serve.err)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || fail "probity serve did not start: $(cat serve.err)"
get() {  # GET $1 from the server into $2
  if command -v curl >/dev/null; then
    curl -sf -o "$2" "$url/$1"
  else
    python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())' "$url/$1" "$2"
  fi
}
# The server holds the writer's lock; an export reads its own snapshot beside it.
for i in 1 2 3 4; do
  echo "{\"type\":\"unitRegistered\",\"unit\":\"S$i\",\"name\":\"unit S$i\",\"kind\":\"ministryDepartment\"}"
done | "$probity" --server "$url" append --key admin.pem --origin tiles.test/log >/dev/null
p tiles export mirror --entries >out || fail "export while the server runs"
grep -q "^exported size 320 " out || fail "export beside the server: $(cat out)"
for f in checkpoint tile/0/000 tile/0/001.p/64 tile/1/000.p/1; do
  get "$f" served || fail "GET /$f"
  cmp -s served "mirror/$f" || fail "mirror/$f differs from GET /$f"
done
audit tiles "$url" --vkey vkey --hashes-only --since old.note >out || fail "audit of the live server"
grep -q "^size: 320$" out || fail "audit over HTTP: $(cat out)"
expect_refused "entry bundles need a signed request" "--hashes-only" tiles "$url/" --vkey vkey
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
audit tiles mirror --vkey vkey --since mid.note >/dev/null || fail "audit of the last export"

echo "tiles.sh: ok"
