#!/usr/bin/env bash
# nginx as the load balancer in front of the app instances, on NGINX_HOST (127.0.0.1) only.
set -euo pipefail
LOG_TAG=nginx
. "$(dirname "$0")/../local/common.sh"

prefix="$STATE_DIR/nginx"
conf="$prefix/nginx.conf"
pidfile="$prefix/nginx.pid"
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"

render_config() {
  mkdir -p "$prefix/upstreams" "$prefix/tmp"
  sed -e "s|@LOG_DIR@|$LOG_DIR|g" -e "s|@NGINX_PORT@|$NGINX_PORT|g" -e "s|@NGINX_HOST@|$NGINX_HOST|g" \
    "$REPO_ROOT/infra/nginx/nginx.conf.template" > "$conf.next"
  mv "$conf.next" "$conf"
  # The control plane owns the upstream file once it exists; seed an empty one the first time.
  if [ ! -f "$prefix/upstreams/jarvis-app.conf" ]; then
    printf 'upstream jarvis-app {\n    zone jarvis-app 64k;\n    server 127.0.0.1:9 down; # no instances\n}\n' > "$prefix/upstreams/jarvis-app.conf"
  fi
}

case "${1:-status}" in
  start)
    if pid_alive "$pidfile"; then log "already running"; exit 0; fi
    require_free_port "$NGINX_PORT" "nginx" "$pidfile" "$NGINX_HOST"
    render_config
    "$NGINX_BIN" -t -q -p "$prefix" -c "$conf"
    "$NGINX_BIN" -p "$prefix" -c "$conf"
    wait_port "$NGINX_PORT" 10 "nginx" "$NGINX_HOST"
    log "nginx on http://$NGINX_HOST:$NGINX_PORT"
    ;;
  stop)
    pid_alive "$pidfile" || exit 0
    # A signal, not "nginx -s stop", which would re-parse a config whose upstreams may be gone.
    stop_pid "$pidfile" "nginx" 10
    ;;
  status)
    if pid_alive "$pidfile"; then echo "nginx: up, http://$NGINX_HOST:$NGINX_PORT"; else echo "nginx: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
