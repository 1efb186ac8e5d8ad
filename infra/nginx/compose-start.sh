#!/bin/sh
# Starts nginx in its container on the prefix it shares with the worker, for
# docker-compose.yml and the Swarm stack (infra/docker/docker-compose.swarm.yml). The first
# time, it seeds the upstream with the three instances both start with (jarvis-app-1..3 in
# Compose, Swarm slots 1..3, on APP_BASE_PORT + 1..3: 3101-3103 by default): the config nginx
# loads, and the member list the worker adds to and removes from
# (activities/routing/upstream-membership.ts), so that its first change keeps them. After
# that the worker owns both. nginx is exec'd, so it is the container's PID 1 (the Swarm
# stack's worker reloads it with SIGHUP to the container).
set -eu
prefix=/var/lib/jarvis/nginx
base=${APP_BASE_PORT:-3100}
mkdir -p "$prefix/upstreams" "$prefix/tmp"
cp /etc/jarvis/nginx.conf "$prefix/nginx.conf"
if [ ! -f "$prefix/upstreams/jarvis-app.conf" ]; then
  printf 'upstream jarvis-app {\n    zone jarvis-app 64k;\n    keepalive 32;\n    server 127.0.0.1:%s max_fails=3 fail_timeout=5s;\n    server 127.0.0.1:%s max_fails=3 fail_timeout=5s;\n    server 127.0.0.1:%s max_fails=3 fail_timeout=5s;\n}\n' \
    $((base + 1)) $((base + 2)) $((base + 3)) > "$prefix/upstreams/jarvis-app.conf"
  printf '[{"name":"jarvis-app-1","port":%s},{"name":"jarvis-app-2","port":%s},{"name":"jarvis-app-3","port":%s}]\n' \
    $((base + 1)) $((base + 2)) $((base + 3)) > "$prefix/upstreams/jarvis-app.members.json"
fi
exec nginx -p "$prefix" -c "$prefix/nginx.conf" -g 'daemon off;'
