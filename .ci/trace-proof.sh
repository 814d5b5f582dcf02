#!/usr/bin/env bash
# Tracing with real parts: the packaged jar with OpenTelemetry spans exported to a real Zipkin server (in-memory
# storage, io.zipkin:zipkin-server exec jar from Maven Central) and scraped by a real Prometheus with
# --enable-feature=exemplar-storage. .ci/trace/proof.py then shows:
#   1. requests with sampled, unsampled and no traceparent (JSON, 404, 405, a slow NDJSON stream): counts exact;
#   2. Prometheus' /api/v1/query_exemplars: the duration histogram's exemplars carry only trace ids of sampled
#      traceparents sent, each on its own request's (api, status) series, and every (api, status) sent has one;
#   3. Zipkin's /api/v2/trace/{id} of such a trace: the service's SERVER span, child of the client's span id, whose
#      id is the exemplar's span_id, with its route and status;
#   4. a 500: a second instance (server.shutdown-grace-period PT1S) gets SIGTERM while a sampled NDJSON stream is
#      blocked; the graceful stop cuts it and records it as 500. Prometheus (scraping that instance every 100 ms) holds
#      its exemplar on the datasets/500 series, and Zipkin, once the process has exited, holds its SERVER span (child
#      of the client's span, status 500, error status): the span left the process before the JVM exited;
#   5. Zipkin killed mid-run: 200 more requests all succeed and the counts stay exact.
# The service runs with OTEL_TRACES_EXPORTER=zipkin and OTEL_TRACES_SAMPLER=parentbased_traceidratio, ratio 0: it
# samples a request exactly when its caller did, so every exemplar's trace id is one the proof sent.
#
#   bash .ci/trace-proof.sh     # as root: installs prometheus, python3, curl (apt) if missing; builds the jar if stale
#
# Everything binds to 127.0.0.1 on free ports; every process is stopped by PID at exit. 20 to 40 s.
# Last line: "trace-proof: passed" or "trace-proof: FAILED".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/jdk.sh
WORK=${TRACE_WORK:-$(mktemp -d -t trace-proof.XXXXXX)}
mkdir -p "$WORK"
SVC="" CUT="" ZIPKIN="" PROM=""
log() { printf '[trace-proof %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
. .ci/processes.sh
stop() { stop_process "$1"; }
cleanup() {
  stop "$PROM"; stop "$SVC"; stop "$CUT"; stop "$ZIPKIN"
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
if [[ ! -f $JAR ]] || [[ -n $(find src/main/java src/main/resources feature/src/main feature/pom.xml pom.xml service-pom.xml app.yaml -newer "$JAR" -print -quit) ]]; then
  log "building $JAR"
  mvn -B -q package -DskipTests
fi
ZIPKIN_VERSION=3.5.1
ZIPKIN_JAR=$ROOT/target/ci/zipkin-server-$ZIPKIN_VERSION-exec.jar
if [[ ! -f $ZIPKIN_JAR ]]; then
  log "fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec"
  mvn -B -q dependency:copy -Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec -DoutputDirectory="$ROOT/target/ci"
fi

read -r API_PORT ADMIN_PORT ZIPKIN_PORT PROM_PORT CUT_API_PORT CUT_ADMIN_PORT < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
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

# service NAME API_PORT ADMIN_PORT [JVM options...]: the jar, spans to Zipkin, sampled exactly when the caller sampled.
service() {
  local name=$1 api=$2 admin=$3; shift 3
  OTEL_TRACES_EXPORTER=zipkin OTEL_EXPORTER_ZIPKIN_ENDPOINT="http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" \
  OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0 OTEL_BSP_SCHEDULE_DELAY=200 \
    java -Dserver.host=127.0.0.1 -Dserver.sockets.0.host=127.0.0.1 -Dserver.port="$api" \
    -Dserver.sockets.0.port="$admin" "$@" -jar "$JAR" >"$WORK/$name.log" 2>&1 &
}
service service "$API_PORT" "$ADMIN_PORT"
SVC=$!
# The second instance gets the 500: SIGTERM cuts its blocked stream at the end of a 1 s grace period.
service cut "$CUT_API_PORT" "$CUT_ADMIN_PORT" -Dserver.shutdown-grace-period=PT1S -Dlifecycle.final-scrape-window=PT5S
CUT=$!
wait_for 60 "the service" curl -sf --max-time 2 "http://127.0.0.1:$ADMIN_PORT/observe/health/ready" \
  || { tail -20 "$WORK/service.log"; exit 1; }
wait_for 60 "the cut instance" curl -sf --max-time 2 "http://127.0.0.1:$CUT_ADMIN_PORT/observe/health/ready" \
  || { tail -20 "$WORK/cut.log"; exit 1; }
log "service (pid $SVC) on 127.0.0.1:$API_PORT, admin :$ADMIN_PORT; cut instance (pid $CUT) on :$CUT_API_PORT," \
  "admin :$CUT_ADMIN_PORT; spans to zipkin"

cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: request-metrics
    metrics_path: /observe/metrics
    static_configs:
      - targets: ["127.0.0.1:$ADMIN_PORT"]
  # After the cut, its admin socket serves 150 ms more (GracefulShutdown.CUT_SCRAPE_MILLIS): scraped every 100 ms.
  - job_name: request-metrics-cut
    scrape_interval: 100ms
    scrape_timeout: 100ms
    metrics_path: /observe/metrics
    static_configs:
      - targets: ["127.0.0.1:$CUT_ADMIN_PORT"]
YAML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
  --enable-feature=exemplar-storage --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
  >"$WORK/prometheus.log" 2>&1 &
PROM=$!
wait_for 60 "prometheus" curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready" || { tail -20 "$WORK/prometheus.log"; exit 1; }
log "$(prometheus --version 2>&1 | head -1) (pid $PROM) on 127.0.0.1:$PROM_PORT, exemplar storage on"

rc=0
timeout 120 python3 .ci/trace/proof.py "$API_PORT" "$ADMIN_PORT" "$PROM_PORT" "$ZIPKIN_PORT" "$WORK/zipkin.pid" \
  "$CUT_API_PORT" "$CUT" || rc=$?
log "service log: $(grep -c 'Failed to export spans' "$WORK/service.log" || true) export failures logged while Zipkin was down"
cut_rc=0
kill -0 "$CUT" 2>/dev/null && ! grep -q '^State:.*zombie' "/proc/$CUT/status" 2>/dev/null || { wait "$CUT" || cut_rc=$?; CUT=""; }
if [[ -z $CUT && $cut_rc == 143 ]] && grep -q 'grace period over: cutting 1 requests' "$WORK/cut.log"; then
  log "ok:   cut instance: exit code 143; its log: $(grep -oE 'grace period over: cutting [0-9]+ requests|stopped [0-9]+ ms after SIGTERM' "$WORK/cut.log" | paste -sd';')"
else
  log "FAIL: cut instance: exit code ${CUT:+(still running) }$cut_rc, expected 143 and one request cut"
  tail -20 "$WORK/cut.log"
  rc=1
fi
if (( rc == 0 )); then
  log "trace-proof: passed"
else
  tail -20 "$WORK/service.log"
  log "trace-proof: FAILED"
  exit 1
fi
