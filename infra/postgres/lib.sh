# Shared helpers for the PostgreSQL scripts. Source it after ../local/common.sh;
# do not run it.
#
# Layout (all owned by the postgres user):
#   $PG_DATA_ROOT/{primary,replica1,replica2}   data folders, mode 700
#   $PG_DATA_ROOT/sockets/<name>                each server's unix socket (they may share a port)
#   $PG_DATA_ROOT/replicator.pgpass             replication password (mode 600),
#                                               used by pg_basebackup and the standbys
#   $LOG_DIR/postgres-<name>.log                server logs

PG_DATA_ROOT="${PG_DATA_ROOT:-$STATE_DIR/postgres}"
PG_SOCKET_DIR="${PG_SOCKET_DIR:-$PG_DATA_ROOT/sockets}"
PG_PASSFILE="$PG_DATA_ROOT/replicator.pgpass"
# Every node name is listed: an old primary that rejoins as a replica (application_name
# "primary") then counts for the quorum too. A primary is never its own standby.
PG_SYNC_NAMES="ANY 1 (primary, replica1, replica2)"
export PG_DATA_ROOT PG_SOCKET_DIR PG_PRIMARY_PORT PG_REPLICA1_PORT PG_REPLICA2_PORT PG_PRIMARY_HOST PG_REPLICA1_HOST PG_REPLICA2_HOST

PG_NODES=(primary replica1 replica2)

# libpq/server variables from the caller's shell (a PGPASSWORD for the app, a
# PGHOST, PGDATA...) would override the explicit settings used here.
unset PGPASSWORD PGPASSFILE PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGDATA \
  PGSERVICE PGSERVICEFILE PGOPTIONS PGAPPNAME PGSSLMODE PGTARGETSESSIONATTRS \
  PGCONNECT_TIMEOUT PGREQUIRESSL PGGSSENCMODE

# node_port NAME
node_port() {
  case "$1" in
    primary) echo "$PG_PRIMARY_PORT" ;;
    replica1) echo "$PG_REPLICA1_PORT" ;;
    replica2) echo "$PG_REPLICA2_PORT" ;;
    *) die "unknown server name: $1" ;;
  esac
}

# node_host NAME: the address the server listens on (one host per server; PG_*_HOST).
node_host() {
  case "$1" in
    primary) echo "$PG_PRIMARY_HOST" ;;
    replica1) echo "$PG_REPLICA1_HOST" ;;
    replica2) echo "$PG_REPLICA2_HOST" ;;
    *) die "unknown server name: $1" ;;
  esac
}

# node_socket_dir NAME: a folder per server, so servers on different hosts can share a port.
node_socket_dir() { echo "$PG_SOCKET_DIR/$1"; }

node_dir() { echo "$PG_DATA_ROOT/$1"; }
node_log() { echo "$LOG_DIR/postgres-$1.log"; }

# as_pg CMD...: run a command as the postgres user, from a folder it can read.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  elif [ "$(id -un)" = postgres ]; then
    (cd / && "$@")
  else
    die "run this as root (or as the postgres user)"
  fi
}

pg_preflight() {
  [ -x "$PG_BIN/postgres" ] || die "PostgreSQL binaries not found in $PG_BIN"
  id postgres >/dev/null 2>&1 || die "the postgres user does not exist"
  local p
  for p in "$PG_PRIMARY_PORT" "$PG_REPLICA1_PORT" "$PG_REPLICA2_PORT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "bad port: '$p'"
  done
  # The unix socket path must fit in sockaddr_un (107 bytes).
  [ "${#PG_SOCKET_DIR}" -le 80 ] || die "PG_SOCKET_DIR path too long for a unix socket: $PG_SOCKET_DIR (set PG_SOCKET_DIR to a shorter folder)"
}

# make_traversable DIR: give every existing ancestor of DIR (and DIR itself) the
# other-x bit when it lacks it, so the postgres user can reach DIR. Only the x
# bit is added; nothing is made readable or writable.
make_traversable() {
  local d
  d="$(realpath -m "$1")"
  while :; do
    if [ -d "$d" ] && [ $(( $(stat -c '%#a' "$d") & 01 )) -eq 0 ]; then
      chmod o+x "$d"
      log "chmod o+x $d (so the postgres user can reach the data)"
    fi
    [ "$d" = / ] && break
    d="$(dirname "$d")"
  done
}

