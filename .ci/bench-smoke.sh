#!/usr/bin/env bash
# Smoke run of both benchmarks (docs/PERFORMANCE.md), so that they keep compiling and running. It asserts that every
# benchmark ran and produced a result, never a timing: numbers from a smoke run mean nothing.
#
#   bash .ci/bench-smoke.sh        # from anywhere; about 2 minutes; installs wrk with apt if it is missing
#
#   1. JMH: every benchmark of the `bench` profile, one fork, one 1 s warm-up and one 1 s measurement, with -prof gc;
#      -foe true makes a benchmark that throws fail the run.
#   2. bench/load.sh: all six servers, 2 rounds of 1 s, and the scrape phase.
#   3. ScrapeCostMain: the scrape with every label on and 900 label combinations, load phases of 1 s.
# Everything is bounded in time (timeout) and bound to 127.0.0.1; bench/load.sh kills what it started by PID.
set -Eeuo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
START_TS=$(date +%s)
log() { printf '[bench-smoke %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
trap 'log "finished with exit code $? after $(( $(date +%s) - START_TS ))s"' EXIT

. scripts/jdk.sh

if ! command -v wrk >/dev/null; then
    log "installing wrk (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq wrk >/dev/null 2>&1 \
        || { timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq wrk >/dev/null; } \
        || fail "cannot install wrk (apt-get install -y wrk, as root)"
fi

BENCHMARKS=(hotPathKnownApi hotPathBodySizesOff hotPathOtelLabels hotPathOtel hotPathSampledTraceparent hotPathWithSpans hotPathFirstByteOff hotPathAllLabels hotPathAllLabelsFirstByteOff hotPathUnknownPath excludedPath floor naiveKnownApi clockPair timerRecord
            floorWithInFlight floorWithInFlightByStartTick resolveKnownApi)
RESULTS=target/bench/jmh-smoke.csv
rm -f "$RESULTS"
log "JMH: every benchmark, 1 fork x (1 s warm-up + 1 s measurement), -prof gc"
timeout 240 mvn -B -q -P bench verify -DskipTests \
    -Djmh.args="-f 1 -wi 1 -i 1 -w 1s -r 1s -prof gc -foe true -rf csv -rff $REPO_ROOT/$RESULTS" \
    || fail "JMH run failed"
for benchmark in "${BENCHMARKS[@]}"; do
    grep -q "RequestMetricsFilterBenchmark.$benchmark\"" "$RESULTS" || fail "no JMH result for $benchmark"
done
ran=$(grep -c '"avgt"' "$RESULTS" || true)
log "JMH: ${#BENCHMARKS[@]} benchmarks ran (${ran} result rows, gc profiler included)"

log "load: bench/load.sh, 2 rounds of 1 s"
BENCH_JAR=target/bench/request-metrics.jar BENCH_ROUNDS=2 BENCH_DURATION=1 BENCH_WARMUP=1 BENCH_TIMEOUT=150 \
    BENCH_OUT=target/bench/load-smoke timeout 180 bash bench/load.sh || fail "bench/load.sh failed"
for line in 'metrics on / off' 'A/A: off2 / off' 'KPI extended / off' 'empty filter / off' 'floor filter / off' 'CPU per request ratios' 'Scrape of /observe/metrics'; do
    grep -qF "$line" target/bench/load-smoke/summary.txt || fail "bench/load.sh printed no '$line'"
done
log "scrape cost: bench ScrapeCostMain, load phases of 1 s"
timeout 120 "$JAVA_HOME/bin/java" -cp "target/bench/classes:target/bench/libs/*" io.requestmetrics.bench.ScrapeCostMain 1 \
    > target/bench/scrape-cost-smoke.txt 2>&1 || { tail -20 target/bench/scrape-cost-smoke.txt >&2; fail "ScrapeCostMain failed"; }
for line in 'series:' 'scrape time, idle' 'scrape time, under load' 'API throughput'; do
    grep -qF "$line" target/bench/scrape-cost-smoke.txt || fail "ScrapeCostMain printed no '$line'"
done
log "ok: the benchmarks compiled and ran"
