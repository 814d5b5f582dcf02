#!/usr/bin/env bash
# The request-metrics feature in an application that is not ours (.ci/stranger-app: its own main, routes, health check
# and logging.properties), taken by its coordinates from the local repository after `mvn install`.
#
#   bash .ci/stranger-proof.sh      # from anywhere; about 1 minute; needs python3 and curl
#
# Checks:
#   1. the installed jar holds the feature's classes and its ServerFeatureProvider entry, nothing else (no Main,
#      no app.yaml, no logging.properties, no HealthCheckProvider); its POM lists exactly the dependencies the
#      feature imports;
#   2. the shop's series: exact counts for its own routes, with the labels its application.yaml names;
#   3. the shop's health lists only its own check (no "draining");
#   4. the shop's logging.properties is the one in force (every line starts with "shop|");
#   5. nothing of request-metrics is routed: /v1/models and /v1/version answer 404 and count as the shop's 404s.
# The shop binds free ports on 127.0.0.1 and is stopped by its PID; every wait is bounded.
set -Eeuo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
APP=.ci/stranger-app
OUT=target/stranger-proof
log() { printf '[stranger-proof %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
pid=""
cleanup() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

. scripts/jdk.sh
mkdir -p "$OUT"

log "mvn install (feature, test helpers, service; tests are scripts/test.sh's job)"
mvn -B -q install -DskipTests > "$OUT/install.log" 2>&1 || { tail -40 "$OUT/install.log" >&2; fail "mvn install failed"; }

version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' feature/pom.xml | head -1)
m2="${MAVEN_REPO:-$HOME/.m2/repository}/io/requestmetrics/helidon-request-metrics/$version"
jar="$m2/helidon-request-metrics-$version.jar"
[ -f "$jar" ] || fail "not installed: $jar"

log "1. the installed artifact: $jar"
unexpected=$(unzip -Z1 "$jar" | grep -v '/$' \
    | grep -Ev '^io/requestmetrics/(metrics|metrics/trace|config)/[A-Za-z0-9$]+\.class$' \
    | grep -Ev '^META-INF/(MANIFEST\.MF|services/io\.helidon\.webserver\.spi\.ServerFeatureProvider|services/io\.helidon\.metrics\.providers\.micrometer\.spi\.SpanContextSupplierProvider|maven/io\.requestmetrics/helidon-request-metrics/pom\.(xml|properties))$' || true)
[ -z "$unexpected" ] || fail "the feature jar holds more than the feature: $unexpected"
# From a captured listing: grep -q stops reading at its match, and under pipefail unzip's SIGPIPE would fail the check.
listing=$(unzip -Z1 "$jar")
grep -q '^io/requestmetrics/metrics/RequestMetricsFeature.class$' <<<"$listing" || fail "no RequestMetricsFeature in the jar"
[ "$(unzip -p "$jar" META-INF/services/io.helidon.webserver.spi.ServerFeatureProvider)" = "io.requestmetrics.metrics.RequestMetricsFeatureProvider" ] \
    || fail "the ServerFeatureProvider entry is not the feature's alone"
deps=$(python3 - "$m2/helidon-request-metrics-$version.pom" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
root = ET.parse(sys.argv[1]).getroot()
for dep in root.findall("m:dependencies/m:dependency", ns):
    scope = dep.findtext("m:scope", "compile", ns)
    if scope != "test":
        print(dep.findtext("m:groupId", "", ns) + ":" + dep.findtext("m:artifactId", "", ns) + ":" + scope)
PY
)
expected_deps="io.helidon.webserver:helidon-webserver:compile
io.helidon:helidon:compile
io.helidon.config:helidon-config:compile
io.helidon.metrics:helidon-metrics-api:compile
io.micrometer:micrometer-core:compile
io.micrometer:micrometer-registry-prometheus-simpleclient:compile
io.prometheus:simpleclient:compile
io.helidon.metrics.providers:helidon-metrics-providers-micrometer:compile
io.prometheus:simpleclient_tracer_common:compile
io.opentelemetry:opentelemetry-api:compile
io.opentelemetry:opentelemetry-sdk:compile
io.opentelemetry:opentelemetry-sdk-extension-autoconfigure:compile
io.opentelemetry:opentelemetry-exporter-otlp:runtime
io.opentelemetry:opentelemetry-exporter-sender-jdk:runtime
io.opentelemetry:opentelemetry-exporter-zipkin:runtime"
[ "$(sort <<<"$deps")" = "$(sort <<<"$expected_deps")" ] || fail "the feature's POM declares: $deps"
log "   $(unzip -Z1 "$jar" | grep -c '\.class$') classes, one ServerFeatureProvider entry, $(wc -l <<<"$deps") dependencies"

log "building the shop ($APP) against the installed artifact"
mvn -B -q -f "$APP/pom.xml" package -DskipTests > "$OUT/shop-build.log" 2>&1 || { tail -40 "$OUT/shop-build.log" >&2; fail "the shop does not build"; }
# Globs, not `ls | grep -q`: under pipefail, grep leaving early can end ls with SIGPIPE and fail the check.
[ -f "$APP/target/libs/helidon-request-metrics-$version.jar" ] || fail "the shop's libs/ hold no helidon-request-metrics-$version.jar"
for ours in request-metrics-1 request-metrics-testing; do
    if compgen -G "$APP/target/libs/$ours*" >/dev/null; then fail "the shop's libs/ hold $ours"; fi
done

log "starting the shop"
"$JAVA_HOME/bin/java" -jar "$APP/target/shop.jar" > "$OUT/shop.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
    grep -q 'shop ready: port' "$OUT/shop.log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$OUT/shop.log" >&2; fail "the shop exited"; }
    sleep 0.1
