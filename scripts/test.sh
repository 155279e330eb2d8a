#!/usr/bin/env bash
# The whole test suite from a clean checkout: install what is needed, then run every
# unit and end-to-end test. Ends with one line: `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
bun test --timeout 30000 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
if [ "$rc" -ne 0 ] && [ "$fail" = "0" ]; then fail=1; fi
echo "${pass} passed, ${fail} failed"
exit "$rc"