# prepare_root: create the data root, socket folder and log files with the
# right owners, and make sure the postgres user can reach them.
prepare_root() {
  pg_preflight
  mkdir -p "$PG_DATA_ROOT" "$PG_SOCKET_DIR" "$LOG_DIR"
  if [ "$(id -u)" = 0 ]; then
    make_traversable "$(dirname "$PG_DATA_ROOT")"
    make_traversable "$(dirname "$PG_SOCKET_DIR")"
    make_traversable "$LOG_DIR"
    chown postgres:postgres "$PG_DATA_ROOT" "$PG_SOCKET_DIR"
    chmod 751 "$PG_DATA_ROOT"
    chmod 755 "$PG_SOCKET_DIR"
    local n f
    for n in "${PG_NODES[@]}"; do
      mkdir -p "$(node_socket_dir "$n")"
      chown postgres:postgres "$(node_socket_dir "$n")"
      chmod 755 "$(node_socket_dir "$n")"
      f="$(node_log "$n")"
      [ -f "$f" ] || : >"$f"
      chown postgres:postgres "$f"
      chmod 640 "$f"
    done
  fi
  as_pg test -x "$PG_DATA_ROOT" -a -w "$PG_DATA_ROOT" ||
    die "the postgres user cannot use $PG_DATA_ROOT (check the permissions of its parent folders)"
  as_pg test -x "$PG_SOCKET_DIR" -a -w "$PG_SOCKET_DIR" ||
    die "the postgres user cannot use $PG_SOCKET_DIR"
  as_pg test -x "$LOG_DIR" -a -w "$(node_log primary)" ||
    die "the postgres user cannot write to $LOG_DIR"
}

# write_passfile: the replicator's password for libpq (pg_basebackup and the
# standbys' walreceivers), so it never appears on a command line or in
# primary_conninfo. Needs load_secrets.
write_passfile() {
  [ -n "${PG_REPLICATION_PASSWORD:-}" ] || die "PG_REPLICATION_PASSWORD is not set (load_secrets)"
  local tmp="$PG_PASSFILE.tmp.$$"
  (umask 077 && printf '*:*:*:replicator:%s\n' "$PG_REPLICATION_PASSWORD" >"$tmp")
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$tmp"
  chmod 600 "$tmp"
  if cmp -s "$tmp" "$PG_PASSFILE" 2>/dev/null; then rm -f "$tmp"; else mv -f "$tmp" "$PG_PASSFILE"; fi
}

# install_file and write_config: the servers' configuration files.
source "$(dirname "${BASH_SOURCE[0]}")/config-files.sh"

node_exists() { [ -f "$(node_dir "$1")/PG_VERSION" ]; }

node_running() {
  node_exists "$1" && as_pg "$PG_BIN/pg_ctl" -D "$(node_dir "$1")" status >/dev/null 2>&1
}

# psql_node NAME [psql args...]: psql as postgres over the unix socket (peer).
psql_node() {
  local name=$1
  shift
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(node_socket_dir "$name")" -p "$(node_port "$name")" -d postgres "$@"
}

# node_role NAME: prints primary / standby, or fails when it is not reachable.
node_role() {
  local r
  r="$(psql_node "$1" -At -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" || return 1
  case "$r" in t) echo standby ;; f) echo primary ;; *) return 1 ;; esac
}

# start_node NAME: start the server unless it runs; reload it when its config
# files changed (FILE_CHANGED from write_config).
start_node() {
  local name=$1 dir port logf
  dir="$(node_dir "$name")"
  port="$(node_port "$name")"
  logf="$(node_log "$name")"
  if node_running "$name"; then
    if [ "$FILE_CHANGED" = 1 ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$dir" reload >/dev/null
      log "$name: config changed, reloaded"
      local pending
      pending="$(psql_node "$name" -At -c "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart" 2>/dev/null || true)"
      [ -z "$pending" ] || log "$name: WARNING these settings need a restart: $pending (manage-replication.sh stop-all && start-all)"
    else
      log "$name: already running on $(node_host "$name"):$port"
    fi
    return 0
  fi
  port_open "$port" "$(node_host "$name")" && die "$name: $(node_host "$name"):$port is already in use by another process"
  log "$name: starting on $(node_host "$name"):$port (log: $logf)"
  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$logf" -w -t 120 start >/dev/null; then
    tail -n 20 "$logf" >&2 || true
    die "$name: failed to start"
  fi
}

# stop_node NAME
stop_node() {
  local name=$1
  if ! node_exists "$name"; then
    log "$name: no data folder, nothing to stop"
  elif node_running "$name"; then
    as_pg "$PG_BIN/pg_ctl" -D "$(node_dir "$name")" -m fast -w -t 120 stop >/dev/null
    log "$name: stopped"
  else
    log "$name: not running"
  fi
}

# ensure_slot NAME: physical replication slot NAME on the primary.
ensure_slot() {
  psql_node primary -At <<EOF >/dev/null
SELECT pg_create_physical_replication_slot('$1', true)
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$1');
EOF
}

# wait_quorum SECONDS [NODE]: wait until the two other servers both stream from
# NODE (default primary) with sync_state = quorum. Fails on timeout.
wait_quorum() {
  local secs=$1 node=${2:-primary} i n
  local q="SELECT count(*) FROM pg_stat_replication
           WHERE application_name IN ('primary', 'replica1', 'replica2')
             AND application_name <> current_setting('cluster_name')
             AND state = 'streaming' AND sync_state = 'quorum'"
  for ((i = 0; i < secs * 4; i++)); do
    n="$(psql_node "$node" -At -c "$q" 2>/dev/null || echo 0)"
    [ "$n" = 2 ] && return 0
    sleep 0.25
  done
  return 1
}
