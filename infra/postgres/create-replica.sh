#!/usr/bin/env bash
# create-replica.sh <port> <name>   (the seed's order; <name> <port> works too)
#
# Makes (when missing) and starts a streaming replica of the local primary:
# a physical slot <name> on the primary, pg_basebackup as `replicator`
# (password from a passfile, never on a command line), standby.signal and a
# primary_conninfo with application_name=<name>, so it counts for
# synchronous_standby_names = 'ANY 1 (primary, replica1, replica2)'.
# An existing replica is left as it is (only its managed config is refreshed)
# and started if it is down.
set -euo pipefail
LOG_TAG=postgres
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../local/common.sh
. "$(dirname "$0")/../local/common.sh"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage="usage: $0 <port> <name>  or  $0 <name> <port>   (e.g. $PG_REPLICA1_PORT replica1, as in the seed)"
[ $# -eq 2 ] || die "$usage"
# The seed writes `./create-replica.sh 5433 replica1`; earlier versions here took the name
# first. A port is all digits and a name never is, so either order is unambiguous.
if [[ "$1" =~ ^[0-9]+$ ]]; then port=$1 name=$2; else name=$1 port=$2; fi
[[ "$name" =~ ^replica[0-9]+$ ]] || die "replica name must look like replica1, replica2 (got '$name'); $usage"
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad port: '$port' (1-65535); $usage"
# node_port / write_config read the port from these variables.
case "$name" in
  replica1) PG_REPLICA1_PORT=$port ;;
  replica2) PG_REPLICA2_PORT=$port ;;
  *) die "only replica1 and replica2 are part of the local cluster" ;;
esac
# Servers on one host need ports of their own; on hosts of their own they may share one.
[ "$port" != "$PG_PRIMARY_PORT" ] || [ "$(node_host "$name")" != "$PG_PRIMARY_HOST" ] ||
  die "$PG_PRIMARY_HOST:$port is the primary's address"

# A port that answers is in use, unless it is this replica itself, already running there
# (a rerun changes nothing). Checked before anything is created or written.
if port_open "$port" "$(node_host "$name")"; then
  running_port="$(sed -n 4p "$(node_dir "$name")/postmaster.pid" 2>/dev/null || true)"
  [ "$running_port" = "$port" ] ||
    die "port $port is in use by another program (not $name); choose a free port, or stop what listens there (ss -ltnp 'sport = :$port')"
fi

load_secrets
prepare_root
write_passfile

node_running primary && [ "$(node_role primary 2>/dev/null)" = primary ] ||
  die "$name: the primary is not running as a primary on port $PG_PRIMARY_PORT (run replication-setup.sh)"

dir="$(node_dir "$name")"

if node_exists "$name"; then
  log "$name: data folder exists ($dir)"
  # Refuse a replica cloned from a different primary (e.g. the primary was re-made).
  mine="$(as_pg "$PG_BIN/pg_controldata" -D "$dir" | awk -F': *' '/^Database system identifier/ {print $2}')"
  theirs="$(psql_node primary -At -c 'SELECT system_identifier FROM pg_control_system()')"
  [ "$mine" = "$theirs" ] ||
    die "$name: $dir was cloned from another cluster (system id $mine, primary has $theirs); stop it and delete the folder to re-create it"
else
  [ ! -e "$dir" ] || die "$name: $dir exists but holds no cluster; move it away first"
  # The slot only for a new replica: one that exists may have been re-pointed by a
  # failover (no slot), and an unused slot would hold WAL back for nobody.
  ensure_slot "$name"
  scratch="$PG_DATA_ROOT/.$name.basebackup"
  rm -rf "$scratch"
  log "$name: pg_basebackup from $PG_PRIMARY_HOST:$PG_PRIMARY_PORT (slot $name)"
  as_pg env PGPASSFILE="$PG_PASSFILE" PGAPPNAME="$name-basebackup" \
    "$PG_BIN/pg_basebackup" -h "$PG_PRIMARY_HOST" -p "$PG_PRIMARY_PORT" -U replicator -w \
    -D "$scratch" -X stream -S "$name" -c fast ||
    { rm -rf "$scratch"; die "$name: pg_basebackup failed"; }

  # Standby settings, written once at creation time: a later rerun must not
  # turn a promoted server back into a standby.
  auto="$scratch/postgresql.auto.conf"
  tmp="$auto.tmp"
  { grep -Ev '^[[:space:]]*(primary_conninfo|primary_slot_name)[[:space:]]*=' "$auto" || true
    printf "primary_conninfo = 'host=%s port=%s user=replicator passfile=''%s'' application_name=%s'\n" \
      "$PG_PRIMARY_HOST" "$PG_PRIMARY_PORT" "$PG_PASSFILE" "$name"
    printf "primary_slot_name = '%s'\n" "$name"
  } >"$tmp"
  mv -f "$tmp" "$auto"
  : >"$scratch/standby.signal"
  chown -R postgres:postgres "$scratch"
  chmod 600 "$auto" "$scratch/standby.signal"
  mv "$scratch" "$dir"
fi
chmod 700 "$dir"

write_config "$name"
start_node "$name"
