#!/usr/bin/env bash
# Builds (if needed) and runs the service: API on :8080, metrics and health on :8081/observe.
# Extra arguments are passed to the JVM, e.g. scripts/run.sh -Dserver.port=9090
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
command -v mvn >/dev/null || { echo "error: Maven is missing (apt-get install maven)" >&2; exit 1; }
if [ ! -f target/request-metrics.jar ] || [ -n "$(find src pom.xml app.yaml -newer target/request-metrics.jar -print -quit)" ]; then
  # Maven is quiet for a long while on a first build (it downloads the dependencies): say what is going on.
  mkdir -p target
  echo "request-metrics: building target/request-metrics.jar (the first build downloads dependencies and can take a minute); build log: target/build.log" >&2
  if ! mvn -B package -DskipTests > target/build.log 2>&1; then
    echo "error: the build failed; the end of target/build.log:" >&2
    tail -n 40 target/build.log >&2
    exit 1
  fi
fi
exec "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} "$@" -jar target/request-metrics.jar
