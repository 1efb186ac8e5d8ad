#!/usr/bin/env bash
# Builds a real Kubernetes control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok) from the Go module proxy into the project's cache, once. Safe to run again:
# every binary that is already cached is skipped.
#   infra/kubernetes/install.sh         build what is missing
#   infra/kubernetes/install.sh path    print the folder holding the binaries
# Why a wrapper module: `go install k8s.io/kubernetes/cmd/...@v1.34.4` refuses, because kubernetes'
# go.mod has replace directives (./staging/...). The wrapper maps each staging module to its published
# v0.34.x version. etcd's server module has replace directives too, so it gets a wrapper as well.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.4}" # the etcd that k8s 1.34 is tested with; 3.4 lacks RequestWatchProgress (kwok stalls)
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
CACHE_DIR="${JARVIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jarvis-scale}"
K8S_BIN_DIR="$CACHE_DIR/kubernetes-v$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
WORK_DIR="$CACHE_DIR/kubernetes-build"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)

log() { printf '[kubernetes-install] %s\n' "$*" >&2; }

if [ "${1:-build}" = path ]; then
  echo "$K8S_BIN_DIR"
  exit 0
fi

missing() { [ ! -x "$K8S_BIN_DIR/$1" ]; }
all_cached() {
  local b
  for b in "${BINARIES[@]}"; do missing "$b" && return 1; done
  return 0
}
if all_cached; then
  log "Kubernetes control plane cached at $K8S_BIN_DIR"
  exit 0
fi
# One build at a time (a second `stack.sh services` while the first builds waits, then finds the cache).
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/kubernetes-build.lock"
if ! flock -n 9; then
  log "another build of the control plane runs; waiting for it"
  flock 9
fi
if all_cached; then
  log "Kubernetes control plane cached at $K8S_BIN_DIR"
  exit 0
fi
command -v go >/dev/null 2>&1 || { log "Go (>= 1.24) is needed to build the control plane; install golang first"; exit 1; }

# -p=1 keeps the peak memory of the apiserver link low on small machines; nice keeps the machine usable.
# test/run-all.sh asks for both cores at nice 10: at 19, a busy test run starves the build.
export GOFLAGS="-buildvcs=false -p=${K8S_BUILD_PARALLELISM:-1}"
BUILD_NICE="${K8S_BUILD_NICE:-19}"
export CGO_ENABLED=0
mkdir -p "$K8S_BIN_DIR" "$WORK_DIR/kapi" "$WORK_DIR/etcdw"
STAGING_VERSION="v0.${K8S_VERSION#1.}"
MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"

timed_build() { # name, then the go command; writes to a temp file first so a killed build leaves no half binary
  local name="$1" start
  shift
  start=$(date +%s)
  nice -n "$BUILD_NICE" "$@"
  mv -f "$K8S_BIN_DIR/.$name.tmp" "$K8S_BIN_DIR/$name"
  log "built $name in $(($(date +%s) - start))s"
}

write_kubernetes_wrapper() {
  cd "$WORK_DIR/kapi"
  [ -f go.sum ] && grep -q "k8s.io/kubernetes v$K8S_VERSION" go.mod 2>/dev/null && return
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    printf 'module example.local/kapi\n\ngo 1.24.0\n\ngodebug default=go1.24\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
    sed -n '/^replace (/,/^)/p' "$gomod" | grep '=> ./staging' | awk -v v="$STAGING_VERSION" '{print "\t"$1" => "$1" "v}'
    printf ')\n'
  } >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n' >tools.go
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >>tools.go; done
  printf ')\n' >>tools.go
  nice -n "$BUILD_NICE" go mod tidy
}

build_kubernetes() {
  local c ldflags="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean"
  done
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    missing "$c" || continue
    write_kubernetes_wrapper
    cd "$WORK_DIR/kapi"
    timed_build "$c" go build -ldflags "$ldflags" -o "$K8S_BIN_DIR/.$c.tmp" "k8s.io/kubernetes/cmd/$c"
  done
}

build_etcd() {
  missing etcd || return 0
  cd "$WORK_DIR/etcdw"
  printf 'module example.local/etcdw\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
  nice -n "$BUILD_NICE" go mod tidy
  timed_build etcd go build -ldflags "-s -w" -o "$K8S_BIN_DIR/.etcd.tmp" go.etcd.io/etcd/server/v3
}

build_kwok() {
  missing kwok || return 0
  local gobin
  gobin=$(mktemp -d)
  # kwok has no replace directives, so a plain go install works.
  timed_build kwok sh -c "GOBIN='$gobin' go install -ldflags '-s -w' sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION && mv '$gobin/kwok' '$K8S_BIN_DIR/.kwok.tmp'"
  rmdir "$gobin"
}

total_start=$(date +%s)
log "building the Kubernetes control plane into $K8S_BIN_DIR (about 15 minutes cold on 2 cores, once)"
build_etcd
build_kwok
build_kubernetes
log "control plane built in $(($(date +%s) - total_start))s"
