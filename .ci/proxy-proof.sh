#!/usr/bin/env bash
# The service behind real reverse proxies: nginx and HAProxy (Debian's packages), each in front of the packaged jar with
# upstream keep-alive, as an ingress runs them (.ci/proxy/nginx.conf, .ci/proxy/haproxy.cfg). For each proxy,
# .ci/proxy/proof.py shows:
#   1. load: a bounded mix of every API (JSON, NDJSON and event streams, 4xx errors, clients that leave mid-stream):
#      the service's llama_stack_requests_total deltas by status equal the proxy's access-log counts by status
#      (a stream the client left is logged by nginx as 200 with an empty $request_completion, by HAProxy as 200 with
#      termination state CD; the service counts it 499);
#   2. probes: ambiguous raw requests (conflicting framing, obfuscated Transfer-Encoding, bodies that hide a request,
#      Expect: 100-continue) never produce a second response or a hidden request: at most one final status line on
#      the wire, the service's count moves by at most 1 and never under the hidden request's api, its model survives;
#   3. headers: no label value holds a value of X-Forwarded-For/-Host/-Proto, Forwarded or Host, forged or set by
#      the proxy.
#
#   bash .ci/proxy-proof.sh     # as root: installs nginx, haproxy, python3 (apt) if missing, builds the jar if stale
#
# Everything binds to 127.0.0.1 on free ports; the proxies run in the foreground of this script with their own config
# and logs in a scratch directory (PROXY_WORK to keep it), and are stopped at exit. 30 to 60 s.
# Last line: "proxy-proof: passed" or "proxy-proof: FAILED: <what>".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/jdk.sh
START=$(date +%s)
WORK=${PROXY_WORK:-$(mktemp -d -t proxy-proof.XXXXXX)}
mkdir -p "$WORK"
SVC=""
PROXY_PID=""
FAILED=()
log() { printf '[proxy-proof %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

. .ci/processes.sh
stop() { stop_process "$1"; }
cleanup() {
  stop "$PROXY_PID"
  stop "$SVC"
  [[ -n ${PROXY_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

missing=()
for tool in nginx haproxy python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if (( ${#missing[@]} )); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
log "$(nginx -v 2>&1); $(haproxy -v | head -1 | cut -d' ' -f1-3); $(python3 --version)"

JAR=$ROOT/target/request-metrics.jar
if [[ ! -f $JAR ]] || [[ -n $(find src/main/java src/main/resources feature/src/main feature/pom.xml pom.xml service-pom.xml app.yaml -newer "$JAR" -print -quit) ]]; then
  log "building $JAR"
  mvn -B -q package -DskipTests
fi

# Four distinct free ports: the service's API and admin sockets, then nginx, then HAProxy.
read -r API_PORT ADMIN_PORT NGINX_PORT HAPROXY_PORT < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in sockets])')

listening() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_for() { # wait_for SECONDS WHAT COMMAND...: polls COMMAND every 100 ms
  local seconds=$1 what=$2; shift 2
  for _ in $(seq $(( seconds * 10 ))); do "$@" && return 0; sleep 0.1; done
  log "$what not ready within ${seconds} s"; return 1
}
ready() { [[ $(python3 -c 'import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=1).status)
except Exception:
    print(0)' "http://127.0.0.1:$ADMIN_PORT/observe/health/ready") == 200 ]]; }

java -Dserver.host=127.0.0.1 -Dserver.sockets.0.host=127.0.0.1 -Dserver.port="$API_PORT" \
  -Dserver.sockets.0.port="$ADMIN_PORT" -jar "$JAR" >"$WORK/service.log" 2>&1 &
SVC=$!
if ! wait_for 60 "the service (127.0.0.1:$API_PORT, admin :$ADMIN_PORT)" ready; then
  tail -20 "$WORK/service.log"; exit 1
fi
log "service on 127.0.0.1:$API_PORT (admin :$ADMIN_PORT)"

render() { # render TEMPLATE LISTEN_PORT OUT
  sed -e "s#@WORK@#$WORK#g" -e "s#@LISTEN@#127.0.0.1:$2#g" -e "s#@UPSTREAM@#127.0.0.1:$API_PORT#g" "$1" >"$3"
}

for proxy in nginx haproxy; do
  if [[ $proxy == nginx ]]; then
    port=$NGINX_PORT
    access=$WORK/nginx-access.log
    render .ci/proxy/nginx.conf "$port" "$WORK/nginx.conf"
    : >"$access"
    nginx -q -t -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf"
    nginx -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf" &
  else
    port=$HAPROXY_PORT
    access=$WORK/haproxy-access.log
    render .ci/proxy/haproxy.cfg "$port" "$WORK/haproxy.cfg"
    haproxy -q -c -f "$WORK/haproxy.cfg"
    haproxy -db -f "$WORK/haproxy.cfg" >"$access" 2>"$WORK/haproxy-stderr.log" &
  fi
  PROXY_PID=$!
  if ! wait_for 10 "$proxy on 127.0.0.1:$port" listening "$port"; then
    FAILED+=("$proxy did not start"); stop "$PROXY_PID"; PROXY_PID=""; continue
  fi
  log "$proxy (pid $PROXY_PID) on 127.0.0.1:$port -> 127.0.0.1:$API_PORT"
  rc=0
  timeout 150 python3 .ci/proxy/proof.py "$proxy" "$port" "$API_PORT" "$ADMIN_PORT" "$access" || rc=$?
  (( rc == 0 )) || FAILED+=("$proxy (proof.py exit $rc)")
  stop "$PROXY_PID"
  PROXY_PID=""
done

# Neither the probes nor the streams cut by a proxy may make the service log anything (nothing reaches INFO, and a
# stack trace would be a fault): after its start-up lines, the log is empty.
# Helidon prints its list of features from a thread of its own at start-up, which can come after our own line.
sed -n '/request-metrics is up/,$p' "$WORK/service.log" | tail -n +2 | grep -v 'Helidon SE [0-9.]* features:' \
  >"$WORK/service-after-start.log" || true
if [[ -s $WORK/service-after-start.log ]]; then
  FAILED+=("the service logged $(wc -l <"$WORK/service-after-start.log") lines after start-up")
  head -20 "$WORK/service-after-start.log"
fi

log "took $(( $(date +%s) - START ))s"
if (( ${#FAILED[@]} )); then
  echo "proxy-proof: FAILED: $(IFS=';'; echo "${FAILED[*]}")"
  exit 1
fi
echo "proxy-proof: passed"
