#!/usr/bin/env bash
# JSON escapes decode exactly as RFC 8259 says: a property test against Python's json
# (tests/cli/json_property.py says what it checks). Seed and size from
# PROBITY_PROPERTY_SEED and PROBITY_PROPERTY_N (default 2,000 events).
#   bash tests/cli/json_property.sh path/to/probity
set -euo pipefail
probity="${1:?usage: json_property.sh PATH_TO_PROBITY}"
command -v python3 >/dev/null || { echo "FAIL: python3 is needed" >&2; exit 1; }
exec python3 "$(dirname "${BASH_SOURCE[0]}")/json_property.py" "$probity"
