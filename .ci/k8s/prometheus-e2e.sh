#!/usr/bin/env bash
# End-to-end: three replicas of the real service and a real Prometheus on 127.0.0.1, scrape config and
# rules taken from the rendered manifests, a fixed amount of traffic per replica, then assertions through
# the Prometheus HTTP API (e2e-assert.mjs). Called by .ci/k8s-proof.sh, which prepares its inputs:
#
#   prometheus-e2e.sh FACTS_JSON RULES_YAML JAR WORKDIR
#
# FACTS_JSON (from validate.mjs): ports and metrics path (ServiceMonitor -> Service -> container port),
# job name, the ConfigMap's app.yaml, the dashboard queries, the rules and the prometheus-adapter rule.
# Replica a listens on the manifests' ports; b and c on free ports (-Dserver.port, -Dserver.sockets.N.port).
# Each is a scrape target of its own with the labels the Prometheus Operator's relabeling gives a
# ServiceMonitor target (namespace, service, pod, container, endpoint, job).
# Every process is stopped by PID on exit (trap). Every wait is a bounded poll.
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
# Replica a runs on the manifests' ports: if another test holds them, wait (bounded) for them to be freed.
for _ in $(seq 1 60); do
  port_busy "$API_PORT" || port_busy "$ADMIN_PORT" || break
  echo "e2e: port $API_PORT or $ADMIN_PORT on 127.0.0.1 is in use (another test?); waiting" >&2
  sleep 2
done
if port_busy "$API_PORT" || port_busy "$ADMIN_PORT"; then
  echo "e2e: ports $API_PORT/$ADMIN_PORT on 127.0.0.1 still in use after 120s; the e2e test runs replica a on the manifests' ports" >&2
  exit 1
fi
free_ports() { node -e 'const net=require("net");const n=+process.argv[1];const ss=[];let k=0;for(let i=0;i<n;i++){const s=net.createServer().listen(0,"127.0.0.1",()=>{ss.push(s);if(++k===n){console.log(ss.map(x=>x.address().port).join(" "));ss.forEach(x=>x.close())}})}' "$1"; }
read -r PROM_PORT B_API B_ADMIN C_API C_ADMIN <<< "$(free_ports 5)"

# replicas: name, API port, admin port, pod name (as a ReplicaSet would name them)
REPLICAS=(
  "a $API_PORT $ADMIN_PORT request-metrics-7d9c6b5f4-a1b2c"
  "b $B_API $B_ADMIN request-metrics-7d9c6b5f4-d3e4f"
  "c $C_API $C_ADMIN request-metrics-7d9c6b5f4-g5h6i"
)
declare -A SVC_PIDS=()
SVC_PID=  # the replica wait_for watches
PROM_PID=
stop() {
  local pid
  for pid in $PROM_PID "${SVC_PIDS[@]}"; do
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
    if [[ -n $SVC_PID ]] && ! kill -0 "$SVC_PID" 2>/dev/null; then echo "e2e: service exited" >&2; tail -20 "$WORK"/service-*.log >&2; return 1; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- three replicas, with the ConfigMap's app.yaml
# A request counts as long-running (llama_stack_long_running_requests) after 1 s instead of the default 10 s, so that
# the streams held open below show up within seconds.
LONG_RUNNING_SECONDS=1
# E2E_NAMING: the replicas' server.features.request-metrics.naming (llama-stack, the service's, or otel); the rules,
# the dashboard and the adapter query read both, so every check must hold under either.
E2E_NAMING=${E2E_NAMING:-llama-stack}
for r in "${REPLICAS[@]}"; do
  read -r name api admin pod <<< "$r"
  # E2E_SERVICE_OPTS: further -D settings for every replica (the proof turns the opt-in labels on with it).
  # shellcheck disable=SC2086
  APP_CONFIG="$WORK/app.yaml" "$JAVA" "-Dserver.features.request-metrics.long-running-threshold=PT${LONG_RUNNING_SECONDS}S" \
    "-Dserver.features.request-metrics.naming=$E2E_NAMING" ${E2E_SERVICE_OPTS:-} \
    -Dserver.host=127.0.0.1 "-Dserver.port=$api" \
    "-Dserver.sockets.$ADMIN_INDEX.host=127.0.0.1" "-Dserver.sockets.$ADMIN_INDEX.port=$admin" \
    -jar "$JAR" > "$WORK/service-$name.log" 2>&1 &
  SVC_PIDS[$name]=$!
done
for r in "${REPLICAS[@]}"; do
  read -r name api admin pod <<< "$r"
  SVC_PID=${SVC_PIDS[$name]}
  wait_for 90 "replica $name started ($STARTED_PATH on :$admin)" curl -sf --max-time 2 "http://127.0.0.1:$admin$STARTED_PATH" || { tail -20 "$WORK/service-$name.log" >&2; exit 1; }
  wait_for 30 "replica $name ready ($READY_PATH)" curl -sf --max-time 2 "http://127.0.0.1:$admin$READY_PATH"
  echo "e2e: replica $name up: pid $SVC_PID, API :$api, admin :$admin, pod $pod"
done
SVC_PID=

# ---------------------------------------------------------------- prometheus, scrape config from the manifests
cp "$RULES" "$WORK/rules.yaml"
{
  cat <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yaml
scrape_configs:
  # What the Prometheus Operator generates for the ServiceMonitor (one target per pod endpoint), with
  # the Kubernetes service discovery labels given statically.
  - job_name: serviceMonitor/$NAMESPACE/$JOB/0
    metrics_path: $METRICS_PATH
    relabel_configs:
      - {source_labels: [__meta_kubernetes_endpoint_port_name], regex: admin, action: keep}
      - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}
      - {source_labels: [__meta_kubernetes_service_name], target_label: service}
      - {source_labels: [__meta_kubernetes_pod_name], target_label: pod}
      - {source_labels: [__meta_kubernetes_pod_container_name], target_label: container}
      - {source_labels: [__meta_kubernetes_service_label_app_kubernetes_io_name], target_label: job}
      - {target_label: endpoint, replacement: admin}
    static_configs:
EOF
  for r in "${REPLICAS[@]}"; do
    read -r name api admin pod <<< "$r"
    cat <<EOF
      - targets: ["127.0.0.1:$admin"]
        labels:
          __meta_kubernetes_namespace: $NAMESPACE
          __meta_kubernetes_service_name: $JOB
          __meta_kubernetes_service_label_app_kubernetes_io_name: $JOB
          __meta_kubernetes_pod_name: $pod
          __meta_kubernetes_pod_container_name: request-metrics
          __meta_kubernetes_endpoint_port_name: admin
EOF
  done
} > "$WORK/prometheus.yml"
promtool check config "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn > "$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
wait_for 60 "prometheus ready" curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready" || { tail -20 "$WORK/prometheus.log" >&2; exit 1; }
echo "e2e: prometheus up on 127.0.0.1:$PROM_PORT (pid $PROM_PID)"
# every replica scraped once before any traffic
wait_for 30 "first scrape of the three replicas" bash -c "curl -sf --max-time 2 'http://127.0.0.1:$PROM_PORT/api/v1/query?query=count(up==1)' | grep -q '\"value\":\[[0-9.]*,\"3\"\]'"

