#!/usr/bin/env bash
# The long chaos pass: starts the stack's services if they are not up, builds, and runs the
# chaos harness with a seed and a trial count. The report is bench/results/chaos-latest.json
# (its seed is inside); the exit status is non-zero on any invariant violation.
#   bash bench/chaos.sh [seed] [count]        (defaults: a seed from the clock, 50 trials)
# Uses the ports and state folder of the environment (infra/local/common.sh defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-$(( $(date +%s) % 1000000 ))}"
count="${2:-50}"
npm run --silent build >/dev/null 2>&1 || { echo "build failed: run npm run build" >&2; exit 1; }
if ! (exec 3<>/dev/tcp/127.0.0.1/"${TEMPORAL_PORT:-7233}") 2>/dev/null; then
  bash infra/local/stack.sh services
fi
# Refuses, before anything changes, a count under 3 and a stack on these ports that is not this one's.
node dist/testkit/bench/preflight-cli.js chaos temporal,postgres,redis,nginx --runs "$count"
exec node dist/test/chaos/run.js --seed "$seed" --count "$count" --redis-keys 20000 --report bench/results/chaos-latest.json
