#!/usr/bin/env bash
# Builds (if needed) and runs the service: API on :8080, metrics and health on :8081/observe.
# Extra arguments are passed to the JVM, e.g. scripts/run.sh -Dserver.port=9090
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
command -v mvn >/dev/null || { echo "error: Maven is missing (apt-get install maven)" >&2; exit 1; }
if [ ! -f target/request-metrics.jar ] || [ -n "$(find src pom.xml app.yaml -newer target/request-metrics.jar -print -quit)" ]; then
  mvn -B -q package -DskipTests
fi
exec "$JAVA_HOME/bin/java" ${JAVA_OPTS:-} "$@" -jar target/request-metrics.jar
