#!/usr/bin/env bash
# HAProxy as the load balancer (LOAD_BALANCER=haproxy), on NGINX_HOST:NGINX_PORT (the load
# balancer's address, whichever runs), 127.0.0.1 only. The upstream files stay where the
# activities keep them for nginx ($STATE_DIR/nginx/upstreams).
set -euo pipefail
LOG_TAG=haproxy
. "$(dirname "$0")/../local/common.sh"

prefix="$STATE_DIR/haproxy"
conf="$prefix/haproxy.cfg"
pidfile="$prefix/haproxy.pid"
backend="$STATE_DIR/nginx/upstreams/jarvis-app.haproxy.cfg"
HAPROXY_BIN="${HAPROXY_BIN:-/usr/sbin/haproxy}"

render_config() {
  mkdir -p "$prefix" "$(dirname "$backend")"
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@HOST@|$NGINX_HOST|g" \
    "$REPO_ROOT/infra/haproxy/haproxy.cfg.template" > "$conf.next"
  mv "$conf.next" "$conf"
  # The control plane owns the backend file once it exists; seed an empty backend the first time.
  if [ ! -f "$backend" ]; then
    printf 'backend jarvis-app\n    balance hash req.cook(jarvis_sid)\n    hash-type consistent\n' > "$backend"
  fi
}

case "${1:-status}" in
  start)
    [ -x "$HAPROXY_BIN" ] || die "no HAProxy at $HAPROXY_BIN; install it with: bash infra/local/install-deps.sh debian"
    if pid_alive "$pidfile"; then log "already running"; exit 0; fi
    require_free_port "$NGINX_PORT" "haproxy" "$pidfile" "$NGINX_HOST"
    render_config
    "$HAPROXY_BIN" -q -c -f "$conf" -f "$backend"
    "$HAPROXY_BIN" -f "$conf" -f "$backend"
    wait_port "$NGINX_PORT" 10 "haproxy" "$NGINX_HOST"
    log "haproxy on http://$NGINX_HOST:$NGINX_PORT (runtime API: $prefix/haproxy.sock)"
    ;;
  stop)
    pid_alive "$pidfile" || exit 0
    stop_pid "$pidfile" "haproxy" 10
    ;;
  status)
    if pid_alive "$pidfile"; then echo "haproxy: up, http://$NGINX_HOST:$NGINX_PORT"; else echo "haproxy: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
