#!/usr/bin/env bash
# The whole local stack: up | services | down | status.
#   up      installs what is missing, builds, starts every part, the worker and
#           APP_INSTANCES (default 3) app instances, then prints where to look.
#   services  starts the services only (no worker, no app instances); the tests use it.
#   down    stops this stack (the one of JARVIS_STATE_DIR) and removes its app instances
#           only, never another stack's; state stays for next time.
#   status  one line per part.
# Only up and services install what is missing; down and status install nothing.
set -euo pipefail
LOG_TAG=stack
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in up | services) bash "$here/install-deps.sh" all ;; esac
. "$here/common.sh"

APP_INSTANCES="${APP_INSTANCES:-3}"
infra="$REPO_ROOT/infra"

ensure_app_instances() {
  load_secrets
  TEMPORAL_ADDRESS="$(temporal_client_address)" node "$REPO_ROOT/dist/workers/bootstrap/ensure-instances.js" jarvis-app "$APP_INSTANCES" \
    >"$LOG_DIR/stack-scale-up.log" 2>&1 || die "could not start $APP_INSTANCES jarvis-app instances; see $LOG_DIR/stack-scale-up.log and the Temporal UI"
  log "$(tail -n 1 "$LOG_DIR/stack-scale-up.log")"
}

# Every service of the stack, without the worker and the app instances.
up_services() {
  local leftovers=${1:-stopped}
  # A test that starts a stack of its own runs from dist/ already built (JARVIS_SKIP_BUILD=1).
  if [ "${JARVIS_SKIP_BUILD:-0}" != 1 ]; then
    (cd "$REPO_ROOT" && npm run --silent build >"$LOG_DIR/build.log" 2>&1) || die "build failed; see $LOG_DIR/build.log"
  fi
  load_secrets
  bash "$here/temporal.sh" start
  # JARVIS_WITHOUT_DOCKER=1 leaves Docker alone (a second stack on other ports shares the one engine).
  if [ "${JARVIS_WITHOUT_DOCKER:-0}" != 1 ]; then
    bash "$infra/docker/dockerd.sh" start
    bash "$infra/docker/build-app-image.sh"
    bash "$infra/docker/remove-leftover-containers.sh" "$leftovers"
  fi
  bash "$infra/postgres/replication-setup.sh"
  bash "$infra/redis/cluster-setup.sh" >/dev/null
  bash "$(load_balancer_script)" start
  bash "$infra/prometheus/alertmanager.sh" start
  bash "$infra/prometheus/prometheus.sh" start
}

# LOAD_BALANCER (config/worker-env-platform.ts): nginx by default, or HAProxy driven through its runtime API.
load_balancer_script() {
  case "${LOAD_BALANCER:-nginx}" in
    nginx) echo "$infra/nginx/nginx.sh" ;;
    haproxy) echo "$infra/haproxy/haproxy.sh" ;;
    *) die "LOAD_BALANCER must be nginx or haproxy, not ${LOAD_BALANCER}" ;;
  esac
}

up() {
  local started=$SECONDS
  up_services
  bash "$here/worker.sh" start
  bash "$here/admin-api.sh" start
  ensure_app_instances
  log "stack up in $((SECONDS - started)) s"
  cat <<MSG

Jarvis Scale is running.
  Temporal UI      http://$TEMPORAL_HOST:$TEMPORAL_UI_PORT/namespaces/${TEMPORAL_NAMESPACE:-default}/workflows
  Load balancer    http://$NGINX_HOST:$NGINX_PORT/
  Prometheus       http://$PROMETHEUS_HOST:$PROMETHEUS_PORT/targets
  Alertmanager     http://$ALERTMANAGER_HOST:$ALERTMANAGER_PORT/#/alerts  (what arrives: $STATE_DIR/alerts/critical.jsonl, warning.jsonl)
  Worker metrics   http://$WORKER_METRICS_HOST:$WORKER_METRICS_PORT/metrics  (SDK runtime: :$WORKER_SDK_METRICS_PORT)
  Admin API        http://$ADMIN_API_HOST:$ADMIN_API_PORT/api/admin/metrics  (Authorization: Bearer \$ADMIN_TOKEN from $STATE_DIR/secrets.env)
  Logs             $LOG_DIR

Try:
  curl -i http://$NGINX_HOST:$NGINX_PORT/
  $TEMPORAL_BIN workflow start --type scaleUp --task-queue jarvis-scaling --input '{"service":"jarvis-app"}'
  $TEMPORAL_BIN workflow list --query 'WorkflowType="scaleUp"'
  node dist/cli/main.js status          (or jarvis-scale status after npm link)
  docker ps --filter label=jarvis.service=jarvis-app
  bash infra/local/stack.sh status
  bash infra/local/stack.sh down
MSG
}

