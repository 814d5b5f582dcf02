// Writes promtool unit tests for the SLO burn-rate alerts and recording rules, from the SLO targets in
// k8s/components/monitoring/slo.yaml (so the tests follow a changed target), one file per (SLO, alert):
//
//   node .ci/k8s/slo-tests.mjs --out-dir DIR [--config slo.yaml] [--app-yaml app.yaml --app-overlay overlay.yaml]
//
// DIR gets slo-<slo>-<long><short>.yaml files that load rules.yaml from the same directory. The burn-rate
// table and the alert names are written out here again on purpose, from the SRE workbook, not imported
// from the rule generator: a wrong tier in slo-rules.mjs must fail these tests.
//
// Each alert gets three tests, built from counters with a constant request rate in two phases: a
// baseline, then the last <short window> at a second error ratio. With r1 the baseline ratio and r2 the
// ratio in the short window, the long window (12 x the short one) sees (11 r1 + r2) / 12:
//   fires              r1 = r2 = 1.05 x threshold                     -> long 1.05x, short 1.05x: fires
//   only short burns   r1 = 0, r2 = 2 x threshold (healthy long)      -> long 0.17x, short 2x:   quiet
//   long at 0.9x       r1 = 0.8 x, r2 = 2 x threshold (healthy long)  -> long 0.9x,  short 2x:   quiet
//   burn stopped       r1 = 2.4 x, r2 = 0 (healthy short)              -> long 2.2x,  short 0:    quiet
// (with Prometheus 3's left-open range selectors the long window is 0.902x instead: still quiet.)
// The availability series also carry 499s at 10% of the traffic: counted in the denominator they would
// turn "fires" quiet, counted as errors they would make the quiet cases fire. The latency series put half
// of the slow requests under the next bucket bound, so reading the wrong bucket changes the ratio.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadConfig } from "./slo-rules.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const outDir = opt("out-dir");
if (!outDir) {
  console.error("usage: node slo-tests.mjs --out-dir DIR [--config F] [--app-yaml F] [--app-overlay F]");
  process.exit(2);
}
const appYaml = opt("app-yaml", path.join(ROOT, "app.yaml"));
const appOverlay = opt("app-overlay", path.join(ROOT, "k8s/base/config/app.yaml"));
const slos = loadConfig(opt("config", path.join(ROOT, "k8s/components/monitoring/slo.yaml")), appYaml, appOverlay);

// Google SRE workbook, "Alerting on SLOs", table 5-8 (30-day budget)
const WORKBOOK = [
  { burn: 14.4, long: "1h", short: "5m", severity: "page", longMin: 60, shortMin: 5, step: 1 },
  { burn: 6, long: "6h", short: "30m", severity: "page", longMin: 360, shortMin: 30, step: 5 },
  { burn: 3, long: "1d", short: "2h", severity: "ticket", longMin: 1440, shortMin: 120, step: 10 },
  { burn: 1, long: "3d", short: "6h", severity: "ticket", longMin: 4320, shortMin: 360, step: 30 },
];
const NAME = { availability: "Availability", latency: "Latency" };
const D = 100000; // requests per sample step that count for the SLI
const r12 = (x) => Number(x.toPrecision(12));
const pct = (x) => `${r12(x * 100)}%`;
// Go's fmt "%.4g" of a percentage, as the template function humanizePercentage prints it
const humanizePercentage = (x) => `${Number((x * 100).toPrecision(4))}%`;
const exhaustion = (burn) => {
  const hours = (30 * 24) / burn;
  return hours < 72 ? `${r12(hours)} hours` : `${r12(hours / 24)} days`;
};

// counter values: n1 steps at inc1 per step, then n2 steps at inc2 (expanding notation, from 0)
function counter(n1, inc1, n2, inc2) {
  const v1 = r12(inc1 * n1);
  return `0+${r12(inc1)}x${n1} ${r12(v1 + inc2)}+${r12(inc2)}x${n2 - 1}`;
}

