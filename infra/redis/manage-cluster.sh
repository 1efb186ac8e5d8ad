#!/usr/bin/env bash
# Operates the local Redis Cluster nodes under $STATE_DIR/redis/<port>/.
#   start            start every configured node (or run cluster-setup.sh for a new cluster)
#   stop             SHUTDOWN SAVE every running node, extra nodes included
#   status           each node's port, up/down, role, slots; the cluster_state
#   info             CLUSTER INFO, CLUSTER NODES and redis-cli --cluster check
#   start-node PORT  start one node with the same settings, not joined to the cluster
#   stop-node PORT   stop one node
set -euo pipefail
LOG_TAG=redis
. "$(dirname "$0")/../local/common.sh"
. "$(dirname "$0")/lib.sh"

usage() {
  echo "usage: $0 start|stop|status|info|start-node <port>|stop-node <port>" >&2
  exit 2
}

# First base node that answers PING, or nothing.
first_reachable() {
  local port
  for port in $(redis_base_ports) $(redis_known_ports); do
    redis_node_up "$port" && { echo "$port"; return 0; }
  done
  return 1
}

cmd_start() {
  local port
  # Extra nodes (added beyond the base six) first; cluster-setup.sh starts the base
  # nodes, creates the cluster only if none exists yet, and waits for it to be ok.
  for port in $(redis_known_ports); do
    redis_base_ports | grep -qx "$port" && continue
    [ -f "$(redis_node_dir "$port")/redis.conf" ] && redis_start_node "$port"
  done
  "$(dirname "$0")/cluster-setup.sh"
}

cmd_stop() {
  local port role replicas=() masters=() others=()
  # Replicas first, so no replica is promoted while its master goes down.
  for port in $(redis_known_ports); do
    redis_node_pid "$port" >/dev/null || continue
    role=$(redis_cli "$port" role 2>/dev/null | head -n1 || true)
    case "$role" in
      slave) replicas+=("$port") ;;
      master) masters+=("$port") ;;
      *) others+=("$port") ;;
    esac
  done
  if [ $((${#replicas[@]} + ${#masters[@]} + ${#others[@]})) -eq 0 ]; then
    log "no redis node is running"
    return 0
  fi
  for port in "${replicas[@]}" "${others[@]}" "${masters[@]}"; do
    redis_stop_node "$port"
  done
}

cmd_status() {
  local port state role slots line master_port link info known overall="" any_up=0
  printf '%-6s %-5s %-8s %-7s %s\n' PORT STATE ROLE SLOTS DETAIL
  for port in $(redis_all_ports); do
    if ! redis_node_up "$port"; then
      if [ -d "$(redis_node_dir "$port")" ]; then state=down; else state=absent; fi
      printf '%-6s %-5s %-8s %-7s %s\n' "$port" "$state" - - ""
      continue
    fi
    any_up=1
    info=$(redis_cli "$port" cluster info)
    known=$(redis_info_field "$info" cluster_known_nodes)
    line=$(redis_cli "$port" role | head -n1)
    if [ "$line" = slave ]; then
      role=replica
      info=$(redis_cli "$port" info replication)
      master_port=$(redis_info_field "$info" master_port)
      link=$(redis_info_field "$info" master_link_status)
      printf '%-6s %-5s %-8s %-7s %s\n' "$port" up "$role" - "of $master_port, link $link"
    else
      slots=$(redis_node_slots "$port")
      if [ "$known" = 1 ] && [ "${slots:-0}" = 0 ]; then
        printf '%-6s %-5s %-8s %-7s %s\n' "$port" up master 0 "not in a cluster"
      else
        printf '%-6s %-5s %-8s %-7s %s\n' "$port" up master "${slots:-0}" ""
      fi
    fi
  done
  if [ "$any_up" = 1 ]; then
    for port in $(redis_base_ports); do
      redis_node_up "$port" || continue
      overall=$(redis_info_field "$(redis_cli "$port" cluster info)" cluster_state)
      break
    done
  fi
  echo "cluster_state: ${overall:-unknown (no base node reachable)}"
}

cmd_info() {
  local port rc=0
  port=$(first_reachable) || die "no redis node is reachable"
  echo "== CLUSTER INFO ($(redis_host "$port"):$port)"
  redis_cli "$port" cluster info | tr -d '\r'
  echo "== CLUSTER NODES ($(redis_host "$port"):$port)"
  redis_cli "$port" cluster nodes | tr -d '\r'
  echo "== redis-cli --cluster check $(redis_host "$port"):$port"
  if [ -t 1 ]; then
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster check "$(redis_host "$port"):$port" || rc=$?
  else
    # Plain text when piped: drop redis-cli's colour codes.
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster check "$(redis_host "$port"):$port" |
      sed 's/\x1b\[[0-9;]*m//g' || rc=$?
  fi
  return "$rc"
}

[ $# -ge 1 ] || usage
load_secrets
case "$1" in
  start) [ $# -eq 1 ] || usage; cmd_start ;;
  stop) [ $# -eq 1 ] || usage; cmd_stop ;;
  status) [ $# -eq 1 ] || usage; cmd_status ;;
  info) [ $# -eq 1 ] || usage; cmd_info ;;
  start-node) [ $# -eq 2 ] || usage; redis_start_node "$2" ;;
  stop-node) [ $# -eq 2 ] || usage; redis_check_port "$2"; redis_stop_node "$2" ;;
  *) usage ;;
esac
