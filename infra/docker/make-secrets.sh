#!/usr/bin/env bash
# Creates the secrets docker-compose.yml reads, once: one random value per file under
# ./secrets (or $1). Existing files are kept, so running it again changes nothing.
# The folder is 700 so only root reads them on the host; the files are 644 because
# Compose bind-mounts them as they are, and the image runs as the unprivileged "node".
# For Swarm, load the same files with: docker secret create <name> secrets/<name>
set -euo pipefail
dir="${1:-$(cd "$(dirname "$0")/../.." && pwd)/secrets}"
names=(redis_password redis_app_password pg_superuser_password pg_replication_password pg_app_password admin_token temporal_db_password grafana_admin_password)
mkdir -p "$dir"
chmod 700 "$dir"
for name in "${names[@]}"; do
  file="$dir/$name"
  if [ -s "$file" ]; then continue; fi
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file"
  chmod 644 "$file"
  echo "created $file" >&2
done
