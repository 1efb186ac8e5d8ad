#!/usr/bin/env bash
# The control plane's certificates and users: a CA, the apiserver's serving certificate for
# 127.0.0.1/localhost, the service-account key pair, static tokens and one kubeconfig per user.
#   pki.sh DIR API_PORT NAMESPACE
# admin.kubeconfig's context sets NAMESPACE, so `kubectl get pods` needs no -n.
set -euo pipefail
dir=${1:?usage: pki.sh DIR API_PORT NAMESPACE}
port=${2:?API_PORT}
namespace=${3:?NAMESPACE}
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "pki: $* failed" >&2; exit 1; }; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=jarvis-scale-test-ca"
quiet openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >ext.cnf
quiet openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile ext.cnf
quiet openssl genrsa -out sa.key 2048
quiet openssl rsa -in sa.key -pubout -out sa.pub
token() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
admin=$(token) kcm=$(token) scheduler=$(token) kwok=$(token)
umask 077
cat >tokens.csv <<T
$admin,admin,admin,"system:masters"
$kcm,system:kube-controller-manager,kcm
$scheduler,system:kube-scheduler,scheduler
$kwok,kwok,kwok,"system:masters"
T
kubeconfig() { # file user token namespace
  cat >"$1" <<K
apiVersion: v1
kind: Config
clusters:
  - name: jarvis-test
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $dir/ca.crt
users:
  - name: $2
    user:
      token: $3
contexts:
  - name: jarvis-test
    context: { cluster: jarvis-test, user: $2, namespace: $4 }
current-context: jarvis-test
K
}
kubeconfig admin.kubeconfig admin "$admin" "$namespace"
kubeconfig kcm.kubeconfig system:kube-controller-manager "$kcm" default
kubeconfig scheduler.kubeconfig system:kube-scheduler "$scheduler" default
kubeconfig kwok.kubeconfig kwok "$kwok" default
