// Assertions of the Prometheus end-to-end test, through the Prometheus HTTP API.
//
//   node e2e-assert.mjs --prometheus http://127.0.0.1:PORT --facts facts.json --traffic traffic.tsv
//                       --job JOB --namespace NS
//
// traffic.tsv: one line per request sent, "<api>\t<http status>" (the status curl saw).
// Checks, each polled (never a fixed sleep) within a bounded time:
//   1. the scrape target is up;
//   2. the request counter per api and status equals the traffic sent, exactly, and so does the
//      histogram's _count per api;
//   3. every PromQL expression of the Grafana dashboard (variables substituted) returns data with a
//      finite value;
//   4. the alert rules are loaded and evaluate without error, none is pending or firing, and each
//      alert expression returns nothing on this healthy service.
// With --phase down (after the service was stopped): RequestMetricsTargetDown becomes pending.
// Last line: "e2e: N passed, N failed".

import fs from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const PROM = args.prometheus;
const facts = JSON.parse(fs.readFileSync(args.facts, "utf8"));
const JOB = args.job;
const NS = args.namespace;
const POLL_MS = 500;
const TIMEOUT_MS = Number(args["timeout-ms"] ?? 60000);

let passed = 0;
let failed = 0;
function report(ok, what, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}${!ok && detail ? `\n       ${detail}` : ""}`);
}

async function api(pathAndQuery) {
  const res = await fetch(`${PROM}${pathAndQuery}`, { signal: AbortSignal.timeout(5000) });
  const body = await res.json();
  if (body.status !== "success") throw new Error(`${pathAndQuery}: ${JSON.stringify(body).slice(0, 300)}`);
  return body.data;
}
const query = (q) => api(`/api/v1/query?query=${encodeURIComponent(q)}`);

// Polls fn() until it returns {ok:true}; returns the last result.
async function poll(what, fn) {
  const deadline = Date.now() + TIMEOUT_MS;
  let last = { ok: false, detail: "not run" };
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    try {
      last = await fn();
    } catch (e) {
      last = { ok: false, detail: String(e.message ?? e) };
    }
    if (last.ok) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  report(last.ok, `${what}${last.ok ? ` (${attempts} poll${attempts > 1 ? "s" : ""})` : ""}`, last.detail);
  return last;
}

// ---------------------------------------------------------------- phase "down": the service was stopped
if (args.phase === "down") {
  await poll(`service stopped: up{${`job="${JOB}"`}} is 0 and RequestMetricsTargetDown turns pending`, async () => {
    const d = await api("/api/v1/alerts");
    const a = d.alerts.filter((x) => x.labels.alertname === "RequestMetricsTargetDown" && x.labels.job === JOB);
    return { ok: a.length === 1 && ["pending", "firing"].includes(a[0].state), detail: JSON.stringify(d.alerts).slice(0, 400) };
  });
  console.log(`\ne2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// ---------------------------------------------------------------- traffic sent