# Instances started by the process driver belong to this stack when their environment
# carries its state folder as JARVIS_STACK_ID (activities/scaling/process-orchestrator.ts).
process_instance_pids() {
  local environ pid env
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}; pid=${pid%/environ}
    env=$(tr '\0' '\n' 2>/dev/null <"$environ") || continue
    grep -qx 'JARVIS_MANAGED_BY=jarvis-scale' <<<"$env" || continue
    grep -qxF "JARVIS_STACK_ID=$STATE_DIR" <<<"$env" || continue
    echo "$pid"
  done
}

stop_process_instances() {
  local pids
  pids=$(process_instance_pids)
  [ -n "$pids" ] || return 0
  # An instance may exit on its own between the scan and the signal; the loop below checks.
  kill -TERM $pids 2>/dev/null || log "some app instance processes had already exited"
  for _ in $(seq 1 100); do
    pids=$(process_instance_pids)
    [ -n "$pids" ] || { log "stopped app instance processes"; return 0; }
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || log "some app instance processes exited before SIGKILL"
  log "killed app instance processes that outlived 10s: $pids"
}

down() {
  bash "$here/admin-api.sh" stop
  bash "$here/worker.sh" stop
  stop_process_instances
  if [ "${JARVIS_WITHOUT_DOCKER:-0}" != 1 ] && docker version >/dev/null 2>&1; then
    # Only this stack's containers and Swarm services: another stack on the engine keeps its own.
    bash "$infra/docker/remove-leftover-containers.sh" own
  fi
  bash "$infra/nginx/nginx.sh" stop
  bash "$infra/haproxy/haproxy.sh" stop
  rm -f "$STATE_DIR"/nginx/upstreams/* "$STATE_DIR"/prometheus/targets/*
  bash "$infra/prometheus/prometheus.sh" stop
  bash "$infra/prometheus/alertmanager.sh" stop
  if [ -d "$STATE_DIR/redis" ]; then bash "$infra/redis/manage-cluster.sh" stop; fi
  if [ -d "${PG_DATA_ROOT:-$STATE_DIR/postgres}" ]; then bash "$infra/postgres/manage-replication.sh" stop-all; fi
  # The Kubernetes control plane the kubernetes driver's tests start (infra/kubernetes/cluster.sh).
  if [ -d "$STATE_DIR/kubernetes" ]; then JARVIS_STATE_DIR="$STATE_DIR" bash "$infra/kubernetes/cluster.sh" down; fi
  bash "$here/temporal.sh" stop
  [ "${JARVIS_WITHOUT_DOCKER:-0}" = 1 ] || stop_engine_unless_shared
}

# The engine is one per machine: it stops only when nothing of another stack still runs on it.
stop_engine_unless_shared() {
  local others=""
  if docker version >/dev/null 2>&1; then
    # Outside a Swarm `docker service ls` fails: that is "no service", not a failed down.
    others="$(docker ps -q 2>/dev/null | head -1 || true)$(docker service ls -q 2>/dev/null | head -1 || true)"
  fi
  if [ -n "$others" ]; then
    log "Docker Engine left running: other containers or Swarm services still use it"
  else
    bash "$infra/docker/dockerd.sh" stop
  fi
}

status() {
  bash "$here/temporal.sh" status
  bash "$infra/docker/dockerd.sh" status
  bash "$(load_balancer_script)" status
  bash "$infra/prometheus/prometheus.sh" status
  bash "$infra/prometheus/alertmanager.sh" status
  bash "$here/worker.sh" status
  bash "$here/admin-api.sh" status
  # A part whose status fails is reported as such, and the other parts are still listed.
  if [ -d "$STATE_DIR/redis" ]; then bash "$infra/redis/manage-cluster.sh" status || echo "redis: status failed (exit $?)"; fi
  if [ -d "${PG_DATA_ROOT:-$STATE_DIR/postgres}" ]; then
    bash "$infra/postgres/manage-replication.sh" status || echo "postgres: status failed (exit $?)"
  fi
  if [ "${JARVIS_WITHOUT_DOCKER:-0}" != 1 ] && docker version >/dev/null 2>&1; then
    docker ps --filter label=jarvis.service --filter "label=jarvis.stack=$STATE_DIR" --format 'instance {{.Names}}: {{.Status}}'
  fi
}

case "${1:-}" in
  up) up ;;
  services) up_services all ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|services|down|status" >&2; exit 2 ;;
esac
