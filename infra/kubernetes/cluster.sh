#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the kubernetes driver's tests and for trying
# the manifests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (a fake
# kubelet: Pods on its node become Running and Ready without a container).
#   cluster.sh up          start it, fresh, unless it already runs; prints KUBECONFIG
#   cluster.sh down        stop the processes this state folder recorded (never others)
#   cluster.sh status      one line per part
#   cluster.sh kubeconfig  the admin kubeconfig's path (its context's namespace is K8S_NAMESPACE)
# Everything listens on 127.0.0.1; kwok gives Pods addresses in 127.244.0.0/24, so even a
# stray probe of a Pod would stay on this machine (nothing here ever sends one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
STATE_DIR="${JARVIS_STATE_DIR:-$repo_root/.state}"
K8S_STATE_DIR="${K8S_STATE_DIR:-$STATE_DIR/kubernetes}"
K8S_ETCD_PORT="${K8S_ETCD_PORT:-16379}"
K8S_ETCD_PEER_PORT="${K8S_ETCD_PEER_PORT:-$((K8S_ETCD_PORT + 1))}"
K8S_API_PORT="${K8S_API_PORT:-16443}"
K8S_KCM_PORT="${K8S_KCM_PORT:-16257}"
K8S_SCHEDULER_PORT="${K8S_SCHEDULER_PORT:-16259}"
K8S_POD_CIDR="${K8S_POD_CIDR:-127.244.0.1/24}"
K8S_NAMESPACE="${K8S_NAMESPACE:-jarvis}"
PARTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
pki="$K8S_STATE_DIR/pki"
logs="$K8S_STATE_DIR/logs"

