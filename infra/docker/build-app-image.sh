#!/usr/bin/env bash
# Builds the app's image without a registry or a base image: an empty filesystem
# into which the containers bind-mount the host's node runtime and the built app.
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

image="${APP_IMAGE:-jarvis-app:local}"
if docker image inspect "$image" >/dev/null 2>&1; then log "image $image exists"; exit 0; fi
tar cf - --files-from /dev/null | docker import \
  --change 'WORKDIR /app' \
  --change 'ENV NODE_ENV=production' \
  --change 'CMD ["/usr/bin/node", "/app/dist/app/server.js"]' \
  --message 'jarvis-app: runs the host node binary and the bind-mounted app' \
  - "$image" >/dev/null
log "built image $image"
