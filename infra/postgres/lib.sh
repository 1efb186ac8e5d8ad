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

# install_file DEST: write stdin to DEST (owner postgres, mode 600) when the
# content differs. Sets FILE_CHANGED=1 when it wrote.
FILE_CHANGED=0
install_file() {
  local dest=$1 tmp="$1.tmp.$$"
  cat >"$tmp"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$tmp"
  chmod 600 "$tmp"
  if cmp -s "$tmp" "$dest" 2>/dev/null; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$dest"
    FILE_CHANGED=1
  fi
}

# write_config NAME: the settings every server shares (jarvis-cluster.conf),
# the per-server ones (jarvis-node.conf) and pg_hba.conf. Standby settings
# (standby.signal, primary_conninfo, primary_slot_name) live in
# postgresql.auto.conf and are written only when a replica is created, so a
# rerun never undoes a promotion.
write_config() {
  local name=$1 dir port
  dir="$(node_dir "$name")"
  port="$(node_port "$name")"
  FILE_CHANGED=0

  install_file "$dir/jarvis-cluster.conf" <<EOF
# Managed by infra/postgres/*.sh; rewritten on every run. Shared by all servers
# of the local cluster, so any standby can be promoted to primary.
password_encryption = 'scram-sha-256'
shared_buffers = 32MB
max_connections = 100

wal_level = replica
wal_log_hints = on                 # pg_rewind after a failover
max_wal_senders = 10
max_replication_slots = 10
max_slot_wal_keep_size = 1GB       # a dead replica cannot fill the disk
hot_standby = on
hot_standby_feedback = on
wal_keep_size = 256MB              # re-pointed replicas stream without a slot
# A dead or hung primary is noticed by the standbys within seconds (the second
# vantage point of the failover detection): they reply every second and drop a
# silent sender after 5 s.
wal_receiver_status_interval = 1s
wal_receiver_timeout = 5s
wal_sender_timeout = 5s

synchronous_commit = on
synchronous_standby_names = '$PG_SYNC_NAMES'

log_line_prefix = '%m [%p] %q%u@%d '
log_statement = 'none'
EOF

  install_file "$dir/jarvis-node.conf" <<EOF
# Managed by infra/postgres/*.sh: settings of this server only.
listen_addresses = '$(node_host "$name")'
unix_socket_directories = '$(node_socket_dir "$name")'
port = $port
cluster_name = '$name'
EOF

  install_file "$dir/pg_hba.conf" <<'EOF'
# Managed by infra/postgres/*.sh. Loopback only (the simulated hosts are loopback
# addresses too), SCRAM for every TCP login.
# TYPE  DATABASE     USER        ADDRESS        METHOD
local   all          postgres                   peer
# The replication role can only replicate: no login to any database.
host    all          replicator  127.0.0.0/8    reject
host    all          replicator  ::1/128        reject
host    all          all         127.0.0.0/8    scram-sha-256
host    all          all         ::1/128        scram-sha-256
host    replication  replicator  127.0.0.0/8    scram-sha-256
host    replication  replicator  ::1/128        scram-sha-256
EOF

  local conf="$dir/postgresql.conf" inc
  for inc in jarvis-cluster.conf jarvis-node.conf; do
    if ! grep -qxF "include '$inc'" "$conf"; then
      printf "include '%s'\n" "$inc" >>"$conf"
      FILE_CHANGED=1
    fi
  done
}

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