log() { printf '[kubernetes] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

bin_dir() { bash "$here/install.sh" path; }
pid_of() { cat "$K8S_STATE_DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
api_ready() { curl -sf --max-time 2 --cacert "$pki/ca.crt" "https://127.0.0.1:$K8S_API_PORT/readyz" >/dev/null 2>&1; }
kubectl_admin() { "$(bin_dir)/kubectl" --kubeconfig "$pki/admin.kubeconfig" "$@"; }

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2 part=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$part" = - ] || alive "$part" || die "$part exited while starting; see $logs/$part.log"
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${seconds}s; see $logs/"
    sleep 0.1
  done
}

start_part() { # name, binary args...
  local name=$1
  shift
  nohup "$(bin_dir)/$name" "$@" >"$logs/$name.log" 2>&1 &
  echo $! >"$K8S_STATE_DIR/$name.pid"
}

up() {
  local started=$SECONDS b
  b=$(bin_dir)
  for part in "${PARTS[@]}" kubectl; do
    [ -x "$b/$part" ] || die "$b/$part is missing: build the control plane first with bash infra/kubernetes/install.sh (about 15 minutes, once)"
  done
  if alive kube-apiserver && api_ready; then
    log "already up (KUBECONFIG=$pki/admin.kubeconfig)"
    echo "$pki/admin.kubeconfig"
    return
  fi
  down >/dev/null 2>&1 || true
  for port in "$K8S_ETCD_PORT" "$K8S_ETCD_PEER_PORT" "$K8S_API_PORT" "$K8S_KCM_PORT" "$K8S_SCHEDULER_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "127.0.0.1:$port is taken by another process; set the K8S_*_PORT variables"; fi
  done
  rm -rf "$K8S_STATE_DIR"
  mkdir -p "$logs"
  bash "$here/pki.sh" "$pki" "$K8S_API_PORT" "$K8S_NAMESPACE"
  start_part etcd --name jarvis-test --data-dir "$K8S_STATE_DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --initial-cluster "jarvis-test=http://127.0.0.1:$K8S_ETCD_PEER_PORT" --unsafe-no-fsync --quota-backend-bytes=1073741824
  wait_for etcd 30 etcd curl -sf --max-time 1 "http://127.0.0.1:$K8S_ETCD_PORT/health"
  start_part kube-apiserver --etcd-servers="http://127.0.0.1:$K8S_ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$K8S_API_PORT" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
    --token-auth-file="$pki/tokens.csv" --authorization-mode=RBAC \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-cluster-ip-range=10.96.0.0/16 \
    --cert-dir="$pki/apiserver-certdir" --profiling=false --enable-priority-and-fairness=false --endpoint-reconciler-type=none
  wait_for kube-apiserver 90 kube-apiserver api_ready
  # Service-account credentials per controller: under its own user the deployment controller may not create ReplicaSets.
  start_part kube-controller-manager --kubeconfig="$pki/kcm.kubeconfig" \
    --authentication-kubeconfig="$pki/kcm.kubeconfig" --authorization-kubeconfig="$pki/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$K8S_KCM_PORT" --leader-elect=false \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" --use-service-account-credentials=true \
    --controllers=deployment-controller,replicaset-controller,serviceaccount-controller,serviceaccount-token-controller,garbage-collector-controller,namespace-controller,node-lifecycle-controller \
    --concurrent-deployment-syncs=5 --concurrent-replicaset-syncs=5
  # kwok does not schedule Pods; the real scheduler does.
  start_part kube-scheduler --kubeconfig="$pki/scheduler.kubeconfig" \
    --authentication-kubeconfig="$pki/scheduler.kubeconfig" --authorization-kubeconfig="$pki/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$K8S_SCHEDULER_PORT" --leader-elect=false
  # No --server-address and no --node-port: kwok binds no port.
  start_part kwok --kubeconfig="$pki/kwok.kubeconfig" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --manage-nodes-with-label-selector= \
    --disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom --disregard-status-with-label-selector= \
    --cidr="$K8S_POD_CIDR" --node-ip=127.0.0.1 --node-lease-duration-seconds=40
  wait_for kube-controller-manager 60 kube-controller-manager curl -skf --max-time 1 "https://127.0.0.1:$K8S_KCM_PORT/healthz"
  wait_for kube-scheduler 60 kube-scheduler curl -skf --max-time 1 "https://127.0.0.1:$K8S_SCHEDULER_PORT/healthz"
  kubectl_admin apply -f "$here/node.yaml" >/dev/null
  wait_for "node kwok-node-0" 60 kwok kubectl_admin wait --for=condition=Ready node/kwok-node-0 --timeout=2s
  # Pods need the namespace's default ServiceAccount (admission), and the node's start-up taint gone.
  wait_for "ServiceAccount default/default" 60 kube-controller-manager kubectl_admin -n default get serviceaccount default
  wait_for "node without taints" 60 kube-controller-manager \
    bash -c "[ -z \"\$('$b/kubectl' --kubeconfig '$pki/admin.kubeconfig' get node kwok-node-0 -o jsonpath='{.spec.taints}')\" ]"
  log "up in $((SECONDS - started)) s: API https://127.0.0.1:$K8S_API_PORT, KUBECONFIG=$pki/admin.kubeconfig (namespace $K8S_NAMESPACE)"
  echo "$pki/admin.kubeconfig"
}

down() {
  local part pid
  # Reverse order; only the PIDs this state folder recorded.
  for part in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    pid=$(pid_of "$part")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local any=0
    for part in "${PARTS[@]}"; do alive "$part" && any=1; done
    [ $any = 0 ] && break
    sleep 0.2
  done
  for part in "${PARTS[@]}"; do
    pid=$(pid_of "$part")
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    rm -f "$K8S_STATE_DIR/$part.pid"
  done
  log "down"
}

status() {
  local part
  for part in "${PARTS[@]}"; do
    if alive "$part"; then echo "$part: running (pid $(pid_of "$part"))"; else echo "$part: stopped"; fi
  done
  if api_ready; then echo "API https://127.0.0.1:$K8S_API_PORT: ready"; else echo "API https://127.0.0.1:$K8S_API_PORT: not ready"; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kubeconfig) echo "$pki/admin.kubeconfig" ;;
  *) echo "usage: $0 up|down|status|kubeconfig" >&2; exit 2 ;;
esac
