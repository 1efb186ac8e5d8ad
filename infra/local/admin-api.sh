#!/usr/bin/env bash
# The control plane's admin HTTP API (admin-api/main.ts) as a background process with its own log.
set -euo pipefail
LOG_TAG=admin-api
. "$(dirname "$0")/common.sh"

pidfile="$STATE_DIR/admin-api/admin-api.pid"

case "${1:-status}" in
  start)
    if pid_alive "$pidfile"; then log "already running (pid $(cat "$pidfile"))"; exit 0; fi
    [ -f "$REPO_ROOT/dist/admin-api/main.js" ] || die "the admin API is not built; run: npm run build"
    load_secrets
    export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" ADMIN_API_PORT NGINX_PORT APP_BASE_PORT
    start_bg admin-api "$pidfile" node "$REPO_ROOT/dist/admin-api/main.js"
    wait_port "$ADMIN_API_PORT" 30 "admin API"
    log "admin API on http://127.0.0.1:$ADMIN_API_PORT (bearer token: ADMIN_TOKEN in $STATE_DIR/secrets.env)"
    ;;
  stop) stop_pid "$pidfile" "admin API" 10 ;;
  status)
    if pid_alive "$pidfile"; then echo "admin-api: up (pid $(cat "$pidfile")) on 127.0.0.1:$ADMIN_API_PORT"; else echo "admin-api: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
