#!/bin/sh
# Turns Docker/Kubernetes secret files into environment variables, then runs the command.
# /run/secrets/redis_password becomes REDIS_PASSWORD, and so on; a variable that is
# already set wins. The values are never printed.
set -eu
dir="${JARVIS_SECRETS_DIR:-/run/secrets}"
if [ -d "$dir" ]; then
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file" | tr 'a-z.-' 'A-Z__')
    case "$name" in *[!A-Z0-9_]*|[0-9]*) continue ;; esac
    eval "current=\${$name:-}"
    [ -n "$current" ] || export "$name=$(cat "$file")"
  done
fi
exec "$@"
