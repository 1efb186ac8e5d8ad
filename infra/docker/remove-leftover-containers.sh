#!/usr/bin/env bash
# Removes the app containers a dead run left on the engine, whose data outlives a crash or
# a reboot: stopped ones of any stack, and those without the jarvis.stack label (an older
# version). With "all", also this stack's running ones: the tests start from an empty
# platform, and the swarm driver's services (a dead run's Swarm state survives in the
# engine's data too). A live container of another stack is left alone.
#   remove-leftover-containers.sh stopped|all
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

mode=${1:-stopped}
case "$mode" in stopped|all) ;; *) echo "usage: $0 stopped|all" >&2; exit 2 ;; esac
ids=$(docker ps -a --filter "label=jarvis.service" --format '{{.ID}} {{.State}} {{.Label "jarvis.stack"}}' |
  awk -v stack="$STATE_DIR" -v mode="$mode" '($2 != "running" && $2 != "paused") || $3 == "" || (mode == "all" && $3 == stack) {print $1}')
if [ -n "$ids" ]; then
  docker rm -f $ids >/dev/null
  log "removed $(wc -w <<<"$ids") leftover app container(s)"
fi
if [ "$mode" = all ] && [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
  ids=$(docker service ls -q --filter "label=jarvis.swarm.service")
  [ -z "$ids" ] || { docker service rm $ids >/dev/null; log "removed $(wc -w <<<"$ids") leftover app Swarm service(s)"; }
fi
