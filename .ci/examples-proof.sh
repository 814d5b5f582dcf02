#!/usr/bin/env bash
# The console examples of README.md and docs/ run against the packaged service and print what they say they print
# (.ci/examples/run_examples.py holds the convention). The service runs on 127.0.0.1 on free ports, a fresh one for
# each file; it is stopped by PID at exit. Builds the jar if it is missing. Last line: "examples: passed" or FAILED.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/jdk.sh
[[ -f target/request-metrics.jar ]] || mvn -B -q package -DskipTests
WORK=$(mktemp -d -t examples.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
API=$(free_port); ADMIN=$(free_port)
. .ci/processes.sh
stop() {
  [[ -f $WORK/pid ]] || return 0
  stop_process "$(cat "$WORK/pid")" 100
  rm -f "$WORK/pid"
}
cleanup() { stop; rm -rf "$WORK"; }
trap cleanup EXIT
cat > "$WORK/restart" <<SCRIPT
#!/usr/bin/env bash
# Stops the service this proof started (by its PID file), starts a fresh one and waits until it is ready.
set -euo pipefail
if [[ -f $WORK/pid ]]; then
  pid=\$(cat $WORK/pid); kill -TERM "\$pid" 2>/dev/null || true
  for _ in \$(seq 100); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.1; done
fi
SERVER_HOST=127.0.0.1 SERVER_PORT=$API SERVER_SOCKETS_0_HOST=127.0.0.1 SERVER_SOCKETS_0_PORT=$ADMIN \
  SERVER_SHUTDOWN_GRACE_PERIOD=PT1S LIFECYCLE_FINAL_SCRAPE_WINDOW=PT0S \
  "$JAVA_HOME/bin/java" -jar "$ROOT/target/request-metrics.jar" > "$WORK/service.log" 2>&1 &
echo \$! > $WORK/pid
for _ in \$(seq 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$ADMIN/observe/health/ready" && exit 0
  sleep 0.1
done
echo "the service did not become ready; its log:" >&2; cat "$WORK/service.log" >&2; exit 1
SCRIPT
chmod +x "$WORK/restart"
if python3 .ci/examples/run_examples.py "$API" "$ADMIN" "$WORK/restart"; then
  echo "examples: passed"
else
  echo "examples: FAILED"; exit 1
fi
