#!/usr/bin/env bash
# Removes app containers from the engine, whose data outlives a crash or a reboot.
#   stopped  what a dead run left: stopped ones of any stack, and those without the
#            jarvis.stack label (an older version). A live container of another stack stays.
#   all      the above, and this stack's running ones and Swarm services: the tests start
#            from an empty platform.
#   own      this stack's containers (running or not) and Swarm services only: stack.sh down.
# A stack is its state folder: containers carry it as the label jarvis.stack, Swarm services
# as JARVIS_STACK_ID in their tasks' environment. Another stack's live parts are never touched.
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

mode=${1:-stopped}
case "$mode" in stopped | all | own) ;; *) echo "usage: $0 stopped|all|own" >&2; exit 2 ;; esac

listing=$(docker ps -a --filter "label=jarvis.service" --format '{{.ID}} {{.State}} {{.Label "jarvis.stack"}}')
ids=$(awk -v stack="$STATE_DIR" -v mode="$mode" '
  mode == "own" { if ($3 == stack) print $1; next }
  ($2 != "running" && $2 != "paused") || $3 == "" || (mode == "all" && $3 == stack) { print $1 }' <<<"$listing")
if [ -n "$ids" ]; then
  docker rm -f $ids >/dev/null
  log "removed $(wc -w <<<"$ids") app container(s) ($mode)"
fi

# This stack's Swarm services (ORCHESTRATOR=swarm), only where this engine manages a Swarm.
[ "$mode" != stopped ] || exit 0
control=$(docker info --format '{{.Swarm.ControlAvailable}}')
[ "$control" = true ] || exit 0
ours=()
for id in $(docker service ls -q --filter "label=jarvis.swarm.service"); do
  env=$(docker service inspect --format '{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}' "$id")
  if grep -qxF "JARVIS_STACK_ID=$STATE_DIR" <<<"$env"; then ours+=("$id"); fi
done
if [ ${#ours[@]} -gt 0 ]; then
  docker service rm "${ours[@]}" >/dev/null
  log "removed ${#ours[@]} app Swarm service(s) of this stack"
fi
