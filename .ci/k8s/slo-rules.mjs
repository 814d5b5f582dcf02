// Generates the SLO PrometheusRule (k8s/components/monitoring/prometheusrule-slo.yaml) from the SLO
// targets in k8s/components/monitoring/slo.yaml: error-ratio recording rules per (namespace, api) over
// 5m, 30m, 1h, 2h, 6h, 1d and 3d, a 30-day average for the remaining budget, the objective and budget as
// series, and the multi-window, multi-burn-rate alerts of the Google SRE workbook (chapter "Alerting on
// SLOs", table 5-8), as Sloth and Pyrra generate them.
//
//   node .ci/k8s/slo-rules.mjs                 # rewrite the PrometheusRule from slo.yaml
//   node .ci/k8s/slo-rules.mjs --check         # exit 1 if the committed file differs from what slo.yaml gives
//   node .ci/k8s/slo-rules.mjs --config F --out F [--app-yaml F --app-overlay F] [--stdout]
//
// The latency threshold must be a bucket bound of server.features.request-metrics.buckets (the root app.yaml merged with
// the ConfigMap overlay k8s/base/config/app.yaml): the SLI reads the bucket with le="<threshold>", and a
// bound that is not a bucket would silently match no series. Errors exit 2 with a message.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { NAMINGS } from "./fleet-rules.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// The workbook's table: burn rate, long window, short window, severity. The long window sets how much
// budget is spent before the alert fires (burn x long / 30d: 2%, 5%, 10%, 10%), the short one
// (1/12 of the long) makes it stop soon after the burn stops.
export const TIERS = [
  { burn: 14.4, long: "1h", short: "5m", severity: "page" },
  { burn: 6, long: "6h", short: "30m", severity: "page" },
  { burn: 3, long: "1d", short: "2h", severity: "ticket" },
  { burn: 1, long: "3d", short: "6h", severity: "ticket" },
];
export const WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];
export const PERIOD_DAYS = 30;
export const SLI_RECORD = (w) => `namespace_api:slo_sli_errors:ratio_rate${w}`;
export const alertName = (slo, t) => `RequestMetrics${slo[0].toUpperCase()}${slo.slice(1)}BudgetBurn${t.long}${t.short}`;

function die(msg) {
  console.error(`slo-rules: ${msg}`);
  process.exit(2);
}

