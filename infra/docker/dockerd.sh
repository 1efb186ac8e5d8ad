#!/usr/bin/env bash
# Docker Engine for the app containers: no bridge, no iptables, host networking only.
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

# One engine per machine, whatever stack uses it: its data lives outside any stack's state
# folder, so deleting a state folder never meets a mount that dockerd left behind.
dir="${JARVIS_DOCKER_ROOT:-/var/lib/jarvis-scale/docker}"
pidfile="$dir/dockerd.pid"
socket="${DOCKER_SOCKET:-/var/run/docker.sock}"

engine_answers() { docker -H "unix://$socket" version >/dev/null 2>&1; }

case "${1:-status}" in
  start)
    if engine_answers; then log "Docker Engine already answers on $socket"; exit 0; fi
    mkdir -p "$dir/data" "$dir/exec"
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: Swarm uses the local image instead of asking a
    # registry for its digest when a service is created and pulling it before each task (the
    # images here are built locally, and nothing may reach a registry off this machine).
    start_bg dockerd "$pidfile" env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd \
      --host "unix://$socket" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.own.pid" \
      --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
      --storage-driver vfs
    for _ in $(seq 1 300); do engine_answers && break; sleep 0.1; done
    engine_answers || die "dockerd did not answer on $socket within 30s (see $LOG_DIR/dockerd.log)"
    log "Docker Engine on $socket"
    ;;
  stop)
    pid_alive "$pidfile" && stop_pid "$pidfile" "dockerd" 30 || true
    # dockerd leaves its network namespace mounted under the exec root.
    for mnt in $(awk -v root="$dir/exec" '$2 ~ "^"root {print $2}' /proc/mounts); do umount "$mnt" 2>/dev/null || true; done
    ;;
  status)
    if engine_answers; then echo "docker: up ($(docker -H "unix://$socket" version --format '{{.Server.Version}}'), $socket)"; else echo "docker: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
