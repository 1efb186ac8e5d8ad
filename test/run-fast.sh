#!/usr/bin/env bash
# The fast tier (`npm test`): the lint, the pure unit tests and the replay tests, with no
# service started. The build's tsc is the type check (lint:types would run it twice).
# ESLint, Prettier and the import boundaries need no build, so they run beside it; each
# writes its own log, shown in full when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
step() { echo "[fast] $1 ($((SECONDS - started)) s)"; }

declare -A checks=([ESLint]=lint:code [Prettier]=lint:format [boundaries]=lint:deps)
declare -A pids=()
for name in "${!checks[@]}"; do
  npm run --silent "${checks[$name]}" >"$logs/$name.log" 2>&1 &
  pids[$name]=$!
done

step "build (tsc: the type check, and the workflow bundle)"
npm run --silent build >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; step "build failed"; exit 1; }

failed=0
for name in "${!pids[@]}"; do
  if wait "${pids[$name]}"; then step "$name clean"; else cat "$logs/$name.log"; step "$name failed"; failed=1; fi
done
[ "$failed" = 0 ] || exit 1

step "unit and replay tests"
mapfile -t files < <(find dist/test/unit dist/test/replay -name '*.test.js' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under dist/test/unit or dist/test/replay" >&2; exit 1; }
node --test --test-reporter=dot "${files[@]}"
step "fast tier passed"
