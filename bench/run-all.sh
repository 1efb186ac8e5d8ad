#!/usr/bin/env bash
# Every bench under bench/ in one command: starts a stack of its own (the services, on its own
# ports, with a state folder of its own), runs each bench that applies here, and stops what it
# started. Each bench writes its JSON (and chart, where it draws one) under bench/results/.
#   bash bench/run-all.sh [--quick] [--only name[,name...]] [--use-running]
#     --quick        each bench's quick/small setting (minutes, not hours); still 3 runs where a bench
#                    repeats (fewer give no p90, and every bench refuses a run count under 3)
#     --only         just these benches (names as listed below)
#     --use-running  use the stack already up on this environment's ports; start and stop nothing
# Ports: the environment's (TEMPORAL_PORT, NGINX_PORT, ... as in infra/local/common.sh) if set,
# otherwise run-all's own set below, never the default stack's. State: BENCH_STATE_DIR
# (default .state-run-all in the repository). It refuses to start while anything listens on
# its ports: another stack holds them, so stop it or pass --use-running.
# A bench that needs what is absent (Docker, the Kubernetes binaries, HAProxy, pg_auto_failover,
# vegeta) is skipped with the reason printed. The exit status is non-zero if any bench failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

quick=0
only=""
use_running=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="${2:?--only needs a comma-separated list of bench names}"; shift ;;
    --use-running) use_running=1 ;;
    *) echo "run-all: unknown argument '$1' (use --quick, --only a,b, --use-running)" >&2; exit 2 ;;
  esac
  shift
done

# run-all's own ports when the environment names none (clear of the default stack's).
: "${TEMPORAL_PORT:=17933}" "${PG_PRIMARY_PORT:=5772}" "${PG_REPLICA1_PORT:=5773}" "${PG_REPLICA2_PORT:=5774}"
: "${REDIS_BASE_PORT:=7700}" "${NGINX_PORT:=8780}" "${PROMETHEUS_PORT:=9790}" "${WORKER_METRICS_PORT:=9964}"
: "${ADMIN_API_PORT:=25000}" "${APP_BASE_PORT:=25100}"
# The Kubernetes bench's control plane (infra/kubernetes/) on ports of run-all's own too.
: "${K8S_ETCD_PORT:=16779}" "${K8S_API_PORT:=16843}" "${K8S_KCM_PORT:=16657}" "${K8S_SCHEDULER_PORT:=16659}"
export K8S_ETCD_PORT K8S_API_PORT K8S_KCM_PORT K8S_SCHEDULER_PORT
export TEMPORAL_PORT PG_PRIMARY_PORT PG_REPLICA1_PORT PG_REPLICA2_PORT REDIS_BASE_PORT NGINX_PORT PROMETHEUS_PORT \
  WORKER_METRICS_PORT ADMIN_API_PORT APP_BASE_PORT
if [ "$use_running" = 0 ]; then export JARVIS_STATE_DIR="${BENCH_STATE_DIR:-$repo/.state-run-all}"; fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
stack_ports() {
  echo "$TEMPORAL_PORT" "$PG_PRIMARY_PORT" "$PG_REPLICA1_PORT" "$PG_REPLICA2_PORT" "$NGINX_PORT" "$PROMETHEUS_PORT" \
    "$WORKER_METRICS_PORT" "$ADMIN_API_PORT" "$K8S_ETCD_PORT" "$K8S_API_PORT"
  for i in 0 1 2 3 4 5; do echo $((REDIS_BASE_PORT + i)); done
}

