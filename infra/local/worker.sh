#!/usr/bin/env bash
# The control plane's Temporal worker, as a background process with its own log.
set -euo pipefail
LOG_TAG=worker
. "$(dirname "$0")/common.sh"

pidfile="$STATE_DIR/worker/worker.pid"

case "${1:-status}" in
  start)
    node_start_precheck "$pidfile" workers/main.js worker
    export TEMPORAL_ADDRESS="$(temporal_client_address)" NGINX_PORT APP_BASE_PORT WORKER_METRICS_PORT WORKER_SDK_METRICS_PORT
    # The log is appended to across restarts: only the lines this start writes speak for it
    # (reading just the last few lines misses "worker ready" once the SDK logs after it).
    from_line=1
    if [ -f "$LOG_DIR/worker.log" ]; then from_line=$(($(wc -l <"$LOG_DIR/worker.log") + 1)); fi
    start_bg worker "$pidfile" node "$REPO_ROOT/dist/workers/main.js"
    ready_seconds="${WORKER_READY_SECONDS:-90}"
    ready=0
    for _ in $(seq 1 $((ready_seconds * 5))); do
      if tail -n "+$from_line" "$LOG_DIR/worker.log" 2>/dev/null | grep -q "worker ready"; then ready=1; break; fi
      pid_alive "$pidfile" || die "the worker exited at start; see $LOG_DIR/worker.log"
      sleep 0.2
    done
    [ "$ready" = 1 ] || die "the worker did not log \"worker ready\" within ${ready_seconds}s (WORKER_READY_SECONDS); see $LOG_DIR/worker.log"
    wait_port "$WORKER_METRICS_PORT" 30 "worker metrics" "$WORKER_METRICS_HOST"
    log "worker serving task queue ${TASK_QUEUE:-jarvis-scaling}; metrics on http://$WORKER_METRICS_HOST:$WORKER_METRICS_PORT/metrics"
    ;;
  stop) stop_pid "$pidfile" "worker" 30 ;;
  status) print_status worker "$pidfile" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
