#!/usr/bin/env bash
# Idempotent bring-up of the local PostgreSQL 15 cluster on loopback: a primary
# and two streaming replicas with synchronous quorum commit
# (synchronous_standby_names = 'ANY 1 (replica1, replica2)').
#
# Every step checks the current state first, so running it again when the
# cluster is up changes nothing and returns quickly.
set -euo pipefail
LOG_TAG=postgres
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../local/common.sh
. "$(dirname "$0")/../local/common.sh"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

PG_SYNC_TIMEOUT="${PG_SYNC_TIMEOUT:-120}"

load_secrets
prepare_root
write_passfile

# 1. Primary data folder. initdb works in a scratch folder that is renamed when
#    complete, so an interrupted run never leaves a half-made cluster behind.
primary_dir="$(node_dir primary)"
if node_exists primary; then
  log "primary: data folder exists ($primary_dir)"
else
  [ ! -e "$primary_dir" ] || die "primary: $primary_dir exists but holds no cluster; move it away first"
  scratch="$PG_DATA_ROOT/.primary.initdb"
  rm -rf "$scratch"
  log "primary: initdb $primary_dir"
  as_pg "$PG_BIN/initdb" -D "$scratch" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  mv "$scratch" "$primary_dir"
fi
chmod 700 "$primary_dir"

# 2. Config (shared settings, port, pg_hba) and start.
write_config primary
start_node primary
if [ "$(node_role primary)" != primary ]; then
  # After a failover or switchover another server is the primary; roles are the
  # workflows' business, so only start what exists and check the quorum.
  log "primary: in recovery (a failover or switchover made another server the primary); starting the others as they are"
  exec bash "$HERE/manage-replication.sh" start-all
fi

# 3. Roles and database. The session commits with synchronous_commit = local,
#    so it never waits for a standby that is not there yet. Passwords go
#    through stdin into psql variables: never on a command line, never logged
#    (log_statement = none, and a failing statement is not echoed to the log).
log "primary: ensuring roles postgres, replicator, jarvis and database jarvis"
{
  printf '\\set su_pw %s\n' "'$PG_SUPERUSER_PASSWORD'"
  printf '\\set repl_pw %s\n' "'$PG_REPLICATION_PASSWORD'"
  printf '\\set app_pw %s\n' "'$PG_APP_PASSWORD'"
  cat <<'SQL'
SET synchronous_commit = local;
SET log_statement = 'none';
SET log_min_error_statement = panic;

ALTER ROLE postgres WITH PASSWORD :'su_pw';

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator') AS need_role \gset
\if :need_role
CREATE ROLE replicator;
\endif
ALTER ROLE replicator WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE
  NOINHERIT NOBYPASSRLS PASSWORD :'repl_pw';

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jarvis') AS need_role \gset
\if :need_role
CREATE ROLE jarvis;
\endif
ALTER ROLE jarvis WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  NOBYPASSRLS PASSWORD :'app_pw';

SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'jarvis') AS need_db \gset
\if :need_db
CREATE DATABASE jarvis OWNER jarvis;
\endif
ALTER DATABASE jarvis OWNER TO jarvis;
SQL
} | psql_node primary

# 4. Replicas (each creates its slot, base backup and config when missing).
bash "$HERE/create-replica.sh" "$PG_REPLICA1_PORT" replica1
bash "$HERE/create-replica.sh" "$PG_REPLICA2_PORT" replica2

# 5. Wait until both stream with sync_state = quorum.
log "waiting for replica1 and replica2 to stream in quorum (up to ${PG_SYNC_TIMEOUT}s)"
if wait_quorum "$PG_SYNC_TIMEOUT"; then
  log "ready: primary $PG_PRIMARY_HOST:$PG_PRIMARY_PORT, replicas $PG_REPLICA1_HOST:$PG_REPLICA1_PORT and $PG_REPLICA2_HOST:$PG_REPLICA2_PORT streaming (quorum)"
  exit 0
fi
psql_node primary -c 'SELECT application_name, state, sync_state FROM pg_stat_replication' >&2 || true
die "replicas did not reach state streaming / sync_state quorum within ${PG_SYNC_TIMEOUT}s (see $LOG_DIR/postgres-*.log)"
