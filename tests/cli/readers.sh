#!/usr/bin/env bash
# Readers beside a writer (issue 7): while one process appends batches in a loop (each a
# synced write that may trigger flushes and compactions), other processes run read
# commands in a loop. No read may fail, and each must see a whole number of batches: the
# checkpoint's size is always one a submit produced.
#   bash tests/cli/readers.sh path/to/probity
# READERS_N sets the number of reads (default 400; the long run on demand: 5000).
set -euo pipefail

probity="${1:?usage: readers.sh PATH_TO_PROBITY}"
probity="$(cd "$(dirname "$probity")" && pwd)/$(basename "$probity")"
n="${READERS_N:-400}"
work="$(mktemp -d "${TMPDIR:-/tmp}/probity-cli-readers.XXXXXX")"
writer_pid=""
cleanup() {
  [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset PROBITY_DATA
fail() { echo "readers.sh: FAIL: $*" >&2; exit 1; }

"$probity" keygen admin.pem --quiet >/dev/null
"$probity" --data st init --admin-key admin.pem --origin probity.test/readers >/dev/null
# Batches of 40 units, signed beforehand; the writer submits them one after another.
python3 - <<'EOF'
import json
with open("all.jsonl", "w") as f:
    for b in range(400):
        for i in range(40):
            f.write(json.dumps({"type": "unitRegistered", "id": f"u-{b}-{i}", "unit": f"U{b}x{i}",
                                "name": f"Unit {b}/{i}", "kind": "ministryDepartment"}) + "\n")
EOF
"$probity" --data st sign --key admin.pem all.jsonl > all-signed.jsonl
python3 - <<'EOF'
lines = open("all-signed.jsonl").read().splitlines(True)
for b in range(400):
    open(f"signed-{b}.jsonl", "w").writelines(lines[b * 40:(b + 1) * 40])
EOF

(
  for b in $(seq 0 399); do
    "$probity" --data st submit "signed-$b.jsonl" >/dev/null 2>>writer.err || echo "submit $b failed" >>writer.err
  done
  touch writer.done
) &
writer_pid=$!

reads=0
failures=0
while [ "$reads" -lt "$n" ]; do
  case $((reads % 4)) in
    0) cmd=(checkpoint --json) ;;
    1) cmd=(log --json --limit 3) ;;
    2) cmd=(prove consistency 1 1) ;;
    3) cmd=(show 0 --json) ;;
  esac
  if ! "$probity" --data st "${cmd[@]}" >out 2>err; then
    failures=$((failures + 1))
    echo "read $reads (${cmd[*]}) failed: $(cat err)" >&2
  elif [ "${cmd[0]}" = checkpoint ]; then
    size="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["treeSize"])' <out)"
    # Genesis is 1 entry; every submit adds 40.
    [ $(((size - 1) % 40)) -eq 0 ] || fail "a reader saw a size ($size) that no submit produced"
  fi
  reads=$((reads + 1))
  if [ -e writer.done ] && [ "$reads" -lt "$n" ]; then
    # The writer finished early: keep it writing so every read still races a write.
    rm -f writer.done
    (
      for b in $(seq 0 399); do "$probity" --data st submit "signed-$b.jsonl" >/dev/null 2>>writer.err || true; done
      touch writer.done
    ) &
    writer_pid=$!
  fi
done
wait "$writer_pid" 2>/dev/null || true
writer_pid=""
[ "$failures" -eq 0 ] || fail "$failures of $reads reads beside the writer failed"
if [ -s writer.err ]; then fail "the writer failed: $(head -3 writer.err)"; fi
"$probity" --data st verify >/dev/null || fail "verify after the run"
echo "readers.sh: $reads reads beside a writer, none failed; verify ok"
