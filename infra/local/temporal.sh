#!/usr/bin/env bash
# The Temporal dev server with the Web UI, persisted in a SQLite file under the state folder.
set -euo pipefail
LOG_TAG=temporal
. "$(dirname "$0")/common.sh"

dir="$STATE_DIR/temporal"
pidfile="$dir/server.pid"
# The namespace the control plane uses (TEMPORAL_NAMESPACE, as @temporalio/envconfig reads it).
namespace="${TEMPORAL_NAMESPACE:-default}"
namespace_flags=()
[ "$namespace" = default ] || namespace_flags=(--namespace "$namespace")

# Service and Operation (keyword) in the control plane's namespace: start-dev registers its
# --search-attribute flags in the default namespace; another one gets them here. Adding an
# attribute that is there with the same type changes nothing.
register_search_attributes() {
  [ "$namespace" != default ] || return 0
  "$TEMPORAL_BIN" operator search-attribute create --address "$TEMPORAL_HOST:$TEMPORAL_PORT" --namespace "$namespace" \
    --name Service --type Keyword --name Operation --type Keyword >/dev/null \
    || die "could not register the search attributes Service and Operation in namespace \"$namespace\""
  log "search attributes Service and Operation registered in namespace \"$namespace\""
}

case "${1:-status}" in
  start)
    if pid_alive "$pidfile"; then log "already running (pid $(cat "$pidfile"))"; exit 0; fi
    [ -x "$TEMPORAL_BIN" ] || die "no Temporal CLI at $TEMPORAL_BIN; run infra/local/install-deps.sh temporal"
    require_free_port "$TEMPORAL_PORT" "Temporal gRPC" "$pidfile" "$TEMPORAL_HOST"
    mkdir -p "$dir"
    start_bg temporal "$pidfile" "$TEMPORAL_BIN" server start-dev \
      --ip "$TEMPORAL_HOST" --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
      --http-port "$TEMPORAL_HTTP_PORT" --metrics-port "$TEMPORAL_METRICS_PORT" \
      --db-filename "$dir/temporal.db" \
      --search-attribute Service=Keyword --search-attribute Operation=Keyword "${namespace_flags[@]}"
    wait_port "$TEMPORAL_PORT" 60 "Temporal" "$TEMPORAL_HOST"
    # The frontend accepts connections a moment before the namespace answers.
    ready=0
    for _ in $(seq 1 100); do
      if "$TEMPORAL_BIN" operator namespace describe --address "$TEMPORAL_HOST:$TEMPORAL_PORT" "$namespace" >/dev/null 2>&1; then ready=1; break; fi
      sleep 0.2
    done
    [ "$ready" = 1 ] || die "Temporal's namespace \"$namespace\" did not answer within 20s on $TEMPORAL_HOST:$TEMPORAL_PORT (see $LOG_DIR/temporal.log)"
    register_search_attributes
    log "Temporal on $TEMPORAL_HOST:$TEMPORAL_PORT, UI on http://$TEMPORAL_HOST:$TEMPORAL_UI_PORT"
    # Clients reach it on an address of its own when TEMPORAL_FRONT_HOST is set (several-hosts shape).
    [ -z "${TEMPORAL_FRONT_HOST:-}" ] || bash "$(dirname "$0")/temporal-front.sh" start
    ;;
  stop)
    [ -z "${TEMPORAL_FRONT_HOST:-}" ] || bash "$(dirname "$0")/temporal-front.sh" stop
    stop_pid "$pidfile" "Temporal" 30
    ;;
  status)
    if pid_alive "$pidfile"; then echo "temporal: up (pid $(cat "$pidfile")), gRPC $TEMPORAL_HOST:$TEMPORAL_PORT, UI http://$TEMPORAL_HOST:$TEMPORAL_UI_PORT"
    else echo "temporal: down"; fi
    [ -z "${TEMPORAL_FRONT_HOST:-}" ] || bash "$(dirname "$0")/temporal-front.sh" status
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
