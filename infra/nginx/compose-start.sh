#!/bin/sh
# Starts nginx in its container on the prefix it shares with the worker, for
# docker-compose.yml and the Swarm stack (infra/docker/docker-compose.swarm.yml). The first
# time, it seeds the upstream with the three instances both start with (ports 3101-3103:
# jarvis-app-1..3 in Compose, Swarm slots 1..3 on APP_BASE_PORT 3100); after that the
# worker owns the file. nginx is exec'd, so it is the container's PID 1 (the Swarm stack's
# worker reloads it with SIGHUP to the container).
set -eu
prefix=/var/lib/jarvis/nginx
mkdir -p "$prefix/upstreams" "$prefix/tmp"
cp /etc/jarvis/nginx.conf "$prefix/nginx.conf"
if [ ! -f "$prefix/upstreams/jarvis-app.conf" ]; then
  printf 'upstream jarvis-app {\n    zone jarvis-app 64k;\n    keepalive 32;\n    server 127.0.0.1:3101 max_fails=3 fail_timeout=5s;\n    server 127.0.0.1:3102 max_fails=3 fail_timeout=5s;\n    server 127.0.0.1:3103 max_fails=3 fail_timeout=5s;\n}\n' > "$prefix/upstreams/jarvis-app.conf"
fi
exec nginx -p "$prefix" -c "$prefix/nginx.conf" -g 'daemon off;'
