#!/usr/bin/env bash
# The load-and-fault suite (docs/RELIABILITY.md): exact request counts under 256 concurrent connections, gauge
# bounds, concurrent scrapes, a 20,000-path scan, 1,000 cut NDJSON streams, handler faults, slow requests and server
# timeouts. Everything runs in one JVM on 127.0.0.1 (Helidon's test server with the real routing and app.yaml); the
# client is Java (src/test/java/io/requestmetrics/testing/RawHttp.java), so no load tool is installed.
#
# Usage: .ci/reliability.sh            full sizes (about 1 minute on 2 cores, bounded at 10)
#        RELIABILITY_ARGS="-Dreliability.requests=10000 -Dreliability.scan=2000 -Dreliability.aborts=100" .ci/reliability.sh
# Figures of the run: target/reliability/figures.txt
set -euo pipefail

cd "$(dirname "$0")/.."

. scripts/jdk.sh
echo "reliability: JAVA_HOME=${JAVA_HOME:-unset}"

rm -f target/reliability/figures.txt
start=$(date +%s)

# Whole suite bounded at 10 minutes; timeout sends TERM to Maven by PID (and KILL 30 s later), and the forked test
# JVM exits when Maven is gone. Nothing else is started.
status=0
timeout --kill-after=30s 600s \
  mvn -B test \
    -Dtest='io.requestmetrics.reliability.*Test' \
    -Dsurefire.failIfNoSpecifiedTests=false \
    -Dreliability=true \
    ${RELIABILITY_ARGS:-} || status=$?

elapsed=$(( $(date +%s) - start ))
echo
echo "reliability: figures (target/reliability/figures.txt)"
cat target/reliability/figures.txt 2>/dev/null || echo "  (none recorded)"
echo "reliability: suite.wall_clock: ${elapsed} s"
if [[ ${status} -eq 124 || ${status} -eq 137 ]]; then
  echo "reliability: FAILED, over the 10-minute bound" >&2
elif [[ ${status} -ne 0 ]]; then
  echo "reliability: FAILED (exit ${status})" >&2
else
  echo "reliability: OK"
fi
exit "${status}"