// Helidon-style merge (maps by key, lists and scalars replaced), as the service reads APP_CONFIG over the
// packaged app.yaml.
function merge(base, over) {
  if (over === undefined) return base;
  if (base && over && typeof base === "object" && typeof over === "object" && !Array.isArray(base) && !Array.isArray(over)) {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over;
}

// The `le` label value the service exports for a bucket bound: Java's Double.toString (0.5 -> "0.5",
// 1 -> "1.0"), for the plain decimal bounds a bucket list holds.
export function leLabel(x) {
  if (!Number.isFinite(x) || x <= 0) throw new Error(`bucket bound ${x} is not a positive number`);
  if (x >= 1e7 || x < 1e-3) throw new Error(`bucket bound ${x}: Java would print it in E notation; use a bound in [0.001, 1e7)`);
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

const round12 = (x) => Number(x.toPrecision(12));
const pct = (x) => `${round12(x * 100)}%`;

// The buckets when no app.yaml sets server.features.request-metrics.buckets: the default, declared once, in
// RequestMetricsConfig.DEFAULT_BUCKETS_SECONDS (read from the source, so that it is not declared a second time here).
function defaultBuckets() {
  const source = path.join(ROOT, "feature/src/main/java/io/requestmetrics/metrics/RequestMetricsConfig.java");
  const match = /DEFAULT_BUCKETS_SECONDS\s*=\s*List\.of\(([^)]*)\)/.exec(fs.readFileSync(source, "utf8"));
  if (!match) die(`${source}: no DEFAULT_BUCKETS_SECONDS = List.of(...) to read the default buckets from`);
  return match[1].split(",").map((b) => Number(b.trim()));
}

export function loadConfig(configFile, appYaml, appOverlay) {
  const cfg = parse(fs.readFileSync(configFile, "utf8")) ?? {};
  const slos = cfg.slos ?? {};
  const app = merge(parse(fs.readFileSync(appYaml, "utf8")) ?? {}, appOverlay ? parse(fs.readFileSync(appOverlay, "utf8")) ?? {} : {});
  const buckets = app?.server?.features?.["request-metrics"]?.buckets ?? defaultBuckets();
  const unknown = Object.keys(slos).filter((k) => !["availability", "latency"].includes(k));
  if (unknown.length) die(`${configFile}: unknown SLO ${unknown.join(", ")} (availability, latency)`);
  const out = {};
  for (const name of ["availability", "latency"]) {
    const s = slos[name];
    if (!s) die(`${configFile}: slos.${name} is missing`);
    const objective = Number(s.objective);
    if (!(objective > 0 && objective < 100)) die(`${configFile}: slos.${name}.objective must be a percentage in (0, 100), got ${s.objective}`);
    const budget = round12(1 - objective / 100);
    // every tier must be able to fire: burn x budget < 1
    for (const t of TIERS) {
      if (t.burn * budget >= 1) die(`${configFile}: slos.${name}.objective ${objective}% leaves a budget of ${pct(budget)}; a ${t.burn}x burn would need more than 100% errors, so that alert could never fire (use an objective above ${round12(100 - 100 / 14.4)}%)`);
    }
    const o = { name, slo: `request-metrics-${name}`, objective: round12(objective / 100), budget };
    if (name === "latency") {
      const th = Number(s.threshold_seconds);
      if (!Array.isArray(buckets)) die(`${appYaml}: server.features.request-metrics.buckets is not a list`);
      if (!buckets.map(Number).includes(th)) {
        die(`${configFile}: slos.latency.threshold_seconds ${s.threshold_seconds} is not one of the configured buckets server.features.request-metrics.buckets [${buckets.join(", ")}] (${appYaml}${appOverlay ? ` + ${appOverlay}` : ""}); the SLI needs the bucket le="${th}"`);
      }
      o.threshold = th;
      o.le = leLabel(th);
      const next = buckets.map(Number).filter((b) => b > th).sort((a, b) => a - b)[0];
      if (next !== undefined) o.nextLe = leLabel(next); // for the tests: the bucket a wrong SLI would read
    }
    out[name] = o;
  }
  return out;
}

const BY = "namespace, api";
// Both namings of the service's meters (fleet-rules.mjs): a pod publishes one, so `or` then `sum` counts every pod.
const sumOf = (vector) => `sum by (${BY}) (${NAMINGS.map(vector).join(" or ")})`;

function sliExpr(s, w) {
  if (s.name === "availability") {
    // errors: 5xx; requests: everything but 499. `or 0 * ...` gives 0 (not nothing) to an api without
    // any 5xx series; `> 0` on the denominator drops windows without traffic (no NaN samples).
    return [
      "(",
      `  ${sumOf((n) => `rate(${n.requests}{${n.status}=~"5.."}[${w}])`)}`,
      "  or",
      `  0 * ${sumOf((n) => `rate(${n.requests}{${n.status}!="499"}[${w}])`)}`,
      ")",
      "/",
      `(${sumOf((n) => `rate(${n.requests}{${n.status}!="499"}[${w}])`)} > 0)`,
    ].join("\n");
  }
  // latency errors: requests slower than the threshold = all - those in the bucket le="threshold"
  return [
    "(",
    `  ${sumOf((n) => `rate(${n.duration}_count[${w}])`)}`,
    "  -",
    `  ${sumOf((n) => `rate(${n.duration}_bucket{le="${s.le}"}[${w}])`)}`,
    ")",
    "/",
    `(${sumOf((n) => `rate(${n.duration}_count[${w}])`)} > 0)`,
  ].join("\n");
}

function describe(s) {
  return s.name === "availability"
    ? { what: "failed with 5xx", sli: `requests answered without a 5xx (499 not counted)`, target: `${pct(s.objective)} availability` }
    : { what: `took longer than ${s.threshold}s`, sli: `requests completed within ${s.threshold}s`, target: `${pct(s.objective)} of requests within ${s.threshold}s` };
}

function exhaustion(burn) {
  const hours = (PERIOD_DAYS * 24) / burn;
  return hours < 72 ? `${round12(hours)} hours` : `${round12(hours / 24)} days`;
}

export function generate(slos) {
  const groups = [];
  groups.push({
    name: "request-metrics-slo.objectives",
    rules: Object.values(slos).flatMap((s) => [
      { record: "slo:objective:ratio", expr: `vector(${s.objective})`, labels: { slo: s.slo } },
      { record: "slo:error_budget:ratio", expr: `vector(${s.budget})`, labels: { slo: s.slo } },
    ]),
  });
  for (const s of Object.values(slos)) {
    const d = describe(s);
    const rules = WINDOWS.map((w) => ({ record: SLI_RECORD(w), expr: sliExpr(s, w), labels: { slo: s.slo } }));
    for (const t of TIERS) {
      const th = round12(t.burn * s.budget);
      const sel = `{slo="${s.slo}"}`;
      rules.push({
        alert: alertName(s.name, t),
        expr: [`${SLI_RECORD(t.long)}${sel} > ${th}`, "and", `${SLI_RECORD(t.short)}${sel} > ${th}`].join("\n"),
        labels: { severity: t.severity, slo: s.slo },
        annotations: {
          summary: `request-metrics {{ $labels.api }}: ${s.name} error budget burning ${t.burn}x over ${t.long} and ${t.short} (${t.severity})`,
          description:
            `{{ $value | humanizePercentage }} of the requests to api="{{ $labels.api }}" (namespace {{ $labels.namespace }}) ${d.what} over the last ${t.long}, ` +
            `and more than ${pct(th)} still over the last ${t.short}: ${t.burn} times the ${pct(s.budget)} error budget of the SLO "${s.slo}" (${d.target}). ` +
            `At this rate the ${PERIOD_DAYS}-day budget is spent in ${exhaustion(t.burn)}. See docs/KUBERNETES.md, "What each alert means".`,
        },
      });
    }
    groups.push({ name: `${s.slo}`, rules });
  }
  groups.push({
    name: "request-metrics-slo.period",
    rules: Object.values(slos).map((s) => ({
      // Mean of the 5m error ratios over the period (as Sloth does): each 5m window with traffic weighs
      // the same. The remaining budget is 1 - this / slo:error_budget:ratio.
      record: `namespace_api:slo_sli_errors:ratio_rate${PERIOD_DAYS}d`,
      expr: `avg_over_time(${SLI_RECORD("5m")}{slo="${s.slo}"}[${PERIOD_DAYS}d])`,
      labels: { slo: s.slo },
    })),
  });
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "request-metrics-slo", labels: { "app.kubernetes.io/name": "request-metrics" } },
    spec: { groups },
  };
}