docker_usable() { [ "${JARVIS_WITHOUT_DOCKER:-0}" != 1 ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; }
drivers="process"
if docker_usable; then drivers="process,docker"; fi
export ORCHESTRATOR="${ORCHESTRATOR:-process}"

# name | what it needs (checked below) | full arguments | quick arguments
benches=(
  "drain-latency|vegeta|--drains 3 --driver process|--quick --driver process"
  "lb-scale-events|vegeta haproxy|--rounds 3 --rate 200|--rounds 3 --rate 100"
  "scale-reaction||--runs 5 --drivers $drivers|--runs 3 --drivers $drivers --check-interval 5"
  "kubernetes-reaction|kubernetes|--runs 5 --drivers $drivers,kubernetes|--runs 3 --drivers $drivers,kubernetes"
  "app-throughput||10 50|3 50"
  "pg-detection||--monitor workflow --runs 5|--monitor workflow --runs 3"
  "pg-failover|pg_auto_failover|--runs 10|--runs 3"
  "pg-failover-peers|bench-peers|--rounds 10|--quick"
  "redis-reshard||--runs 5|--quick"
  "data-plane|vegeta|--connections 10000|--quick"
  "chaos||50|5"
  "idle-executions|worker|--minutes 10|--minutes 2"
)
# Files under bench/ that are parts of the benches above, not benches.
helpers=" data-plane-chart vega-svg drain-latency-chart lb-scale-events-chart pg-auto-failover-cluster pg-writer scale-common run-all "

# Why a bench cannot run here, or nothing if it can.
missing() {
  local need
  for need in $1; do
    case "$need" in
      vegeta) bash infra/local/install-deps.sh vegeta-path >/dev/null 2>&1 && [ -x "$(bash infra/local/install-deps.sh vegeta-path)" ] ||
        { echo "vegeta is not built (bash infra/local/install-deps.sh vegeta)"; return; } ;;
      haproxy) [ -x /usr/sbin/haproxy ] || { echo "HAProxy is not installed (/usr/sbin/haproxy)"; return; } ;;
      kubernetes) [ -x "$(bash infra/local/install-deps.sh kubernetes-path 2>/dev/null)/kube-apiserver" ] ||
        { echo "the Kubernetes binaries are absent (bash infra/local/install-deps.sh kubernetes)"; return; } ;;
      bench-peers) [ -x "$(bash infra/local/install-deps.sh bench-peers-path 2>/dev/null)" ] && command -v etcd >/dev/null ||
        { echo "Patroni or etcd is absent (bash infra/local/install-deps.sh bench-peers)"; return; } ;;
      pg_auto_failover) command -v pg_autoctl >/dev/null || { echo "pg_auto_failover is absent (Debian's postgresql-15-auto-failover)"; return; } ;;
      worker) [ "$use_running" = 1 ] ||
        { echo "it counts what an idle full stack (worker and app instances, stack.sh up) starts; run it with --use-running on such a stack"; return; } ;;
    esac
  done
}

selected() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# Every bench file must be in the list (or a helper), so a new one is not silently left out.
for f in bench/*.ts bench/*.sh; do
  name="$(basename "${f%.*}")"
  listed=0
  for b in "${benches[@]}"; do [ "${b%%|*}" = "$name" ] && listed=1; done
  if [ "$listed" = 0 ] && [[ "$helpers" != *" $name "* ]]; then echo "run-all: bench/$(basename "$f") is not in run-all's list; add it" >&2; fi
done
if [ -n "$only" ]; then
  for name in ${only//,/ }; do
    known=0
    for b in "${benches[@]}"; do [ "${b%%|*}" = "$name" ] && known=1; done
    [ "$known" = 1 ] || { echo "run-all: no bench named '$name'" >&2; exit 2; }
  done
fi

started=0
if [ "$use_running" = 0 ]; then
  for port in $(stack_ports); do
    if listening "$port"; then
      echo "run-all: port $port on 127.0.0.1 is already in use: another stack holds run-all's ports" \
        "(TEMPORAL_PORT=$TEMPORAL_PORT, NGINX_PORT=$NGINX_PORT, ...). Stop it, run with other ports, or pass --use-running to bench that stack." >&2
      exit 3
    fi
  done
  echo "run-all: starting the services on TEMPORAL_PORT=$TEMPORAL_PORT NGINX_PORT=$NGINX_PORT (state $JARVIS_STATE_DIR)"
  bash infra/local/stack.sh services
  started=1
else
  npm run --silent build
fi
stop_stack() { if [ "$started" = 1 ]; then echo "run-all: stopping the stack it started"; bash infra/local/stack.sh down || true; fi; }
trap stop_stack EXIT

run_bench() {
  local name="$1" args="$2"
  case "$name" in
    chaos) bash bench/chaos.sh "" "$args" ;;
    # One descriptor per held connection: the limit is raised in the bench's own shell.
    data-plane) bash -c "ulimit -n 20000 && node dist/bench/data-plane.js $args" ;;
    *) node "dist/bench/$name.js" $args ;;
  esac
}

failed=()
ran=()
for b in "${benches[@]}"; do
  IFS='|' read -r name needs full small <<<"$b"
  selected "$name" || continue
  why="$(missing "$needs")"
  if [ -n "$why" ]; then echo "run-all: skipping $name: $why"; continue; fi
  args="$full"
  if [ "$quick" = 1 ]; then args="$small"; fi
  echo "run-all: $name $args"
  if run_bench "$name" "$args"; then ran+=("$name"); else failed+=("$name"); fi
done
echo "run-all: ran ${ran[*]:-nothing}; failed ${failed[*]:-none}; results in bench/results/"
[ ${#failed[@]} = 0 ]
