#!/usr/bin/env bash
# Docker Engine for the app containers: no bridge, no iptables, host networking only.
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

dir="$STATE_DIR/docker"
pidfile="$dir/dockerd.pid"
socket="${DOCKER_SOCKET:-/var/run/docker.sock}"

engine_answers() { docker -H "unix://$socket" version >/dev/null 2>&1; }

case "${1:-status}" in
  start)
    if engine_answers; then log "Docker Engine already answers on $socket"; exit 0; fi
    mkdir -p "$dir/data" "$dir/exec"
    start_bg dockerd "$pidfile" dockerd \
      --host "unix://$socket" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.own.pid" \
      --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
      --storage-driver vfs
    for _ in $(seq 1 300); do engine_answers && break; sleep 0.1; done
    engine_answers || die "dockerd did not answer on $socket within 30s (see $LOG_DIR/dockerd.log)"
    log "Docker Engine on $socket"
    ;;
  stop)
    pid_alive "$pidfile" && stop_pid "$pidfile" "dockerd" 30 || true
    ;;
  status)
    if engine_answers; then echo "docker: up ($(docker -H "unix://$socket" version --format '{{.Server.Version}}'), $socket)"; else echo "docker: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
