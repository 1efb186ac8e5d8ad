#!/usr/bin/env bash
# Brings up the local 6-node Redis Cluster (3 masters, 3 replicas) on
# REDIS_HOST:$REDIS_BASE_PORT..+5, or on hosts 1..6 of REDIS_HOST all on REDIS_BASE_PORT when
# REDIS_HOST holds {n} (a host per node), and waits until it is healthy.
# Idempotent: running nodes are left alone, and a cluster that already exists
# (for example nodes restarted from their nodes.conf) is never re-created.
set -euo pipefail
LOG_TAG=redis
. "$(dirname "$0")/../local/common.sh"
. "$(dirname "$0")/lib.sh"

load_secrets
started=$SECONDS

for node in $(redis_base_nodes); do
  redis_start_node "$node"
done

formation=$(redis_cluster_formation)
case "$formation" in
  fresh)
    log "creating the cluster: $(redis_cluster_nodes) with 1 replica per master"
    create_log="$LOG_DIR/redis-cluster-create.log"
    # shellcheck disable=SC2046
    if ! REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster create \
        $(redis_cluster_nodes | tr , ' ') \
        --cluster-replicas 1 --cluster-yes > "$create_log" 2>&1; then
      tail -n 20 "$create_log" >&2
      die "redis-cli --cluster create failed (full output in $create_log)"
    fi
    ;;
  formed)
    log "cluster already formed; not re-creating it"
    ;;
esac

redis_wait_cluster_ok
log "ready in $((SECONDS - started))s: REDIS_CLUSTER_NODES=$(redis_cluster_nodes)"