export function render(slos, configRel) {
  const header = [
    "# GENERATED by .ci/k8s/slo-rules.mjs from " + configRel + ": do not edit, edit that file and rerun",
    "# `node .ci/k8s/slo-rules.mjs` (.ci/k8s-proof.sh fails when this file is stale).",
    `# SLOs per (namespace, api): ${Object.values(slos).map((s) => `${s.slo} ${pct(s.objective)}`).join(", ")}; ${PERIOD_DAYS}-day budget.`,
    "# Alerts: multi-window, multi-burn-rate (Google SRE workbook, \"Alerting on SLOs\"):",
    ...TIERS.map((t) => `#   burn ${t.burn}x over ${t.long} and ${t.short} -> ${t.severity}`),
    "",
  ].join("\n");
  return header + stringify(generate(slos), { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------- CLI
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const config = opt("config", path.join(ROOT, "k8s/components/monitoring/slo.yaml"));
  const out = opt("out", path.join(ROOT, "k8s/components/monitoring/prometheusrule-slo.yaml"));
  const appYaml = opt("app-yaml", path.join(ROOT, "app.yaml"));
  const appOverlay = opt("app-overlay", path.join(ROOT, "k8s/base/config/app.yaml"));
  const slos = loadConfig(config, appYaml, appOverlay);
  const text = render(slos, "k8s/components/monitoring/slo.yaml");
  if (args.includes("--stdout")) process.stdout.write(text);
  else if (args.includes("--check")) {
    const have = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
    if (have !== text) {
      console.error(`slo-rules: ${out} is stale: it is not what ${config} generates; run node .ci/k8s/slo-rules.mjs`);
      process.exit(1);
    }
    console.log(`slo-rules: ${path.relative(ROOT, out)} is what ${path.relative(ROOT, config)} generates`);
  } else {
    fs.writeFileSync(out, text);
    console.log(`slo-rules: wrote ${path.relative(ROOT, out)}`);
  }
}
