# Shared Redis Cluster helpers. Source it after infra/local/common.sh; do not run it.
#
# The password lives only in each node's redis.conf (mode 600) and, for
# redis-cli, in the REDISCLI_AUTH variable of that one command. It is never put
# on a command line and never printed.

REDIS_STATE_DIR="$STATE_DIR/redis"
REDIS_NODE_COUNT=6
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
REDIS_STOP_TIMEOUT="${REDIS_STOP_TIMEOUT:-30}"
REDIS_CLUSTER_TIMEOUT="${REDIS_CLUSTER_TIMEOUT:-60}"

command -v redis-server >/dev/null || die "redis-server not found (run infra/local/install-deps.sh)"
command -v redis-cli >/dev/null || die "redis-cli not found (run infra/local/install-deps.sh)"

# A node is named by its host:port, as the cluster names it. REDIS_HOST gives node N's host,
# {n} standing for N: with {n} every node is a host of its own and all use REDIS_BASE_PORT, as
# real hosts would; without it all share one host and node N takes REDIS_BASE_PORT + N - 1.
# (The same rule in TypeScript: policy/redis/redis-node-address.ts.)
redis_one_port() { [[ $REDIS_HOST == *'{n}'* ]]; }

# redis_stack_node N: host:port of the stack's node N.
redis_stack_node() {
  if redis_one_port; then
    echo "$(host_for "$REDIS_HOST" "$1"):$REDIS_BASE_PORT"
  else
    echo "$REDIS_HOST:$((REDIS_BASE_PORT + $1 - 1))"
  fi
}

# The base cluster's six nodes, in node order (the first three become masters).
redis_base_nodes() {
  local i
  for ((i = 1; i <= REDIS_NODE_COUNT; i++)); do redis_stack_node "$i"; done
}

# REDIS_CLUSTER_NODES value for the base cluster.
redis_cluster_nodes() { redis_base_nodes | paste -sd, -; }

redis_check_port() {
  [[ ${1:-} =~ ^[0-9]+$ ]] && [ "$1" -ge 1024 ] && [ "$1" -le 55535 ] ||
    die "port must be an integer in 1024..55535 (its cluster bus uses port+10000), got '${1:-}'"
}

# redis_node ARG: the node's host:port, from host:port or from a port alone (the older form:
# that port on REDIS_HOST, {n} standing for port - REDIS_BASE_PORT + 1). Dies on anything else.
redis_node() {
  local arg=${1:-}
  if [[ $arg =~ ^[0-9]+$ ]]; then
    redis_check_port "$arg"
    echo "$(host_for "$REDIS_HOST" $((arg - REDIS_BASE_PORT + 1))):$arg"
    return 0
  fi
  [[ $arg =~ ^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):([0-9]+)$ ]] ||
    die "a node must be host:port such as 127.0.2.7:7000 (or a port on REDIS_HOST), got '$arg'"
  redis_check_port "${BASH_REMATCH[3]}"
  echo "$arg"
}

redis_node_host() { echo "${1%:*}"; }
redis_node_port() { echo "${1##*:}"; }

# A node's state folder name: its port when the stack runs every node on one host and the node
# is on it (folders made before nodes had a host keep their name), else host_port.
redis_folder_name() {
  local host=${1%:*} port=${1##*:}
  if ! redis_one_port && [ "$host" = "$REDIS_HOST" ]; then echo "$port"; else echo "${host}_${port}"; fi
}

redis_node_dir() { echo "$REDIS_STATE_DIR/$(redis_folder_name "$1")"; }
redis_pid_file() { echo "$(redis_node_dir "$1")/redis.pid"; }

# Every node that has a folder under $REDIS_STATE_DIR, as host:port: a host_port folder by its
# name, a port folder by the address its redis.conf binds.
redis_known_nodes() {
  local d name node host
  [ -d "$REDIS_STATE_DIR" ] || return 0
  for d in "$REDIS_STATE_DIR"/*/; do
    d=${d%/}; name=${d##*/}
    if [[ $name =~ ^(.+)_([0-9]+)$ ]]; then
      node="${BASH_REMATCH[1]}:${BASH_REMATCH[2]}"
    elif [[ $name =~ ^[0-9]+$ ]]; then
      host=$(sed -n 's/^bind //p' "$d/redis.conf" 2>/dev/null | head -n1)
      node="${host:-$REDIS_HOST}:$name"
    else
      continue
    fi
    # A folder this layout would not name so (another REDIS_HOST made it) is not ours to run.
    [ "$(redis_folder_name "$node")" = "$name" ] && echo "$node"
  done | sort -uV
}

