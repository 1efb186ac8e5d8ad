#!/usr/bin/env bash
# The one test command (and CI's, through .ci/run): the lint first, so a lint failure costs
# seconds rather than a stack start; then installs what is missing, builds, starts a fresh
# stack of real services in its own state folder, runs every test, and stops the stack again.
# `bash test/run-all.sh PART...` runs only the test files whose path contains one of the PARTs
# (for trying a change to this script; CI runs it with none).
set -euo pipefail
cd "$(dirname "$0")/.."
export JARVIS_STATE_DIR="${JARVIS_TEST_STATE_DIR:-$PWD/.state-test}"

started=$SECONDS
# Lane B: a second stack on ports of its own, without Docker (the process driver); see testkit/lane.ts.
LANE_B_STATE="$PWD/.state-test-b"
LANE_B_ENV="$LANE_B_STATE/lane.env"
write_lane_b_env() {
  cat <<ENV
JARVIS_STATE_DIR=$LANE_B_STATE
TEMPORAL_PORT=17933
TEMPORAL_ADDRESS=127.0.0.1:17933
PG_PRIMARY_PORT=5502
PG_REPLICA1_PORT=5503
PG_REPLICA2_PORT=5504
REDIS_BASE_PORT=7700
NGINX_PORT=8780
PROMETHEUS_PORT=9790
WORKER_METRICS_PORT=10164
ADMIN_API_PORT=27000
APP_BASE_PORT=27100
JARVIS_WITHOUT_DOCKER=1
ORCHESTRATOR=process
DOCKER_HOST=unix:///run/jarvis-lane-b-has-no-docker.sock
ENV
}
stop_stacks() {
  bash infra/local/stack.sh down >"$JARVIS_STATE_DIR/stack-down.log" 2>&1 || echo "[test] stack.sh down failed; see $JARVIS_STATE_DIR/stack-down.log" >&2
  [ -f "$LANE_B_ENV" ] || return 0
  (set -a && . "$LANE_B_ENV" && set +a && bash infra/local/stack.sh down) >"$LANE_B_STATE/stack-down.log" 2>&1 ||
    echo "[test] lane B's stack.sh down failed; see $LANE_B_STATE/stack-down.log" >&2
}
if (exec 3<>/dev/tcp/127.0.0.1/"${TEMPORAL_PORT:-7233}") 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/17933) 2>/dev/null; then
  echo "Something already listens on 127.0.0.1:${TEMPORAL_PORT:-7233}, probably the main stack, whose ports the tests use. Stop it first: bash infra/local/stack.sh down" >&2
  exit 1
fi

# The Kubernetes control plane (cold: 15-25 minutes, once) builds at lower priority while the
# installs, the lint and the other tests run; test/kubernetes/ runs last and waits for it
# (infra/kubernetes/install.sh takes a lock).
K8S_BUILD_NICE=10 K8S_BUILD_PARALLELISM=2 bash infra/local/install-deps.sh kubernetes >"${TMPDIR:-/tmp}/jarvis-kubernetes-build.log" 2>&1 &
bash infra/local/install-deps.sh all
npm run --silent lint
echo "[test] lint clean after $((SECONDS - started)) s"
rm -rf "$JARVIS_STATE_DIR" "$LANE_B_STATE"
mkdir -p "$LANE_B_STATE"
write_lane_b_env >"$LANE_B_ENV"
# Stopping the stacks must not hide the tests' own result, but a failure is reported.
trap stop_stacks EXIT
(cd "$PWD" && npm run --silent build) || { echo "[test] build failed" >&2; exit 1; }
# Lane B's stack starts beside lane A's; both share the build and the installed tools.
(set -a && . "$LANE_B_ENV" && set +a && JARVIS_SKIP_BUILD=1 bash infra/local/stack.sh services) >"$LANE_B_STATE/stack-up.log" 2>&1 &
lane_b_stack=$!
JARVIS_SKIP_BUILD=1 bash infra/local/stack.sh services
wait "$lane_b_stack" || { echo "[test] lane B's stack did not start; see $LANE_B_STATE/stack-up.log" >&2; tail -n 20 "$LANE_B_STATE/stack-up.log" >&2; exit 1; }
echo "[test] stacks ready after $((SECONDS - started)) s"

mapfile -t files < <(find dist/test -name '*.test.js' | sort | grep -F -e "${1:-.test.js}" "${@/#/-e}")
[ ${#files[@]} -gt 0 ] || { echo "no test files under dist/test" >&2; exit 1; }
mapfile -t ordered < <(node dist/testkit/lane-order.js "${files[@]}")
# Four files at a time, two of them each on a stack of its own (testkit/lane.ts takes a free lane for
# each file; files that need the Docker Engine or fixed ports wait for lane A).
JARVIS_TEST_LANE_B="$LANE_B_ENV" node --test --test-concurrency=4 --require ./dist/testkit/lane.js --test-reporter=spec "${ordered[@]}"
echo "[test] finished in $((SECONDS - started)) s"
