#!/usr/bin/env bash
# Tracing with real parts: the packaged jar with OpenTelemetry spans exported to a real Zipkin server (in-memory
# storage, io.zipkin:zipkin-server exec jar from Maven Central) and scraped by a real Prometheus with
# --enable-feature=exemplar-storage. .ci/trace/proof.py then shows:
#   1. requests with sampled, unsampled and no traceparent (JSON, 404, 405, a slow NDJSON stream): counts exact;
#   2. Prometheus' /api/v1/query_exemplars: the duration histogram's exemplars carry only trace ids of sampled
#      traceparents sent, each on its own request's (api, status) series, and every (api, status) sent has one;
#   3. Zipkin's /api/v2/trace/{id} of such a trace: the service's SERVER span, child of the client's span id, whose
#      id is the exemplar's span_id, with its route and status;
#   4. Zipkin killed mid-run: 200 more requests all succeed and the counts stay exact.
# The service runs with OTEL_TRACES_EXPORTER=zipkin and OTEL_TRACES_SAMPLER=parentbased_traceidratio, ratio 0: it
# samples a request exactly when its caller did, so every exemplar's trace id is one the proof sent.
#
#   bash .ci/trace-proof.sh     # as root: installs prometheus, python3, curl (apt) if missing; builds the jar if stale
#
# Everything binds to 127.0.0.1 on free ports; every process is stopped by PID at exit. About 60 s.
# Last line: "trace-proof: passed" or "trace-proof: FAILED".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/jdk.sh
WORK=${TRACE_WORK:-$(mktemp -d -t trace-proof.XXXXXX)}
mkdir -p "$WORK"
SVC="" ZIPKIN="" PROM=""
log() { printf '[trace-proof %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
stop() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  stop "$PROM"; stop "$SVC"; stop "$ZIPKIN"
  [[ -n ${TRACE_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

missing=()
for tool in prometheus python3 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if (( ${#missing[@]} )); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

JAR=$ROOT/target/request-metrics.jar
if [[ ! -f $JAR ]] || [[ -n $(find src/main/java src/main/resources pom.xml app.yaml -newer "$JAR" -print -quit) ]]; then
  log "building $JAR"
  mvn -B -q package -DskipTests
fi
ZIPKIN_VERSION=3.5.1
ZIPKIN_JAR=$ROOT/target/ci/zipkin-server-$ZIPKIN_VERSION-exec.jar
if [[ ! -f $ZIPKIN_JAR ]]; then
  log "fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec"
  mvn -B -q dependency:copy -Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec -DoutputDirectory="$ROOT/target/ci"
fi

read -r API_PORT ADMIN_PORT ZIPKIN_PORT PROM_PORT < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])')
wait_for() { # wait_for SECONDS WHAT COMMAND...: polls COMMAND every 200 ms
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $(( seconds * 5 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$what not ready within ${seconds} s"; return 1
}

java -Xmx256m -jar "$ZIPKIN_JAR" --server.port="$ZIPKIN_PORT" --armeria.ports[0].ip=127.0.0.1 \
  --armeria.ports[0].port="$ZIPKIN_PORT" --armeria.ports[0].protocols=http >"$WORK/zipkin.log" 2>&1 &
ZIPKIN=$!
echo "$ZIPKIN" >"$WORK/zipkin.pid"
wait_for 60 "zipkin" curl -sf --max-time 2 "http://127.0.0.1:$ZIPKIN_PORT/health" || { tail -20 "$WORK/zipkin.log"; exit 1; }
log "zipkin $ZIPKIN_VERSION (pid $ZIPKIN) on 127.0.0.1:$ZIPKIN_PORT"

OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT="http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" \
OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0 OTEL_BSP_SCHEDULE_DELAY=200 \
  java -Dserver.host=127.0.0.1 -Dserver.sockets.0.host=127.0.0.1 -Dserver.port="$API_PORT" \
  -Dserver.sockets.0.port="$ADMIN_PORT" -jar "$JAR" >"$WORK/service.log" 2>&1 &
SVC=$!
wait_for 60 "the service" curl -sf --max-time 2 "http://127.0.0.1:$ADMIN_PORT/observe/health/ready" \
  || { tail -20 "$WORK/service.log"; exit 1; }
log "service (pid $SVC) on 127.0.0.1:$API_PORT, admin :$ADMIN_PORT, spans to zipkin"

cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: request-metrics
    metrics_path: /observe/metrics
    static_configs:
      - targets: ["127.0.0.1:$ADMIN_PORT"]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
  --enable-feature=exemplar-storage --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
  >"$WORK/prometheus.log" 2>&1 &
PROM=$!
wait_for 60 "prometheus" curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready" || { tail -20 "$WORK/prometheus.log"; exit 1; }
log "$(prometheus --version 2>&1 | head -1) (pid $PROM) on 127.0.0.1:$PROM_PORT, exemplar storage on"

rc=0
timeout 120 python3 .ci/trace/proof.py "$API_PORT" "$ADMIN_PORT" "$PROM_PORT" "$ZIPKIN_PORT" "$WORK/zipkin.pid" || rc=$?
log "service log: $(grep -c 'Failed to export spans' "$WORK/service.log" || true) export failures logged while Zipkin was down"
if (( rc == 0 )); then
  log "trace-proof: passed"
else
  tail -20 "$WORK/service.log"
  log "trace-proof: FAILED"
  exit 1
fi
