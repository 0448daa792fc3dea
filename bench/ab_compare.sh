#!/bin/bash
# Same-series comparison of two checkouts with bench/e2e_throughput.py (bench/README.md):
#   git worktree add /tmp/acikkapi-old <commit> && (cd /tmp/acikkapi-old && make setup)
#   bash bench/ab_compare.sh /tmp/acikkapi-old . 2      # old, new, old, new: 2 rounds
# Each run starts the tree's stack from scratch (its var/ removed), warms up with --n 300, runs
# --n 3000 --rate 200 and --n 2000 with this checkout's bench script, and stops the stack. One JSON
# line per measurement goes to stdout: {"tree", "spec", "result"}.
set -euo pipefail
old=$(cd "$1" && pwd); new=$(cd "$2" && pwd); rounds=${3:-1}
bench=$(cd "$(dirname "$0")" && pwd)/e2e_throughput.py
here=$(cd "$(dirname "$0")/.." && pwd)
measure() {
  local tree=$1
  (cd "$tree" && uv run acikkapi dev down >/dev/null 2>&1 || true; rm -rf "$tree/var")
  (cd "$tree" && uv run acikkapi dev up >/dev/null)
  (cd "$here" && uv run python "$bench" --n 300 --json >/dev/null)
  for spec in "--n 3000 --rate 200" "--n 2000"; do
    # shellcheck disable=SC2086
    result=$(cd "$here" && uv run python "$bench" $spec --json | tail -1)
    printf '{"tree": "%s", "spec": "%s", "result": %s}\n' "$tree" "$spec" "$result"
  done
  (cd "$tree" && uv run acikkapi dev down >/dev/null)
}
for _ in $(seq "$rounds"); do measure "$old"; measure "$new"; done
