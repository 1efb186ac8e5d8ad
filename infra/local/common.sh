# Shared settings for the stack scripts. Source it; do not run it.
# Every value can be overridden from the environment.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${JARVIS_STATE_DIR:-$REPO_ROOT/.state}"
LOG_DIR="$STATE_DIR/logs"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-$((TEMPORAL_PORT + 1000))}"
TEMPORAL_HTTP_PORT="${TEMPORAL_HTTP_PORT:-$((TEMPORAL_PORT + 10))}"
TEMPORAL_METRICS_PORT="${TEMPORAL_METRICS_PORT:-$((TEMPORAL_PORT + 2))}"
PG_PRIMARY_PORT="${PG_PRIMARY_PORT:-5432}"
PG_REPLICA1_PORT="${PG_REPLICA1_PORT:-5433}"
PG_REPLICA2_PORT="${PG_REPLICA2_PORT:-5434}"
REDIS_BASE_PORT="${REDIS_BASE_PORT:-7000}"
# Where each part listens. One machine simulates several hosts by giving each its own
# loopback address (docs/several-hosts.md); every part binds its own address, never 0.0.0.0.
TEMPORAL_HOST="${TEMPORAL_HOST:-127.0.0.1}"
PG_PRIMARY_HOST="${PG_PRIMARY_HOST:-127.0.0.1}"
PG_REPLICA1_HOST="${PG_REPLICA1_HOST:-127.0.0.1}"
PG_REPLICA2_HOST="${PG_REPLICA2_HOST:-127.0.0.1}"
# Redis node N listens on REDIS_HOST with {n} replaced by N: with {n}, every node is a host of
# its own on REDIS_BASE_PORT; without it, node N takes port REDIS_BASE_PORT + N - 1 (infra/redis/lib.sh).
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
NGINX_HOST="${NGINX_HOST:-127.0.0.1}"
PROMETHEUS_HOST="${PROMETHEUS_HOST:-127.0.0.1}"
WORKER_METRICS_HOST="${WORKER_METRICS_HOST:-127.0.0.1}"
ADMIN_API_HOST="${ADMIN_API_HOST:-127.0.0.1}"
export TEMPORAL_HOST PG_PRIMARY_HOST PG_REPLICA1_HOST PG_REPLICA2_HOST REDIS_HOST NGINX_HOST PROMETHEUS_HOST WORKER_METRICS_HOST ADMIN_API_HOST
NGINX_PORT="${NGINX_PORT:-8080}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
# Alertmanager and the local webhook receiver that stands in for a pager follow Prometheus'
# port (9093 and 9095 by default), so a stack on other ports moves them too.
ALERTMANAGER_PORT="${ALERTMANAGER_PORT:-$((PROMETHEUS_PORT + 3))}"
# Alertmanager and its stand-in pager live on the monitoring host, beside Prometheus.
ALERTMANAGER_HOST="${ALERTMANAGER_HOST:-$PROMETHEUS_HOST}"
ALERT_RECEIVER_PORT="${ALERT_RECEIVER_PORT:-$((PROMETHEUS_PORT + 5))}"
WORKER_METRICS_PORT="${WORKER_METRICS_PORT:-9464}"
WORKER_SDK_METRICS_PORT="${WORKER_SDK_METRICS_PORT:-$((WORKER_METRICS_PORT + 1))}"
ADMIN_API_PORT="${ADMIN_API_PORT:-3000}"
APP_BASE_PORT="${APP_BASE_PORT:-3100}"

export JARVIS_STATE_DIR="$STATE_DIR"

log() { printf '[%s] %s\n' "${LOG_TAG:-stack}" "$*" >&2; }

# Where clients reach Temporal: its gRPC front when there is one (temporal-front.sh, the
# several-hosts shape), else the dev server itself.
temporal_client_address() {
  if [ -n "${TEMPORAL_FRONT_HOST:-}" ]; then echo "$TEMPORAL_FRONT_HOST:${TEMPORAL_FRONT_PORT:-7233}"; else echo "$TEMPORAL_HOST:$TEMPORAL_PORT"; fi
}
die() { log "error: $*"; exit 1; }

