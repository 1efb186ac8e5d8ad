# The files each PostgreSQL server is configured by (jarvis-cluster.conf, jarvis-node.conf,
# pg_hba.conf). Sourced by lib.sh; do not run it.

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
