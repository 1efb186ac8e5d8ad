#!/usr/bin/env bash
# The control plane's admin HTTP API (admin-api/main.ts) as a background process with its own log.
set -euo pipefail
LOG_TAG=admin-api
. "$(dirname "$0")/common.sh"

pidfile="$STATE_DIR/admin-api/admin-api.pid"

case "${1:-status}" in
  start)
    node_start_precheck "$pidfile" admin-api/main.js "admin API"
    export TEMPORAL_ADDRESS="$(temporal_client_address)" ADMIN_API_PORT NGINX_PORT APP_BASE_PORT
    start_bg admin-api "$pidfile" node "$REPO_ROOT/dist/admin-api/main.js"
    wait_port "$ADMIN_API_PORT" 30 "admin API" "$ADMIN_API_HOST"
    log "admin API on http://$ADMIN_API_HOST:$ADMIN_API_PORT (bearer token: ADMIN_TOKEN in $STATE_DIR/secrets.env)"
    ;;
  stop) stop_pid "$pidfile" "admin API" 10 ;;
  status) print_status admin-api "$pidfile" " on $ADMIN_API_HOST:$ADMIN_API_PORT" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
