#!/usr/bin/env bash
# The whole test suite from a clean checkout: install what is needed, then typecheck
# (server and web UI), lint, format check, generated docs up to date (scripts/gen-docs.ts),
# unused files, dependencies and exports (knip, knip.json
# names the entry points), and run the unit and end-to-end halves. Ends with one line:
# `N passed, N failed` (a failed check counts as one failure each).
# Arguments are passed to both `bun test` runs (e.g. a name filter: -t "scope").
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
# setup installed every tool the tests drive: from here a missing one is a failure, not a skip
export CI=true

pass=0
fail=0
rc=0
step() { # name, command...: a check that is one pass or one fail
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok: $name"; else fail=$((fail + 1)); rc=1; echo "FAILED: $name"; fi
}
suite() { # name, bun test args...: adds the runner's own pass/fail counts
  local name=$1; shift
  local log; log=$(mktemp)
  bun test --timeout 30000 "$@" 2>&1 | tee "$log"
  local r=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  rm -f "$log"
  if [ "$r" -ne 0 ] && [ "$f" = "0" ]; then f=1; fi
  if [ "$r" -ne 0 ]; then rc=1; echo "FAILED: $name"; fi
  pass=$((pass + p)); fail=$((fail + f))
}

step typecheck bun run --silent typecheck
step lint bunx biome lint --error-on-warnings .
step unused-files-deps-exports bun run --silent unused
step format bunx biome format .
step docs-generated bun scripts/gen-docs.ts --check
suite unit ./src ./test/unit "$@"
suite e2e ./test/e2e "$@"
echo "${pass} passed, ${fail} failed"
exit "$rc"