const sent = new Map(); // "api status" -> count
const sentByApi = new Map();
for (const line of fs.readFileSync(args.traffic, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const [apiName, status] = line.split("\t");
  if (!/^\d{3}$/.test(status)) {
    report(false, `request to api ${apiName} got an HTTP answer`, `status ${status}`);
    continue;
  }
  sent.set(`${apiName} ${status}`, (sent.get(`${apiName} ${status}`) ?? 0) + 1);
  sentByApi.set(apiName, (sentByApi.get(apiName) ?? 0) + 1);
}
const fmt = (m) => [...m.entries()].sort().map(([k, v]) => `${k}=${v}`).join(", ");
console.log(`  traffic sent: ${[...sent.values()].reduce((a, b) => a + b, 0)} requests: ${fmt(sent)}`);

const sel = `job="${JOB}"`;

// 1. target up
await poll(`target ${JOB} is up (scraping ${facts.serviceMonitor.path} on port ${facts.serviceMonitor.port})`, async () => {
  const r = await query(`up{${sel}}`);
  return { ok: r.result.length === 1 && r.result[0].value[1] === "1", detail: JSON.stringify(r.result) };
});

// 2. exact counts
await poll("llama_stack_requests_total per (api, status) equals the traffic sent, exactly", async () => {
  const r = await query(`sum by (api, status) (llama_stack_requests_total{${sel}})`);
  const seen = new Map(r.result.map((s) => [`${s.metric.api} ${s.metric.status}`, Number(s.value[1])]));
  const keys = new Set([...seen.keys(), ...sent.keys()]);
  const diff = [...keys].filter((k) => (seen.get(k) ?? 0) !== (sent.get(k) ?? 0));
  return { ok: diff.length === 0, detail: `sent {${fmt(sent)}} prometheus {${fmt(seen)}}` };
});
await poll("llama_stack_request_duration_seconds_count per api equals the traffic sent, exactly", async () => {
  const r = await query(`sum by (api) (llama_stack_request_duration_seconds_count{${sel}})`);
  const seen = new Map(r.result.map((s) => [s.metric.api, Number(s.value[1])]));
  const keys = new Set([...seen.keys(), ...sentByApi.keys()]);
  const diff = [...keys].filter((k) => (seen.get(k) ?? 0) !== (sentByApi.get(k) ?? 0));
  return { ok: diff.length === 0, detail: `sent {${fmt(sentByApi)}} prometheus {${fmt(seen)}}` };
});
await poll("llama_stack_concurrent_requests has every api of the traffic", async () => {
  const r = await query(`sum by (api) (llama_stack_concurrent_requests{${sel}})`);
  const apis = new Set(r.result.map((s) => s.metric.api));
  const missing = [...sentByApi.keys()].filter((a) => !apis.has(a));
  return { ok: missing.length === 0, detail: `missing ${missing}; got ${[...apis]}` };
});

// 3. dashboard queries
const VARS = { __rate_interval: "1m", __interval: "15s", namespace: NS };
function substitute(expr) {
  return expr.replace(/\$\{?(\w+)\}?/g, (m, name) => {
    if (!(name in VARS)) throw new Error(`unknown dashboard variable ${m} in ${expr}`);
    return VARS[name];
  });
}
report(facts.dashboardExprs.length > 0, `dashboard has ${facts.dashboardExprs.length} queries`);
for (const d of facts.dashboardExprs) {
  let q;
  try {
    q = substitute(d.expr);
  } catch (e) {
    report(false, `dashboard "${d.panel}" ${d.refId}`, String(e.message));
    continue;
  }
  await poll(`dashboard "${d.panel}" ${d.refId} returns data: ${q}`, async () => {
    const r = await query(q);
    const finite = r.result.filter((s) => Number.isFinite(Number(s.value[1])));
    return {
      ok: r.result.length > 0 && finite.length > 0,
      detail: `${r.result.length} series, ${finite.length} finite: ${JSON.stringify(r.result).slice(0, 300)}`,
    };
  });
}

// 4. alerts quiet on the healthy service
await poll(`alert rules loaded and evaluated without error (${facts.alerts.length} alerts)`, async () => {
  const d = await api("/api/v1/rules?type=alert");
  const rules = d.groups.flatMap((g) => g.rules);
  const names = rules.map((r) => r.name).sort();
  const want = facts.alerts.map((a) => a.alert).sort();
  const evaluated = rules.every((r) => r.health === "ok" && r.lastEvaluation && !r.lastEvaluation.startsWith("0001"));
  return {
    ok: JSON.stringify(names) === JSON.stringify(want) && evaluated,
    detail: JSON.stringify(rules.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError, lastEvaluation: r.lastEvaluation }))),
  };
});
{
  const d = await api("/api/v1/alerts");
  report(d.alerts.length === 0, "no alert pending or firing on the healthy service", JSON.stringify(d.alerts).slice(0, 500));
}
for (const a of facts.alerts) {
  const r = await query(a.expr);
  report(r.result.length === 0, `alert expression ${a.alert} returns nothing on the healthy service`, JSON.stringify(r.result).slice(0, 300));
}

console.log(`\ne2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
