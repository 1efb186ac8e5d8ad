#!/usr/bin/env bash
# The one test command (and CI's, through .ci/run): the lint first, so a lint failure costs
# seconds rather than a stack start; then installs what is missing, builds, starts a fresh
# stack of real services in its own state folder, runs every test, and stops the stack again.
set -euo pipefail
cd "$(dirname "$0")/.."
export JARVIS_STATE_DIR="${JARVIS_TEST_STATE_DIR:-$PWD/.state-test}"

started=$SECONDS
if (exec 3<>/dev/tcp/127.0.0.1/"${TEMPORAL_PORT:-7233}") 2>/dev/null; then
  echo "Something already listens on 127.0.0.1:${TEMPORAL_PORT:-7233}, probably the main stack, whose ports the tests use. Stop it first: bash infra/local/stack.sh down" >&2
  exit 1
fi

bash infra/local/install-deps.sh all
# The Kubernetes control plane (cold: 15-25 minutes, once) builds at low priority while the lint and
# the other tests run; test/kubernetes/ waits for it (infra/kubernetes/install.sh takes a lock).
nice -n 19 bash infra/local/install-deps.sh kubernetes >"${TMPDIR:-/tmp}/jarvis-kubernetes-build.log" 2>&1 &
npm run --silent lint
echo "[test] lint clean after $((SECONDS - started)) s"
rm -rf "$JARVIS_STATE_DIR"
# Stopping the stack must not hide the tests' own result, but its failure is reported.
trap 'bash infra/local/stack.sh down >"$JARVIS_STATE_DIR/stack-down.log" 2>&1 || echo "[test] stack.sh down failed; see $JARVIS_STATE_DIR/stack-down.log" >&2' EXIT
bash infra/local/stack.sh services
echo "[test] stack ready after $((SECONDS - started)) s"

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under dist/test" >&2; exit 1; }
# One file at a time: the tests share one Docker Engine, nginx and Temporal server.
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
echo "[test] finished in $((SECONDS - started)) s"