# ---------------------------------------------------------------- traffic and assertions (e2e-assert.mjs)
# replicas.json: pod -> ports, and the known traffic: each replica gets the plan times its multiplier
node -e '
  const [pods, mult] = [process.argv[1].split(";").map((l) => l.split(" ")), [1, 2, 3]];
  console.log(JSON.stringify(pods.map(([name, api, admin, pod], i) => ({ name, api: +api, admin: +admin, pod, multiplier: mult[i] }))));' \
  "$(IFS=';'; echo "${REPLICAS[*]}")" > "$WORK/replicas.json"
node "$HERE/e2e-assert.mjs" --prometheus "http://127.0.0.1:$PROM_PORT" --facts "$FACTS" \
  --replicas "$WORK/replicas.json" --work "$WORK" --job "$JOB" --namespace "$NAMESPACE" --in-flight 10 \
  --long-running-seconds "$LONG_RUNNING_SECONDS" --naming "$E2E_NAMING"

# ---------------------------------------------------------------- the labels the replicas carry
# api and status only by default; the opt-in ones (method, route, outcome) when E2E_SERVICE_OPTS turns them on.
read -r _ _ admin_b _ <<< "${REPLICAS[1]}"
scrape=$(curl -sf --max-time 5 "http://127.0.0.1:$admin_b$METRICS_PATH" -H 'Accept: text/plain')
if [[ $E2E_NAMING == otel ]]; then
  # The conventions' names and attributes (method and route always on), and no series of the other naming.
  if ! grep -q '^http_server_request_duration_seconds_count{.*http_request_method=".*http_response_status_code=".*http_route="' <<< "$scrape" \
     || grep -q '^llama_stack_' <<< "$scrape"; then
    echo "e2e: naming otel, but the scrape does not carry http_server_request_duration_seconds with the conventions' labels alone" >&2; exit 1
  fi
  echo "e2e: the replicas publish the otel naming (http_server_*, http_request_method, http_response_status_code, http_route)"
elif grep -q 'llama_stack_requests_total{.*method=".*outcome=".*route="' <<< "$scrape"; then labels_on=1; else labels_on=0; fi
if [[ $E2E_NAMING == otel ]]; then
  :
elif [[ ${E2E_SERVICE_OPTS:-} == *labels* ]] && ((labels_on == 0)); then
  echo "e2e: E2E_SERVICE_OPTS asks for the opt-in labels, but the scrape does not carry them" >&2; exit 1
elif [[ ${E2E_SERVICE_OPTS:-} != *labels* ]] && ((labels_on == 1)); then
  echo "e2e: the default scrape carries opt-in labels" >&2; exit 1
fi
[[ $E2E_NAMING == otel ]] || echo "e2e: the replicas carry $( ((labels_on)) && echo 'method, route and outcome too' || echo 'api and status only')"

# ---------------------------------------------------------------- the target-down alert on a real outage
read -r name api admin pod <<< "${REPLICAS[0]}"
kill -TERM "${SVC_PIDS[$name]}"
for _ in $(seq 1 100); do kill -0 "${SVC_PIDS[$name]}" 2>/dev/null || break; sleep 0.2; done
if kill -0 "${SVC_PIDS[$name]}" 2>/dev/null; then echo "e2e: replica $name did not stop within 20s of SIGTERM" >&2; exit 1; fi
echo "e2e: replica $name stopped (SIGTERM, pid ${SVC_PIDS[$name]})"
unset "SVC_PIDS[$name]"
node "$HERE/e2e-assert.mjs" --phase down --prometheus "http://127.0.0.1:$PROM_PORT" --facts "$FACTS" \
  --job "$JOB" --namespace "$NAMESPACE" --pod "$pod"