function seriesFor(s, n1, n2, r1, r2) {
  const L = (extra) => `{namespace="shop",api="models",${extra}}`;
  const out = [];
  if (s.name === "availability") {
    out.push({ series: `llama_stack_requests_total${L('status="200",pod="a",scope="application"')}`, values: counter(n1, D * (1 - r1), n2, D * (1 - r2)) });
    out.push({ series: `llama_stack_requests_total${L('status="500",pod="b",scope="application"')}`, values: counter(n1, D * r1, n2, D * r2) });
    out.push({ series: `llama_stack_requests_total${L('status="499",pod="a",scope="application"')}`, values: counter(n1, D / 10, n2, D / 10) });
    out.push({ series: 'llama_stack_requests_total{namespace="shop",api="datasets",status="200",pod="a"}', values: counter(n1, 1000, n2, 1000) });
  } else {
    const b = (le, good) => ({ series: `llama_stack_request_duration_seconds_bucket${L(`status="200",pod="a",le="${le}"`)}`, values: good });
    // half of the slow requests end under the next bound
    out.push(b(s.le, counter(n1, D * (1 - r1), n2, D * (1 - r2))));
    if (s.nextLe) out.push(b(s.nextLe, counter(n1, D * (1 - r1 / 2), n2, D * (1 - r2 / 2))));
    out.push(b("+Inf", counter(n1, D, n2, D)));
    out.push({ series: `llama_stack_request_duration_seconds_count${L('status="200",pod="a"')}`, values: counter(n1, D, n2, D) });
    out.push({ series: 'llama_stack_request_duration_seconds_bucket{namespace="shop",api="datasets",status="200",pod="a",le="+Inf"}', values: counter(n1, 1000, n2, 1000) });
    out.push({ series: `llama_stack_request_duration_seconds_bucket{namespace="shop",api="datasets",status="200",pod="a",le="${s.le}"}`, values: counter(n1, 1000, n2, 1000) });
    out.push({ series: 'llama_stack_request_duration_seconds_count{namespace="shop",api="datasets",status="200",pod="a"}', values: counter(n1, 1000, n2, 1000) });
  }
  return out;
}

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const s of Object.values(slos)) {
  for (const t of WORKBOOK) {
    const alert = `RequestMetrics${NAME[s.name]}BudgetBurn${t.long}${t.short}`;
    const threshold = r12(t.burn * s.budget);
    const n2 = t.shortMin / t.step; // steps in the short window
    // the baseline covers the rest of the long window and one short window more; rules are evaluated
    // once per short window (that is all a test without `for` needs), at multiples of it up to the end
    const n1 = t.longMin / t.step;
    const evalTime = `${(n1 + n2) * t.step}m`;
    const interval = `${t.step}m`;
    const cases = [
      { name: `${alert}: fires, both windows at 1.05x the ${t.burn}x burn`, r1: 1.05 * threshold, r2: 1.05 * threshold, fires: true },
      { name: `${alert}: quiet (healthy long window), only the ${t.short} window burns at 2x`, r1: 0, r2: 2 * threshold, fires: false },
      { name: `${alert}: quiet (healthy long window), ${t.long} window at 0.9x, ${t.short} window at 2x`, r1: 0.8 * threshold, r2: 2 * threshold, fires: false },
      { name: `${alert}: quiet (healthy short window), the burn stopped: ${t.long} window at 2.2x, ${t.short} window at 0`, r1: 2.4 * threshold, r2: 0, fires: false },
    ];
    const tests = cases.map((c) => {
      const exp = [];
      if (c.fires) {
        const d = s.name === "availability" ? "failed with 5xx" : `took longer than ${s.threshold}s`;
        const target = s.name === "availability" ? `${pct(s.objective)} availability` : `${pct(s.objective)} of requests within ${s.threshold}s`;
        exp.push({
          exp_labels: { severity: t.severity, slo: s.slo, namespace: "shop", api: "models" },
          exp_annotations: {
            summary: `request-metrics models: ${s.name} error budget burning ${t.burn}x over ${t.long} and ${t.short} (${t.severity})`,
            description:
              `${humanizePercentage(c.r1)} of the requests to api="models" (namespace shop) ${d} over the last ${t.long}, ` +
              `and more than ${pct(threshold)} still over the last ${t.short}: ${t.burn} times the ${pct(s.budget)} error budget of the SLO "${s.slo}" (${target}). ` +
              `At this rate the 30-day budget is spent in ${exhaustion(t.burn)}. See docs/KUBERNETES.md, "What each alert means".`,
          },
        });
      }
      return {
        name: c.name,
        interval,
        input_series: seriesFor(s, n1, n2, c.r1, c.r2),
        alert_rule_test: [{ eval_time: evalTime, alertname: alert, exp_alerts: exp }],
      };
    });
    if (t.long === "1h") {
      // recording rules, exact: constant ratio (the "fires" series), every window and the 30-day mean
      // see it; datasets has no errors (0, not nothing). round(1e9 x) absorbs float noise only.
      const r = 1.05 * threshold;
      const samples = (v) => [
        { labels: `{namespace="shop",api="models",slo="${s.slo}"}`, value: Math.round(1e9 * v) },
        { labels: `{namespace="shop",api="datasets",slo="${s.slo}"}`, value: 0 },
      ];
      tests.push({
        name: `${s.slo}: objective, budget and error-ratio recording rules`,
        interval,
        input_series: seriesFor(s, n1, n2, r, r),
        promql_expr_test: [
          { expr: `slo:objective:ratio{slo="${s.slo}"} * 1e6`, eval_time: evalTime, exp_samples: [{ labels: `{slo="${s.slo}"}`, value: r12(s.objective * 1e6) }] },
          { expr: `slo:error_budget:ratio{slo="${s.slo}"} * 1e6`, eval_time: evalTime, exp_samples: [{ labels: `{slo="${s.slo}"}`, value: r12(s.budget * 1e6) }] },
          ...["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"].map((w) => ({
            expr: `round(1e9 * namespace_api:slo_sli_errors:ratio_rate${w}{slo="${s.slo}"})`,
            eval_time: evalTime,
            exp_samples: samples(r),
          })),
        ],
      });
    }
    const file = path.join(outDir, `slo-${s.name}-${t.long}${t.short}.yaml`);
    const doc = { rule_files: ["rules.yaml"], evaluation_interval: `${t.shortMin}m`, tests };
    fs.writeFileSync(file, `# GENERATED by .ci/k8s/slo-tests.mjs for ${alert} (${s.slo} ${pct(s.objective)})\n` + stringify(doc, { lineWidth: 0 }));
    written.push(path.basename(file));
  }
}
console.log(`slo-tests: wrote ${written.length} files to ${outDir}: ${written.join(" ")}`);
