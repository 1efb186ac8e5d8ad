#!/usr/bin/env bash
# Debian's Alertmanager for the local stack, and the webhook receiver that stands in for a pager.
#   start   renders the configuration (ALERTMANAGER_CONFIG_TEMPLATE, default alertmanager.yml.template),
#           refuses it with amtool's message when `amtool check-config` does (an unknown receiver,
#           a bad matcher), then starts the receiver and Alertmanager
#   stop | status
set -euo pipefail
LOG_TAG=alertmanager
. "$(dirname "$0")/../local/common.sh"

dir="$STATE_DIR/alertmanager"
pidfile="$dir/alertmanager.pid"
receiver_pid="$dir/receiver.pid"
template="${ALERTMANAGER_CONFIG_TEMPLATE:-$REPO_ROOT/infra/prometheus/alertmanager.yml.template}"

start() {
  mkdir -p "$dir/data" "$LOG_DIR"
  local rendered="$dir/alertmanager.yml"
  sed -e "s|@ALERT_RECEIVER_PORT@|$ALERT_RECEIVER_PORT|g" -e "s|@ALERT_RECEIVER_HOST@|$ALERTMANAGER_HOST|g" "$template" > "$rendered.new"
  local check
  if ! check=$(amtool check-config "$rendered.new" 2>&1); then
    rm -f "$rendered.new"
    die "the Alertmanager configuration $template is invalid, nothing started: $(grep -m1 FAILED <<<"$check" | sed 's/.*FAILED: //')"
  fi
  mv "$rendered.new" "$rendered"
  if ! pid_alive "$receiver_pid"; then
    require_free_port "$ALERT_RECEIVER_PORT" "the alert receiver" "$receiver_pid" "$ALERTMANAGER_HOST"
    start_bg alert-receiver "$receiver_pid" \
      env ALERT_RECEIVER_HOST="$ALERTMANAGER_HOST" ALERT_RECEIVER_PORT="$ALERT_RECEIVER_PORT" ALERTS_DIR="$STATE_DIR/alerts" \
      node "$REPO_ROOT/dist/scripts/alert-receiver.js"
    wait_port "$ALERT_RECEIVER_PORT" 15 "the alert receiver" "$ALERTMANAGER_HOST"
  fi
  if pid_alive "$pidfile"; then log "already running"; return; fi
  require_free_port "$ALERTMANAGER_PORT" "Alertmanager" "$pidfile" "$ALERTMANAGER_HOST"
  # --cluster.listen-address= : one Alertmanager, no gossip port of its own.
  start_bg alertmanager "$pidfile" prometheus-alertmanager \
    --config.file "$rendered" --storage.path "$dir/data" \
    --web.listen-address "$ALERTMANAGER_HOST:$ALERTMANAGER_PORT" --cluster.listen-address=
  wait_port "$ALERTMANAGER_PORT" 30 "Alertmanager" "$ALERTMANAGER_HOST"
  log "Alertmanager on http://$ALERTMANAGER_HOST:$ALERTMANAGER_PORT, receiver on $ALERTMANAGER_HOST:$ALERT_RECEIVER_PORT ($STATE_DIR/alerts)"
}

case "${1:-status}" in
  start) start ;;
  stop)
    stop_pid "$pidfile" "Alertmanager" 20
    stop_pid "$receiver_pid" "the alert receiver" 10 ;;
  status)
    if pid_alive "$pidfile"; then echo "alertmanager: up, http://$ALERTMANAGER_HOST:$ALERTMANAGER_PORT"; else echo "alertmanager: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
