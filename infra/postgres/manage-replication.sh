#!/usr/bin/env bash
# manage-replication.sh start-all | stop-all | status | promote <name>
#
#   start-all   start every server whose data folder exists (the writable one
#               first); with no data folder at all, run replication-setup.sh
#   stop-all    stop all three servers (pg_ctl stop -m fast), primary first
#   status      per server: port, up/down, primary or standby; then the
#               primary's pg_stat_replication rows. Exits 0 when all three are
#               up, 3 otherwise.
#   promote     starts the pgSwitchover workflow (through the temporal CLI) that makes
#               <name> the primary, and waits for its result
set -euo pipefail
LOG_TAG=postgres
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../local/common.sh
. "$(dirname "$0")/../local/common.sh"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  echo "usage: $0 start-all|stop-all|status|promote <name>" >&2
  exit 1
}

# is_standby_dir NAME: the data folder will start (or runs) in recovery.
is_standby_dir() { [ -f "$(node_dir "$1")/standby.signal" ]; }

start_all() {
  local n existing=() primaries=() standbys=()
  for n in "${PG_NODES[@]}"; do
    node_exists "$n" && existing+=("$n")
  done
  if [ ${#existing[@]} -eq 0 ]; then
    log "no data folders under $PG_DATA_ROOT: running replication-setup.sh"
    exec bash "$HERE/replication-setup.sh"
  fi
  prepare_root
  for n in "${existing[@]}"; do
    if is_standby_dir "$n"; then standbys+=("$n"); else primaries+=("$n"); fi
  done
  for n in "${primaries[@]}" "${standbys[@]}"; do
    FILE_CHANGED=0
    start_node "$n"
  done
  if [ ${#existing[@]} -ne ${#PG_NODES[@]} ]; then
    log "only ${existing[*]} exist; run replication-setup.sh to create the rest"
  elif [ ${#primaries[@]} -eq 1 ] && ! wait_quorum 30 "${primaries[0]}"; then
    log "WARNING: replica1 and replica2 are not both streaming in quorum after 30s"
  fi
  status || true
}

stop_all() {
  local n first=() rest=()
  # Writable server first, so the standbys receive its shutdown checkpoint.
  for n in "${PG_NODES[@]}"; do
    if node_exists "$n" && ! is_standby_dir "$n"; then first+=("$n"); else rest+=("$n"); fi
  done
  for n in "${first[@]}" "${rest[@]}"; do
    stop_node "$n"
  done
}

status() {
  local n port state role writable="" all_up=1
  for n in "${PG_NODES[@]}"; do
    port="$(node_port "$n")"
    if ! node_exists "$n"; then
      state="missing"; role="-"; all_up=0
    elif node_running "$n"; then
      state="up"
      if role="$(node_role "$n")"; then
        [ "$role" = primary ] && writable="${writable:-$n}"
        [ "$role" = standby ] && role="standby (in recovery)"
      else
        role="not accepting connections"; all_up=0
      fi
    else
      state="down"; role="-"; all_up=0
    fi
    printf '%-9s %-21s %-5s %s\n' "$n" "$(node_host "$n"):$port" "$state" "$role"
  done
  if [ -n "$writable" ]; then
    echo
    echo "pg_stat_replication on $writable ($(node_host "$writable"):$(node_port "$writable")):"
    psql_node "$writable" -P footer=off -c "
      SELECT application_name, client_addr, state, sync_state,
             pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes,
             coalesce(replay_lag, interval '0') AS replay_lag
      FROM pg_stat_replication ORDER BY application_name" || true
    echo "synchronous_standby_names = '$(psql_node "$writable" -At -c 'SHOW synchronous_standby_names' || true)'"
  else
    echo
    echo "no writable server is up"
  fi
  [ "$all_up" = 1 ] || return 3
}

case "${1:-}" in
  start-all) [ $# -eq 1 ] || usage; start_all ;;
  stop-all) [ $# -eq 1 ] || usage; stop_all ;;
  status) [ $# -eq 1 ] || usage; status ;;
  promote)
    [ $# -eq 2 ] || usage
    # The steps run in the durable pgSwitchover workflow, never here by hand. The name goes
    # into the JSON input only after a whitelist check, so nothing is built from free text.
    case "$2" in primary|replica1|replica2) ;; *) die "unknown server name: $2 (expected primary, replica1 or replica2)" ;; esac
    temporal_bin="$(bash "$HERE/../local/install-deps.sh" temporal-path)"
    exec "$temporal_bin" workflow execute --address "${TEMPORAL_ADDRESS:-$TEMPORAL_HOST:$TEMPORAL_PORT}" \
      --type pgSwitchover --task-queue "${TASK_QUEUE:-jarvis-scaling}" \
      --input "{\"cluster\":\"main\",\"target\":\"$2\"}"
    ;;
  *) usage ;;
esac
