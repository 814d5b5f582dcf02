#!/usr/bin/env bash
# Graceful-stop proof on the JVM process (the container proof runs the same probe on the container).
#
#   bash .ci/drain-proof.sh        # from anywhere; installs hey (apt) if missing, builds the jar if stale
#
# 1. drain: a bounded hey run (1200 requests, 4 workers x 100/s) and 20 slow NDJSON streams; SIGTERM in the middle.
#    .ci/drain/DrainProbe.java asserts: no client request failed, readiness 503 within 100 ms of SIGTERM, scrapes
#    during the drain show in-flight falling to 0, the last scrape's counts equal what the clients completed.
#    Here: exit code 143 (or 0) within server.shutdown-grace-period (app.yaml, PT15S) + 1 s.
# 2. cut: shutdown-grace-period PT2S and streams too slow to finish: each is cut and recorded as 500; exit within 3 s.
#    Both: the drain's log lines (SIGTERM, drained or cut, stopped) are in the service's output, in order.
# 3. settings: a bad server.shutdown-grace-period / lifecycle.final-scrape-window exits 2 with one line naming the key.
# Environment: DRAIN_API_PORT / DRAIN_ADMIN_PORT (28080 / 28081, on 127.0.0.1), DRAIN_WORK (scratch dir).
# Last line: "drain-proof: N passed, N failed".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/jdk.sh
START=$(date +%s)
API_PORT=${DRAIN_API_PORT:-28080}
ADMIN_PORT=${DRAIN_ADMIN_PORT:-28081}
WORK=${DRAIN_WORK:-$(mktemp -d -t drain-proof.XXXXXX)}
mkdir -p "$WORK"
PASSED=0
FAILED=0
SVC=""
log() { printf '[drain-proof %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
pass() { PASSED=$((PASSED + 1)); log "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); log "FAIL: $*"; }
cleanup() {
  if [[ -n $SVC ]] && kill -0 "$SVC" 2>/dev/null; then kill -KILL "$SVC" 2>/dev/null || true; fi
  [[ -n ${DRAIN_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v hey >/dev/null; then
  log "apt-get install hey"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends hey >/dev/null
fi
JAR=$ROOT/target/request-metrics.jar
if [[ ! -f $JAR ]] || [[ -n $(find src/main/java src/main/resources feature/src/main feature/pom.xml pom.xml service-pom.xml app.yaml -newer "$JAR" -print -quit) ]]; then
  log "building $JAR"
  mvn -B -q package -DskipTests
fi
for p in "$API_PORT" "$ADMIN_PORT"; do
  if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
    log "127.0.0.1:$p is in use; set DRAIN_API_PORT / DRAIN_ADMIN_PORT"; exit 1
  fi
done
NICE=""
[[ $(id -u) == 0 ]] && NICE="nice -n -5"
# Compile the probe once (the source launcher would compile it on every run).
javac -d "$WORK/probe" .ci/drain/DrainProbe.java

# scenario NAME GRACE_SECONDS [JVM options...]: starts the jar, runs the probe, checks exit code and time.
scenario() {
  local name=$1 grace=$2; shift 2
  local out=$WORK/$name
  mkdir -p "$out"
  java -Dserver.host=127.0.0.1 -Dserver.sockets.0.host=127.0.0.1 -Dserver.port="$API_PORT" \
    -Dserver.sockets.0.port="$ADMIN_PORT" "$@" -jar "$JAR" >"$out/service.log" 2>&1 &
  SVC=$!
  # nice -n -5 (as root): the probe's readiness poller must not be starved by the load it measures.
  timeout 180 $NICE java -cp "$WORK/probe" DrainProbe "$name" "127.0.0.1:$API_PORT" "127.0.0.1:$ADMIN_PORT" "$SVC" "$out" \
    >"$out/probe.log" 2>&1 &
  local probe=$!
  local rc=0
  wait "$SVC" || rc=$?
  local exit_ms; exit_ms=$(date +%s%3N)
  SVC=""
  local probe_rc=0
  wait "$probe" || probe_rc=$?
  sed 's/^/    /' "$out/probe.log"
  if [[ $probe_rc == 0 ]]; then pass "$name: probe passed"; else fail "$name: probe failed (exit $probe_rc)"; fi
  if [[ ! -s $out/sigterm-epoch-ms ]]; then
    fail "$name: no SIGTERM was sent"; sed 's/^/    service: /' "$out/service.log" | tail -20; return
  fi
  local took=$(( exit_ms - $(cat "$out/sigterm-epoch-ms") ))
  if [[ ($rc == 143 || $rc == 0) && $took -le $(( grace * 1000 + 1000 )) ]]; then
    pass "$name: exit code $rc, ${took} ms after SIGTERM (limit: grace ${grace} s + 1 s)"
  else
    fail "$name: exit code $rc, ${took} ms after SIGTERM (expected 143 or 0 within $(( grace * 1000 + 1000 )) ms)"
    sed 's/^/    service: /' "$out/service.log" | tail -20
  fi
  grep -E 'SIGTERM|drained|grace period over|stopped' "$out/service.log" | sed 's/^/    service: /' || true
  # What an operator reads to know whether requests were cut: every line, in order (KeepLoggingUntilDrained).
  local lines
  lines=$(grep -oE 'SIGTERM: readiness is DOWN|drained in [0-9]+ ms|grace period over|stopped [0-9]+ ms after SIGTERM' \
    "$out/service.log" | sed -E 's/[0-9]+/N/g' | paste -sd'|' || true)
  case $lines in
    "SIGTERM: readiness is DOWN|drained in N ms|stopped N ms after SIGTERM" | \
    "SIGTERM: readiness is DOWN|grace period over|stopped N ms after SIGTERM")
      pass "$name: the drain's log lines, in order" ;;
    *) fail "$name: the drain's log lines: '${lines}'" ;;
  esac
}

log "1. drain: steady load + 20 slow NDJSON streams, SIGTERM in the middle (shutdown-grace-period PT15S)"
scenario drain 15
log "2. cut: streams that cannot finish within shutdown-grace-period PT2S"
scenario cut 2 -Dserver.shutdown-grace-period=PT2S

log "3. settings validated at start-up"
for bad in "server.shutdown-grace-period=15s" "lifecycle.final-scrape-window=PT-1S"; do
  key=${bad%%=*}
  rc=0
  java -D"$bad" -Dserver.host=127.0.0.1 -Dserver.sockets.0.host=127.0.0.1 -Dserver.port="$API_PORT" \
    -Dserver.sockets.0.port="$ADMIN_PORT" -jar "$JAR" >"$WORK/bad.out" 2>"$WORK/bad.err" </dev/null || rc=$?
  if [[ $rc == 2 && $(wc -l <"$WORK/bad.err") == 1 ]] && grep -q "^request-metrics cannot start: Invalid configuration $key: " "$WORK/bad.err"; then
    pass "-D$bad: exit 2, $(cat "$WORK/bad.err")"
  else
    fail "-D$bad: exit $rc, stderr: $(cat "$WORK/bad.err")"
  fi
done

log "took $(( $(date +%s) - START ))s"
echo "drain-proof: $PASSED passed, $FAILED failed"
(( FAILED == 0 ))
