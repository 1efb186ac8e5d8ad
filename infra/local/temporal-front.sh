#!/usr/bin/env bash
# A gRPC front for the Temporal dev server on an address of its own (TEMPORAL_FRONT_HOST, port
# TEMPORAL_FRONT_PORT, 7233 by default): nginx's grpc_pass to TEMPORAL_HOST:TEMPORAL_PORT.
# Why: the dev server of the Temporal CLI (v1.5.1) binds its frontend to --ip but dials its own
# history and matching services on 127.0.0.1, so it cannot itself run on 127.0.4.1. Clients (the
# workers, the admin API, jarvis-scale, the temporal CLI) reach it through this front as they
# would reach a production Temporal behind its load balancer. Used by infra/local/several-hosts.sh.
#   bash infra/local/temporal-front.sh start|stop|status
set -euo pipefail
LOG_TAG=temporal-front
. "$(dirname "$0")/common.sh"

[ -n "${TEMPORAL_FRONT_HOST:-}" ] || die "TEMPORAL_FRONT_HOST is not set: no front to manage"
front_port="${TEMPORAL_FRONT_PORT:-7233}"
dir="$STATE_DIR/temporal-front"
pidfile="$dir/nginx.pid"
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"

write_config() {
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<CONF
# Written by infra/local/temporal-front.sh; rewritten at every start.
worker_processes 1;
pid $pidfile;
error_log $LOG_DIR/temporal-front.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/client_body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen $TEMPORAL_FRONT_HOST:$front_port http2;
    # Workflow histories and payloads can be large; Temporal sets its own limits.
    client_max_body_size 0;
    # Long polls last about a minute: longer than nginx's 60 s default.
    grpc_read_timeout 600s;
    grpc_send_timeout 600s;
    location / { grpc_pass grpc://$TEMPORAL_HOST:$TEMPORAL_PORT; }
  }
}
CONF
}

case "${1:-status}" in
  start)
    if pid_alive "$pidfile"; then log "already running"; exit 0; fi
    require_free_port "$front_port" "Temporal front" "$pidfile" "$TEMPORAL_FRONT_HOST"
    write_config
    "$NGINX_BIN" -q -t -p "$dir" -c "$dir/nginx.conf" || die "nginx rejected $dir/nginx.conf"
    "$NGINX_BIN" -p "$dir" -c "$dir/nginx.conf"
    wait_port "$front_port" 10 "the Temporal front" "$TEMPORAL_FRONT_HOST"
    log "Temporal front on $TEMPORAL_FRONT_HOST:$front_port -> $TEMPORAL_HOST:$TEMPORAL_PORT"
    ;;
  stop) stop_pid "$pidfile" "the Temporal front" 10 ;;
  status)
    if pid_alive "$pidfile"; then echo "temporal-front: up, gRPC $TEMPORAL_FRONT_HOST:$front_port -> $TEMPORAL_HOST:$TEMPORAL_PORT"
    else echo "temporal-front: down"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
