#!/usr/bin/env bash
# The fast tier (`npm test`): the lint, the pure unit tests and the replay tests, with no
# service started. The build's tsc is the type check, so lint:types is not run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { echo "[fast] $1 ($((SECONDS - started)) s)"; }

step "build (tsc: the type check, and the workflow bundle)"
npm run --silent build
step "ESLint"
npm run --silent lint:code
step "Prettier"
npm run --silent lint:format
step "import boundaries"
npm run --silent lint:deps
step "unit and replay tests"
mapfile -t files < <(find dist/test/unit dist/test/replay -name '*.test.js' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under dist/test/unit or dist/test/replay" >&2; exit 1; }
node --test --test-reporter=spec "${files[@]}"
step "fast tier passed"
