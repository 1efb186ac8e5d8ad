#!/usr/bin/env bash
# The stack in the shape of several hosts, simulated on loopback: each part has its own
# 127.x address and keeps its usual port, as real hosts would (docs/several-hosts.md).
#   bash infra/local/several-hosts.sh services|up|down|status|env
# Every address can still be overridden from the environment; `env` prints the shape, for
# a worker or a CLI started by hand. State lives in JARVIS_STATE_DIR (default .state-several-hosts).
# Nothing binds 0.0.0.0, so this stack runs beside the usual one on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${JARVIS_STATE_DIR:=$(cd "$here/../.." && pwd)/.state-several-hosts}"
# Temporal's dev server (CLI v1.5.1) stays on 127.0.0.1: with --ip 127.0.4.1 its frontend
# listens there, but its history and matching services are still dialled on 127.0.0.1 and
# every workflow call fails. It gets ports of its own, clear of the usual 7233, and every
# client reaches it on its own host, 127.0.4.1:7233, through a gRPC front (temporal-front.sh).
: "${TEMPORAL_HOST:=127.0.0.1}" "${TEMPORAL_PORT:=7733}"
: "${TEMPORAL_FRONT_HOST:=127.0.4.1}" "${TEMPORAL_FRONT_PORT:=7233}"
: "${TEMPORAL_UI_PORT:=$((TEMPORAL_PORT + 1000))}" "${TEMPORAL_HTTP_PORT:=$((TEMPORAL_PORT + 10))}" "${TEMPORAL_METRICS_PORT:=$((TEMPORAL_PORT + 2))}"
: "${PG_PRIMARY_HOST:=127.0.1.1}" "${PG_REPLICA1_HOST:=127.0.1.2}" "${PG_REPLICA2_HOST:=127.0.1.3}"
: "${PG_PRIMARY_PORT:=5432}" "${PG_REPLICA1_PORT:=5432}" "${PG_REPLICA2_PORT:=5432}"
: "${REDIS_HOST:=127.0.2.{n\}}" "${REDIS_BASE_PORT:=7000}"
: "${APP_INSTANCE_HOST:=127.0.3.{n\}}" "${APP_BASE_PORT:=3100}"
: "${WORKER_METRICS_HOST:=127.0.5.1}" "${WORKER_METRICS_PORT:=9464}"
: "${NGINX_HOST:=127.0.6.1}" "${NGINX_PORT:=8080}"
: "${PROMETHEUS_HOST:=127.0.6.1}" "${PROMETHEUS_PORT:=9090}"
: "${ADMIN_API_HOST:=127.0.6.1}" "${ADMIN_API_PORT:=3000}"
export JARVIS_STATE_DIR TEMPORAL_HOST TEMPORAL_PORT TEMPORAL_UI_PORT TEMPORAL_HTTP_PORT TEMPORAL_METRICS_PORT PG_PRIMARY_HOST PG_REPLICA1_HOST PG_REPLICA2_HOST \
  PG_PRIMARY_PORT PG_REPLICA1_PORT PG_REPLICA2_PORT REDIS_HOST REDIS_BASE_PORT APP_INSTANCE_HOST APP_BASE_PORT \
  WORKER_METRICS_HOST WORKER_METRICS_PORT NGINX_HOST NGINX_PORT PROMETHEUS_HOST PROMETHEUS_PORT ADMIN_API_HOST ADMIN_API_PORT
export TEMPORAL_FRONT_HOST TEMPORAL_FRONT_PORT
export TEMPORAL_ADDRESS="$TEMPORAL_FRONT_HOST:$TEMPORAL_FRONT_PORT"

if [ "${1:-}" = env ]; then
  for v in JARVIS_STATE_DIR TEMPORAL_ADDRESS TEMPORAL_FRONT_HOST TEMPORAL_FRONT_PORT TEMPORAL_HOST TEMPORAL_PORT TEMPORAL_UI_PORT TEMPORAL_HTTP_PORT TEMPORAL_METRICS_PORT PG_PRIMARY_HOST PG_REPLICA1_HOST PG_REPLICA2_HOST \
    PG_PRIMARY_PORT PG_REPLICA1_PORT PG_REPLICA2_PORT REDIS_HOST REDIS_BASE_PORT APP_INSTANCE_HOST APP_BASE_PORT \
    WORKER_METRICS_HOST WORKER_METRICS_PORT NGINX_HOST NGINX_PORT PROMETHEUS_HOST PROMETHEUS_PORT ADMIN_API_HOST ADMIN_API_PORT; do
    printf '%s=%s\n' "$v" "${!v}"
  done
  exit 0
fi
exec bash "$here/stack.sh" "$@"
