#!/usr/bin/env bash
# End-to-end: the real service and a real Prometheus on 127.0.0.1, scrape config and alert rules taken
# from the rendered manifests, a fixed amount of traffic, then assertions through the Prometheus HTTP API
# (e2e-assert.mjs). Called by .ci/k8s-proof.sh, which prepares its inputs:
#
#   prometheus-e2e.sh FACTS_JSON RULES_YAML JAR WORKDIR
#
# FACTS_JSON (from validate.mjs): ports and metrics path (ServiceMonitor -> Service -> container port),
# job name, the ConfigMap's app.yaml, the dashboard queries and the alert expressions.
# Both processes are stopped by PID on exit (trap). Every wait is a bounded poll.
set -euo pipefail

FACTS=$1
RULES=$2
JAR=$3
WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA_HOME:?JAVA_HOME must name a JDK 21+}/bin/java
NAMESPACE=e2e
mkdir -p "$WORK"

fact() { node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=process.argv[2].split(".").reduce((o,k)=>o?.[k],f);if(v===undefined||v===null){process.exit(3)}process.stdout.write(typeof v==="object"?JSON.stringify(v):String(v))' "$FACTS" "$1"; }

API_PORT=$(fact apiPort)
ADMIN_PORT=$(fact serviceMonitor.port)
METRICS_PATH=$(fact serviceMonitor.path)
JOB=$(fact serviceMonitor.job)
ADMIN_INDEX=$(fact contract.adminSocketIndex)
READY_PATH=$(fact contract.readyPath)
STARTED_PATH=$(fact contract.startedPath)
fact appConfigOverlay > "$WORK/app.yaml"
echo "e2e: service API :$API_PORT, admin :$ADMIN_PORT, scrape job=$JOB path=$METRICS_PATH (from the rendered manifests)"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$API_PORT" "$ADMIN_PORT"; do
  if port_busy "$p"; then
    echo "e2e: port $p on 127.0.0.1 is already in use; the e2e test runs the service on the manifests' ports" >&2
    exit 1
  fi
done
PROM_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

SVC_PID=
PROM_PID=
stop() {
  local pid
  for pid in $PROM_PID $SVC_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}
trap stop EXIT
trap 'exit 130' INT TERM

# Bounded poll: wait_for SECONDS DESCRIPTION COMMAND...
wait_for() {
  local secs=$1 what=$2 deadline
  shift 2
  deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      echo "e2e: timed out after ${secs}s waiting for $what" >&2
      return 1
    fi
    if [[ -n $SVC_PID ]] && ! kill -0 "$SVC_PID" 2>/dev/null; then echo "e2e: service exited" >&2; tail -20 "$WORK/service.log" >&2; return 1; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- the service, with the ConfigMap's app.yaml
APP_CONFIG="$WORK/app.yaml" "$JAVA" \
  -Dserver.host=127.0.0.1 "-Dserver.sockets.$ADMIN_INDEX.host=127.0.0.1" \
  -jar "$JAR" > "$WORK/service.log" 2>&1 &
SVC_PID=$!
wait_for 60 "service started ($STARTED_PATH)" curl -sf --max-time 2 "http://127.0.0.1:$ADMIN_PORT$STARTED_PATH" || { tail -20 "$WORK/service.log" >&2; exit 1; }
wait_for 30 "service ready ($READY_PATH)" curl -sf --max-time 2 "http://127.0.0.1:$ADMIN_PORT$READY_PATH"
echo "e2e: service up (pid $SVC_PID)"

# ---------------------------------------------------------------- prometheus, scrape config from the manifests
cp "$RULES" "$WORK/rules.yaml"
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yaml
scrape_configs:
  - job_name: $JOB
    metrics_path: $METRICS_PATH
    static_configs:
      - targets: ["127.0.0.1:$ADMIN_PORT"]
        labels:
          namespace: $NAMESPACE
EOF
promtool check config "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_for 60 "prometheus ready" curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready" || { tail -20 "$WORK/prometheus.log" >&2; exit 1; }
echo "e2e: prometheus up on 127.0.0.1:$PROM_PORT (pid $PROM_PID)"
# first scrape of the service before any traffic, so increases are seen from a known zero
wait_for 30 "first scrape" bash -c "curl -sf --max-time 2 'http://127.0.0.1:$PROM_PORT/api/v1/query?query=up' | grep -q '\"value\":\[[0-9.]*,\"1\"\]'"

# ---------------------------------------------------------------- fixed, known traffic per api
# api label  path                     requests
PLAN=$(cat <<'EOF'
models      /v1/models                  40
models      /v1/models/no-such-model     5
datasets    /v1/datasets                30
health      /v1/health                  25
version     /v1/version                 15
inspect     /v1/inspect/routes          10
unknown     /v1/no-such-api             20
unknown     /not-versioned               7
EOF
)
: > "$WORK/traffic.tsv"
deadline=$(( $(date +%s) + 120 ))
while read -r api path count; do
  [[ -z $api ]] && continue
  for _ in $(seq 1 "$count"); do
    (( $(date +%s) < deadline )) || { echo "e2e: traffic took longer than 120s" >&2; exit 1; }
    code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://127.0.0.1:$API_PORT$path" || true)
    printf '%s\t%s\n' "$api" "$code" >> "$WORK/traffic.tsv"
  done
done <<< "$PLAN"
echo "e2e: sent $(wc -l < "$WORK/traffic.tsv") requests"

# ---------------------------------------------------------------- assertions
node "$HERE/e2e-assert.mjs" --prometheus "http://127.0.0.1:$PROM_PORT" --facts "$FACTS" \
  --traffic "$WORK/traffic.tsv" --job "$JOB" --namespace "$NAMESPACE"

# ---------------------------------------------------------------- the target-down alert on a real outage
kill -TERM "$SVC_PID"
for _ in $(seq 1 100); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$SVC_PID" 2>/dev/null; then echo "e2e: service did not stop within 20s of SIGTERM" >&2; exit 1; fi
echo "e2e: service stopped (SIGTERM, pid $SVC_PID)"
SVC_PID=
node "$HERE/e2e-assert.mjs" --phase down --prometheus "http://127.0.0.1:$PROM_PORT" --facts "$FACTS" \
  --job "$JOB" --namespace "$NAMESPACE"