# Base nodes first, in node order, then any other node with a folder.
redis_all_nodes() {
  local base
  base=$(redis_base_nodes)
  echo "$base"
  redis_known_nodes | grep -vxF "$base" || true
}

# redis_cli NODE ARGS...: redis-cli against one node (host:port), authenticated through
# the environment. A node that does not answer within 5 s counts as an error.
redis_cli() {
  local node=$1 host; shift
  host=${node%:*}; host=${host#[}; host=${host%]}
  REDISCLI_AUTH="$REDIS_PASSWORD" timeout 5 redis-cli -h "$host" -p "${node##*:}" "$@"
}

# True while PID is a live process. A zombie counts as gone: it has exited and
# only waits for its parent (init, for a daemon) to reap it.
redis_proc_alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Prints the pid of our redis-server on PORT (from its pid file) when it is alive.
redis_node_pid() {
  local file pid
  file=$(redis_pid_file "$1")
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  redis_proc_alive "$pid" || return 1
  # Guard against a recycled pid: redis sets its title to "redis-server HOST:PORT [cluster]".
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "redis-server $1 " || return 1
  echo "$pid"
}

# True when the node (host:port) answers PING with PONG (not LOADING, not an auth error).
redis_node_up() { [ "$(redis_cli "$1" ping 2>/dev/null)" = PONG ]; }

# The app instances' ACL user. The control plane keeps the default user (REDIS_PASSWORD).
REDIS_APP_USER=jarvis-app

# What the app library (app/lib) sends: sessions, the instance registry, locks (Lua with
# the same commands inside), the PostgreSQL topology key and channel, and what ioredis
# Cluster needs to find the slots, and WAIT (app/lib/confirmed-write.ts). Keys and channels under jarvis:* only. No admin
# command: no CONFIG, FLUSHALL, FLUSHDB, DEBUG, KEYS, CLUSTER SETSLOT/RESET/FORGET/MEET,
# ACL, SHUTDOWN, MIGRATE, REPLICAOF, SAVE, MONITOR, CLIENT KILL.
REDIS_APP_COMMANDS="ping echo auth hello quit readonly readwrite info
  cluster|slots cluster|shards cluster|nodes cluster|info cluster|myid cluster|keyslot
  client|setname client|getname client|id command|docs command|info
  get set del unlink exists expire pexpire ttl pttl incr
  hset hget hmget hgetall hincrby hdel hlen hexists
  zadd zrange zrem zcard zscore zrangebyscore
  eval evalsha script|load script|exists multi exec discard watch unwatch wait
  subscribe unsubscribe"

# The user's rules with its password as a SHA-256 hash: the clear password is in no
# file or command line of Redis (secrets.env and app-secrets.env hold it).
redis_app_acl_rules() {
  [ -n "${REDIS_APP_PASSWORD:-}" ] || die "REDIS_APP_PASSWORD is not set (load_secrets)"
  local hash cmds="" c
  hash=$(printf '%s' "$REDIS_APP_PASSWORD" | sha256sum | cut -d' ' -f1)
  for c in $REDIS_APP_COMMANDS; do cmds+=" +$c"; done
  echo "on #$hash resetkeys ~jarvis:* resetchannels &jarvis:* -@all$cmds"
}

# redis_apply_app_acl NODE: sets the app user on a running node, so a node started with
# an older redis.conf gets it too (the conf has it for the node's next start).
redis_apply_app_acl() {
  local node=$1 out
  local -
  set -f # the rules hold * patterns: no file-name expansion
  # shellcheck disable=SC2046
  out=$(redis_cli "$node" acl setuser "$REDIS_APP_USER" reset $(redis_app_acl_rules) 2>&1) ||
    die "node $node: ACL SETUSER $REDIS_APP_USER failed: $out"
  [ "$out" = OK ] || die "node $node: ACL SETUSER $REDIS_APP_USER answered: $out"
}

# Writes the node's redis.conf (mode 600), replacing it only when it changed.
redis_write_conf() {
  local node=$1 dir conf tmp host port
  dir=$(redis_node_dir "$node")
  host=$(redis_node_host "$node")
  port=$(redis_node_port "$node")
  conf="$dir/redis.conf"
  [[ $REDIS_PASSWORD =~ ^[A-Za-z0-9._~+=-]+$ ]] ||
    die "REDIS_PASSWORD may only hold letters, digits and ._~+=- (edit $STATE_DIR/secrets.env)"
  [ -n "${REDIS_APP_PASSWORD:-}" ] || die "REDIS_APP_PASSWORD is not set (load_secrets)"
  (umask 077 && mkdir -p "$dir")
  chmod 700 "$dir"
  tmp=$(umask 077 && mktemp "$dir/.redis.conf.XXXXXX")
  cat > "$tmp" <<EOF
# Written by infra/redis/lib.sh; edits are overwritten at the next start.
bind $host
protected-mode yes
port $port
daemonize yes
pidfile "$dir/redis.pid"
logfile "$(redis_log_file "$node")"
loglevel notice
dir "$dir"

cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
cluster-announce-ip $host

appendonly yes
appendfsync everysec
# A new replica syncs at once instead of waiting 5 s for others to join the transfer.
repl-diskless-sync-delay 0
dbfilename dump.rdb

requirepass "$REDIS_PASSWORD"
masterauth "$REDIS_PASSWORD"

# The app instances' own user (ACL rules are per node: every node, added ones too).
user $REDIS_APP_USER $(redis_app_acl_rules)
EOF
  if [ -f "$conf" ] && cmp -s "$tmp" "$conf"; then
    rm -f "$tmp"
  else
    chmod 600 "$tmp"
    mv -f "$tmp" "$conf"
    redis_node_pid "$node" >/dev/null && log "node $node: redis.conf changed; it applies at the node's next start"
  fi
  return 0
}

# redis_log_file NODE: its log, named like its folder (redis-7000.log on one host).
redis_log_file() { echo "$LOG_DIR/redis-$(redis_folder_name "$1").log"; }

# redis_start_node NODE: starts the node (host:port, or a port on REDIS_HOST) unless it
# already runs. Does not join it to any cluster; a node with a nodes.conf rejoins its cluster by itself.
redis_start_node() {
  local node pid i
  node=$(redis_node "$1")
  if pid=$(redis_node_pid "$node"); then
    redis_node_up "$node" || redis_wait_node_up "$node"
    redis_apply_app_acl "$node"
    log "node $node: already running (pid $pid)"
    return 0
  fi
  local host port; host=$(redis_node_host "$node"); port=$(redis_node_port "$node")
  port_open "$port" "$host" && die "$node is in use by a process that is not this stack's redis node"
  port_open $((port + 10000)) "$host" && die "cluster bus port $host:$((port + 10000)) is in use (choose another REDIS_BASE_PORT)"
  rm -f "$(redis_pid_file "$node")"
  redis_write_conf "$node"
  redis-server "$(redis_node_dir "$node")/redis.conf" ||
    die "node $node: redis-server failed to start (see $(redis_log_file "$node"))"
  redis_wait_node_up "$node"
  redis_apply_app_acl "$node"
  pid=$(redis_node_pid "$node") || die "node $node: no live pid in $(redis_pid_file "$node")"
  log "node $node: started (pid $pid)"
}

redis_wait_node_up() {
  local node=$1 i
  for ((i = 0; i < REDIS_START_TIMEOUT * 10; i++)); do
    redis_node_up "$node" && return 0
    sleep 0.1
  done
  die "node $node did not answer PING within ${REDIS_START_TIMEOUT}s (see $(redis_log_file "$node"))"
}

# redis_stop_node NODE: SHUTDOWN SAVE, then waits until the process is gone.
# Falls back to SIGTERM (which also saves) when the node does not take the command.
redis_stop_node() {
  local node pid i
  node=$(redis_node "$1")
  if ! pid=$(redis_node_pid "$node"); then
    port_open "$(redis_node_port "$node")" "$(redis_node_host "$node")" && log "node $node: no pid file of ours, but something listens there; left alone"
    rm -f "$(redis_pid_file "$node")"
    return 0
  fi
  redis_cli "$node" shutdown save >/dev/null 2>&1 || true
  for ((i = 0; i < REDIS_STOP_TIMEOUT * 10; i++)); do
    redis_proc_alive "$pid" || break
    [ "$i" -eq 50 ] && kill -TERM "$pid" 2>/dev/null
    sleep 0.1
  done
  redis_proc_alive "$pid" && die "node $node (pid $pid) did not exit within ${REDIS_STOP_TIMEOUT}s"
  rm -f "$(redis_pid_file "$node")"
  log "node $node: stopped"
}

# redis_info_field TEXT FIELD: value of "field:value" in INFO-style output.
redis_info_field() { printf '%s\n' "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

# Slot count of the "myself" line of CLUSTER NODES on NODE.
redis_node_slots() {
  redis_cli "$1" cluster nodes 2>/dev/null | awk '
    / myself/ {
      n = 0
      for (i = 9; i <= NF; i++) {
        if ($i ~ /^\[/) continue
        split($i, r, "-")
        n += (r[2] == "" ? 1 : r[2] - r[1] + 1)
      }
      print n
    }'
}

# Prints "fresh" when no base node belongs to a cluster yet, "formed" when all do,
# and dies when some do and some do not (a node lost its state).
redis_cluster_formation() {
  local node info known slots fresh=() joined=()
  for node in $(redis_base_nodes); do
    info=$(redis_cli "$node" cluster info) || die "node $node: CLUSTER INFO failed"
    known=$(redis_info_field "$info" cluster_known_nodes)
    slots=$(redis_info_field "$info" cluster_slots_assigned)
    if [ "$known" = 1 ] && [ "$slots" = 0 ]; then fresh+=("$node"); else joined+=("$node"); fi
  done
  if [ ${#joined[@]} -eq 0 ]; then echo fresh; return; fi
  if [ ${#fresh[@]} -eq 0 ]; then echo formed; return; fi
  die "nodes ${joined[*]} belong to a cluster but ${fresh[*]} do not (lost state?). Join them with
  redis-cli --cluster add-node, or start over: manage-cluster.sh stop && rm -rf '$REDIS_STATE_DIR'"
}

# Waits until every base node reports cluster_state:ok, all 16384 slots assigned
# and the same number (at least 6) of known nodes, and every base replica has its
# replication link up.
redis_wait_cluster_ok() {
  local timeout=${1:-$REDIS_CLUSTER_TIMEOUT} deadline node info state slots known seen problem next_note=""
  deadline=$((SECONDS + timeout))
  while :; do
    problem=""
    seen=""
    for node in $(redis_base_nodes); do
      if ! info=$(redis_cli "$node" cluster info 2>/dev/null); then
        problem="node $node unreachable"; break
      fi
      state=$(redis_info_field "$info" cluster_state)
      slots=$(redis_info_field "$info" cluster_slots_assigned)
      known=$(redis_info_field "$info" cluster_known_nodes)
      if [ "$state" != ok ]; then problem="node $node: cluster_state:$state"; break; fi
      if [ "$slots" != 16384 ]; then problem="node $node: cluster_slots_assigned:$slots"; break; fi
      if [ "${known:-0}" -lt "$REDIS_NODE_COUNT" ]; then problem="node $node: sees $known nodes"; break; fi
      if [ -n "$seen" ] && [ "$known" != "$seen" ]; then problem="nodes disagree on node count ($seen vs $known)"; break; fi
      seen=$known
      info=$(redis_cli "$node" info replication 2>/dev/null) || { problem="node $node unreachable"; break; }
      if [ "$(redis_info_field "$info" role)" = slave ] &&
        [ "$(redis_info_field "$info" master_link_status)" != up ]; then
        problem="replica $node: link to its master is not up yet"; break
      fi
    done
    if [ -z "$problem" ]; then
      log "cluster ok: 16384 slots assigned, every node sees $seen nodes, replicas in sync"
      return 0
    fi
    [ "$SECONDS" -ge "$deadline" ] && die "cluster not ok after ${timeout}s: $problem (see $LOG_DIR/redis-*.log)"
    if [ "$SECONDS" -ge "${next_note:=$((SECONDS + 3))}" ]; then
      log "waiting for the cluster: $problem"
      next_note=$((SECONDS + 5))
    fi
    sleep 0.5
  done
}
