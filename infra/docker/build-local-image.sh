#!/usr/bin/env bash
# Builds, without a registry or a base image, an image that runs the app instances of the
# Swarm stack (infra/docker/docker-compose.swarm.yml): the host's node runtime and the shared
# libraries it links, a shell and the three tools secrets-entrypoint.sh uses, tini, and the
# built app with only the packages it needs (scripts/app-image-files.ts). It is laid out as the
# Dockerfile's image is (/app, tini → secrets-entrypoint.sh → node dist/app/server.js, user
# node), but it holds the app only: the worker and nginx need the Dockerfile's full image.
# Tag: $JARVIS_IMAGE, by default the stack file's image with JARVIS_VERSION=local-app.
# Built again only when what it holds changed (a content hash is its label).
# Needs `npm run build` first.
set -euo pipefail
LOG_TAG=docker
. "$(dirname "$0")/../local/common.sh"

image="${JARVIS_IMAGE:-${REGISTRY:-localhost:5000}/jarvis-scale:${JARVIS_VERSION:-local-app}}"
[ -f "$REPO_ROOT/dist/app/server.js" ] || die "dist/app/server.js is missing: run npm run build first"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root" # mktemp makes it 700, and it becomes the image's /

# The host's runtime: each binary with the libraries ldd lists (copied as files, not links).
copy_with_libs() {
  local bin lib
  for bin in "$@"; do
    cp -L --parents "$bin" "$root/"
    for lib in $(ldd "$bin" | awk '/=>/ {print $3} /^\t\/lib/ {print $1}'); do
      [ -e "$root$lib" ] || cp -L --parents "$lib" "$root/"
    done
  done
}
copy_with_libs /usr/bin/node /usr/bin/tini /usr/bin/dash /usr/bin/cat /usr/bin/tr /usr/bin/basename
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/app" "$root/usr/local/bin" "$root/run/secrets"
ln -s /usr/bin/dash "$root/bin/sh"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
install -m 0755 "$REPO_ROOT/infra/docker/secrets-entrypoint.sh" "$root/usr/local/bin/secrets-entrypoint.sh"

# The app and its packages, under /app.
(cd "$REPO_ROOT" && node dist/scripts/app-image-files.js) >"$root/.files" || die "could not list the app's files"
(cd "$REPO_ROOT" && xargs -a "$root/.files" cp -a --parents -t "$root/app/")
rm "$root/.files"

# Modes and links count too: a folder the user node cannot enter breaks the image as surely as a file.
hash=$(cd "$root" && { find . -printf '%m %p %l\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect --format '{{index .Config.Labels "jarvis.content"}}' "$image" 2>/dev/null)" = "$hash" ]; then
  log "image $image is up to date ($hash)"
  exit 0
fi
old=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
tar -C "$root" -cf - . | docker import \
  --change 'WORKDIR /app' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production' \
  --change 'USER node' \
  --change 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/secrets-entrypoint.sh"]' \
  --change 'CMD ["node", "dist/app/server.js"]' \
  --change "LABEL jarvis.content=$hash" \
  --message 'jarvis-scale app instances: the host node runtime and the built app' \
  - "$image" >/dev/null
# The previous build, now untagged, is not kept.
if [ -n "$old" ] && [ "$(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null)" = 0 ]; then
  docker rmi "$old" >/dev/null || log "could not remove the previous build $old"
fi
log "built image $image ($(du -sh "$root" | cut -f1), content $hash)"
