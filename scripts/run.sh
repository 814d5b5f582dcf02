#!/usr/bin/env bash
# Builds (if needed) and runs the service: API on :8080, metrics and health on :8081/observe.
# Extra arguments are passed to the JVM, e.g. scripts/run.sh -Dserver.port=9090
#
# On JDK 25+ it uses an AOT cache (target/aot/): the first run after a build records one (-XX:AOTCacheOutput; the JVM
# writes it when the service stops, which takes a few more seconds), and later runs start with it (-XX:AOTCache)
# for as long as the jar, its libs and the JDK are unchanged. RUN_AOT=off runs without it. See README "Running".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
command -v mvn >/dev/null || { echo "error: Maven is missing (apt-get install maven)" >&2; exit 1; }
if [ ! -f target/request-metrics.jar ] || [ -n "$(find src/main/java src/main/resources feature/src/main feature/pom.xml pom.xml service-pom.xml app.yaml -newer target/request-metrics.jar -print -quit)" ]; then
  # Maven is quiet for a long while on a first build (it downloads the dependencies): say what is going on.
  mkdir -p target
  echo "request-metrics: building target/request-metrics.jar (the first build downloads dependencies and can take a minute); build log: target/build.log" >&2
  if ! mvn -B package -DskipTests > target/build.log 2>&1; then
    echo "error: the build failed; the end of target/build.log:" >&2
    tail -n 40 target/build.log >&2
    exit 1
  fi
fi
java_cmd=("$JAVA_HOME/bin/java" ${JAVA_OPTS:-} "$@")
case "${RUN_AOT:-auto}" in
  auto) ;;
  off) exec "${java_cmd[@]}" -jar target/request-metrics.jar ;;
  *) echo "error: RUN_AOT='${RUN_AOT}' must be auto or off" >&2; exit 2 ;;
esac
# The JDK's release file says its version without starting a JVM (java_major would start one: ~0.2 s).
major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null || true)
[ -n "$major" ] || major=$(java_major "$JAVA_HOME")
if [ "$major" -lt 25 ] 2>/dev/null; then
  exec "${java_cmd[@]}" -jar target/request-metrics.jar
fi

# The cache is named after what it depends on: jar, libs, JDK (size and time of each).
key=$(stat -c '%n %s %Y' target/request-metrics.jar target/libs/*.jar "$JAVA_HOME/lib/modules" | cksum | cut -d' ' -f1)
cache=target/aot/request-metrics-$key.aot
if [ -f "$cache" ]; then
  # Errors only: a cache that cannot be used still starts the JVM, which then says so.
  exec "${java_cmd[@]}" -XX:AOTCache="$cache" '-Xlog:aot*=error' -jar target/request-metrics.jar
fi

# First run for this jar: record. The JVM writes the cache at exit; it is renamed into place only when complete.
mkdir -p target/aot
rm -f target/aot/*.aot target/aot/*.tmp target/aot/*.config
echo "run.sh: no AOT cache for this jar and JDK yet: this run records one (written when the service stops, a few seconds); the next runs start faster" >&2
"${java_cmd[@]}" -XX:AOTCacheOutput="$cache.tmp" '-Xlog:aot*=error' -jar target/request-metrics.jar &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
rc=0
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid" && rc=0 || rc=$?
done
if [ -s "$cache.tmp" ]; then
  mv "$cache.tmp" "$cache"
  echo "run.sh: AOT cache written: $cache" >&2
else
  rm -f "$cache.tmp"
fi
exit "$rc"
