#!/usr/bin/env bash
# Operates the local Redis Cluster nodes under $STATE_DIR/redis/ (one folder per node: its port
# when every node is on one host, else host_port). A node is named host:port; a port alone means
# that port on REDIS_HOST.
#   start            start every configured node (or run cluster-setup.sh for a new cluster)
#   stop             SHUTDOWN SAVE every running node, extra nodes included
#   status           each node's host:port, up/down, role, slots; the cluster_state
#   info             CLUSTER INFO, CLUSTER NODES and redis-cli --cluster check
#   start-node NODE  start one node with the same settings, not joined to the cluster
#   stop-node NODE   stop one node
set -euo pipefail
LOG_TAG=redis
. "$(dirname "$0")/../local/common.sh"
. "$(dirname "$0")/lib.sh"

usage() {
  echo "usage: $0 start|stop|status|info|start-node <host:port>|stop-node <host:port>" >&2
  exit 2
}

# First node (base nodes first) that answers PING, or nothing.
first_reachable() {
  local node
  for node in $(redis_all_nodes); do
    redis_node_up "$node" && { echo "$node"; return 0; }
  done
  return 1
}

cmd_start() {
  local node
  # Extra nodes (added beyond the base six) first; cluster-setup.sh starts the base
  # nodes, creates the cluster only if none exists yet, and waits for it to be ok.
  for node in $(redis_known_nodes); do
    redis_base_nodes | grep -qxF "$node" && continue
    [ -f "$(redis_node_dir "$node")/redis.conf" ] && redis_start_node "$node"
  done
  "$(dirname "$0")/cluster-setup.sh"
}

cmd_stop() {
  local node role replicas=() masters=() others=()
  # Replicas first, so no replica is promoted while its master goes down.
  for node in $(redis_known_nodes); do
    redis_node_pid "$node" >/dev/null || continue
    role=$(redis_cli "$node" role 2>/dev/null | head -n1 || true)
    case "$role" in
      slave) replicas+=("$node") ;;
      master) masters+=("$node") ;;
      *) others+=("$node") ;;
    esac
  done
  if [ $((${#replicas[@]} + ${#masters[@]} + ${#others[@]})) -eq 0 ]; then
    log "no redis node is running"
    return 0
  fi
  for node in "${replicas[@]}" "${others[@]}" "${masters[@]}"; do
    redis_stop_node "$node"
  done
}

cmd_status() {
  local node state role slots line master link info known overall="" any_up=0 row='%-21s %-5s %-8s %-7s %s\n'
  # shellcheck disable=SC2059
  printf "$row" NODE STATE ROLE SLOTS DETAIL
  for node in $(redis_all_nodes); do
    if ! redis_node_up "$node"; then
      if [ -d "$(redis_node_dir "$node")" ]; then state=down; else state=absent; fi
      # shellcheck disable=SC2059
      printf "$row" "$node" "$state" - - ""
      continue
    fi
    any_up=1
    info=$(redis_cli "$node" cluster info)
    known=$(redis_info_field "$info" cluster_known_nodes)
    line=$(redis_cli "$node" role | head -n1)
    if [ "$line" = slave ]; then
      role=replica
      info=$(redis_cli "$node" info replication)
      master="$(redis_info_field "$info" master_host):$(redis_info_field "$info" master_port)"
      link=$(redis_info_field "$info" master_link_status)
      # shellcheck disable=SC2059
      printf "$row" "$node" up "$role" - "of $master, link $link"
    else
      slots=$(redis_node_slots "$node")
      [ "$known" = 1 ] && [ "${slots:-0}" = 0 ] && line="not in a cluster" || line=""
      # shellcheck disable=SC2059
      printf "$row" "$node" up master "${slots:-0}" "$line"
    fi
  done
  if [ "$any_up" = 1 ]; then
    for node in $(redis_base_nodes); do
      redis_node_up "$node" || continue
      overall=$(redis_info_field "$(redis_cli "$node" cluster info)" cluster_state)
      break
    done
  fi
  echo "cluster_state: ${overall:-unknown (no base node reachable)}"
}

cmd_info() {
  local node rc=0
  node=$(first_reachable) || die "no redis node is reachable"
  echo "== CLUSTER INFO ($node)"
  redis_cli "$node" cluster info | tr -d '\r'
  echo "== CLUSTER NODES ($node)"
  redis_cli "$node" cluster nodes | tr -d '\r'
  echo "== redis-cli --cluster check $node"
  if [ -t 1 ]; then
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster check "$node" || rc=$?
  else
    # Plain text when piped: drop redis-cli's colour codes.
    REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster check "$node" |
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
  stop-node) [ $# -eq 2 ] || usage; redis_stop_node "$2" ;;
  *) usage ;;
esac