# port_open PORT [HOST]: true when something accepts TCP connections on HOST (127.0.0.1):PORT.
port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# wait_port PORT SECONDS WHAT [HOST]
wait_port() {
  local port=$1 secs=$2 what=$3 host=${4:-127.0.0.1} i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" "$host" && return 0
    sleep 0.1
  done
  die "$what did not open $host:$port within ${secs}s (see $LOG_DIR)"
}

# host_for TEMPLATE N: the host of node or instance N ({n} in the template becomes N).
host_for() { echo "${1//\{n\}/$2}"; }

# pid_alive PIDFILE: true when the pid file names a live process.
# A zombie counts as gone: this sandbox reaps orphans slowly.
pid_alive() {
  [ -f "$1" ] || return 1
  local pid; pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != "Z" ]
}

random_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Creates the stack's secrets once (mode 600) and exports them. They are never
# put on a command line, in a workflow input, or in a log.
load_secrets() {
  mkdir -p "$STATE_DIR"
  local file="$STATE_DIR/secrets.env"
  if [ ! -f "$file" ]; then
    umask 077
    {
      echo "REDIS_PASSWORD=$(random_secret)"
      echo "PG_SUPERUSER_PASSWORD=$(random_secret)"
      echo "PG_REPLICATION_PASSWORD=$(random_secret)"
      echo "PG_APP_PASSWORD=$(random_secret)"
      echo "ADMIN_TOKEN=$(random_secret)"
    } > "$file"
    umask 022
  fi
  # Secrets added after a stack was first made are appended, never regenerated.
  if ! grep -q '^REDIS_APP_PASSWORD=' "$file"; then
    (umask 077 && echo "REDIS_APP_PASSWORD=$(random_secret)" >> "$file")
  fi
  set -a
  # shellcheck disable=SC1090
  . "$file"
  set +a
  write_app_secrets
}

# The app instances' own secrets file (mode 600): their Redis ACL user's password, the
# database password and the admin token, but not the Redis admin password nor the
# PostgreSQL superuser and replication passwords, which only the control plane holds.
write_app_secrets() {
  local file="$STATE_DIR/app-secrets.env" tmp
  tmp=$(umask 077 && mktemp "$STATE_DIR/.app-secrets.XXXXXX")
  {
    echo "REDIS_USERNAME=jarvis-app"
    echo "REDIS_APP_PASSWORD=$REDIS_APP_PASSWORD"
    echo "PG_APP_PASSWORD=$PG_APP_PASSWORD"
    echo "ADMIN_TOKEN=$ADMIN_TOKEN"
  } > "$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$file"
}

mkdir -p "$LOG_DIR"

# start_bg NAME PIDFILE CMD...: runs CMD detached in its own session, logging to $LOG_DIR/NAME.log.
start_bg() {
  local name=$1 pidfile=$2; shift 2
  mkdir -p "$(dirname "$pidfile")"
  setsid nohup "$@" >>"$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# stop_pid PIDFILE WHAT [SECONDS]: SIGTERM, then SIGKILL after the grace period.
stop_pid() {
  local pidfile=$1 what=$2 secs=${3:-20} pid i
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "$what stopped"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  log "$what did not stop within ${secs}s; killed"
}

# node_start_precheck PIDFILE ENTRY WHAT: before starting dist/ENTRY in the background, exits 0
# when it already runs, fails when it is not built, and loads the secrets it reads.
node_start_precheck() {
  local pidfile=$1 entry=$2 what=$3
  if pid_alive "$pidfile"; then log "already running (pid $(cat "$pidfile"))"; exit 0; fi
  [ -f "$REPO_ROOT/dist/$entry" ] || die "the $what is not built; run: npm run build"
  load_secrets
}

# print_status NAME PIDFILE [DETAIL]: the one status line of a background process.
print_status() {
  if pid_alive "$2"; then echo "$1: up (pid $(cat "$2"))${3:-}"; else echo "$1: down"; fi
}

# require_free_port PORT WHAT PIDFILE [HOST]: fails when another program holds a port we are about to use.
require_free_port() {
  local port=$1 what=$2 pidfile=$3 host=${4:-127.0.0.1}
  if port_open "$port" "$host" && ! pid_alive "$pidfile"; then
    die "port $host:$port for $what is taken by another program; stop it, or set the port variable (see infra/local/common.sh)"
  fi
}

TEMPORAL_BIN="${TEMPORAL_BIN:-$(bash "$REPO_ROOT/infra/local/install-deps.sh" temporal-path)}"
