#!/usr/bin/env bash
# Prometheus from Debian, scraping the worker, the Temporal server and the app instances.
set -euo pipefail
LOG_TAG=prometheus
. "$(dirname "$0")/../local/common.sh"

dir="$STATE_DIR/prometheus"
pidfile="$dir/prometheus.pid"

case "${1:-status}" in
  start)
    if pid_alive "$pidfile"; then log "already running"; exit 0; fi
    require_free_port "$PROMETHEUS_PORT" "Prometheus" "$pidfile" "$PROMETHEUS_HOST"
    mkdir -p "$dir/data" "$dir/targets"
    sed -e "s|@REPO_ROOT@|$REPO_ROOT|g" -e "s|@STATE_DIR@|$STATE_DIR|g" \
      -e "s|@PROMETHEUS_PORT@|$PROMETHEUS_PORT|g" -e "s|@ALERTMANAGER_PORT@|$ALERTMANAGER_PORT|g" -e "s|@ALERTMANAGER_HOST@|$ALERTMANAGER_HOST|g" -e "s|@PROMETHEUS_HOST@|$PROMETHEUS_HOST|g" \
      -e "s|@WORKER_METRICS_HOST@|$WORKER_METRICS_HOST|g" -e "s|@TEMPORAL_HOST@|$TEMPORAL_HOST|g" -e "s|@WORKER_METRICS_PORT@|$WORKER_METRICS_PORT|g" \
      -e "s|@TEMPORAL_METRICS_PORT@|$TEMPORAL_METRICS_PORT|g" -e "s|@WORKER_SDK_METRICS_PORT@|$WORKER_SDK_METRICS_PORT|g" \
      "$REPO_ROOT/infra/prometheus/prometheus.yml.template" > "$dir/prometheus.yml"
    promtool check config "$dir/prometheus.yml" >/dev/null
    start_bg prometheus "$pidfile" prometheus \
      --config.file "$dir/prometheus.yml" --storage.tsdb.path "$dir/data" \
      --web.listen-address "$PROMETHEUS_HOST:$PROMETHEUS_PORT" --web.enable-lifecycle \
      --storage.tsdb.retention.time 2d
    wait_port "$PROMETHEUS_PORT" 30 "Prometheus" "$PROMETHEUS_HOST"
    log "Prometheus on http://$PROMETHEUS_HOST:$PROMETHEUS_PORT"
    ;;
  stop) stop_pid "$pidfile" "Prometheus" 20 ;;
  status)
    if pid_alive "$pidfile"; then echo "prometheus: up, http://$PROMETHEUS_HOST:$PROMETHEUS_PORT"; else echo "prometheus: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