done
ready=$(grep -m1 'shop ready: port' "$OUT/shop.log") || { cat "$OUT/shop.log" >&2; fail "the shop did not start in 15 s"; }
port=$(sed -n 's/.*shop ready: port \([0-9]*\), admin port \([0-9]*\).*/\1/p' <<<"$ready")
admin=$(sed -n 's/.*shop ready: port \([0-9]*\), admin port \([0-9]*\).*/\2/p' <<<"$ready")
api="http://127.0.0.1:$port"

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
expect() { local want=$1; shift; local got; got=$(status "$@"); [ "$got" = "$want" ] || fail "$* answered $got, expected $want"; }
for i in 1 2 3 4; do expect 200 "$api/orders/$i"; done
for _ in 1 2; do expect 201 -X POST -d '{}' "$api/orders"; done
for _ in 1 2 3; do expect 200 "$api/ping"; done
expect 404 "$api/orders/abc"
log "5. nothing of ours is routed"
expect 404 "$api/v1/models"
expect 404 "$api/v1/version"
# Not counted: /observe is in the default excluded-paths.
expect 404 "$api/observe/metrics"

log "2. the shop's series"
# The filter records when a response is complete; the last request's record may trail the client by a moment.
for _ in $(seq 1 50); do
    curl -s --max-time 5 "http://127.0.0.1:$admin/observe/metrics" > "$OUT/scrape.txt"
    grep -q '^shop_requests_total{.*status="404"' "$OUT/scrape.txt" \
        && [ "$(grep '^shop_requests_total{' "$OUT/scrape.txt" | awk '{s+=$2} END {print s}')" = "12" ] && break
    sleep 0.1
done
python3 - "$OUT/scrape.txt" <<'PY' || fail "the shop's series are not the expected ones (target/stranger-proof/scrape.txt)"
import re, sys
series = {}
names = set()
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
    names.add(name)
    if name == "shop_requests_total":
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', line)))
        series[labels] = float(line.rsplit(" ", 1)[1])
def key(api, method, route, status):
    # scope: Helidon's own tag on every application meter.
    return tuple(sorted({"api": api, "method": method, "route": route, "status": status, "scope": "application"}.items()))
expected = {
    key("orders", "GET", "/orders/{id}", "200"): 4.0,
    key("orders", "POST", "/orders", "201"): 2.0,
    key("ping", "GET", "/ping", "200"): 3.0,
    key("orders", "GET", "/orders/{id}", "404"): 1.0,
    key("unknown", "GET", "unknown", "404"): 2.0,
}
ok = True
if series != expected:
    print("shop_requests_total:", series, "expected:", expected, file=sys.stderr)
    ok = False
for required in ("shop_request_duration_seconds_bucket", "shop_concurrent_requests"):
    if required not in names:
        print("missing series", required, file=sys.stderr)
        ok = False
foreign = sorted(n for n in names if n.startswith(("llama_stack_", "http_")))
if foreign:
    print("series of another prefix:", foreign, file=sys.stderr)
    ok = False
sys.exit(0 if ok else 1)
PY
log "   shop_requests_total: $(grep -c '^shop_requests_total{' "$OUT/scrape.txt") series, exact counts"

log "3. the shop's health"
curl -s --max-time 5 "http://127.0.0.1:$admin/observe/health" > "$OUT/health.json"
checks=$(python3 -c 'import json,sys; print(",".join(sorted(c["name"] for c in json.load(open(sys.argv[1]))["checks"])))' "$OUT/health.json") \
    || fail "unreadable health: $(cat "$OUT/health.json")"
[ "$checks" = "inventory" ] || fail "health checks are '$checks', expected 'inventory' only"

log "4. the shop's logging configuration"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
grep -q '^shop|INFO|com.example.shop.ShopMain|shop ready: port' "$OUT/shop.log" || fail "the shop's own log format is not in force"
other=$(grep -v '^shop|' "$OUT/shop.log" || true)
[ -z "$other" ] || fail "log lines not in the shop's format: $other"
log "   $(wc -l < "$OUT/shop.log") log lines, all in the shop's format"
log "ok: the feature works in a stranger's app by its coordinates and configuration alone"
