// Mutation check of the promtool unit tests: a test suite that still passes with a broken rule proves
// nothing. Each mutant is a copy of rules.yaml with one rule broken; `promtool test rules` on the test
// files that test that rule must then fail.
//
//   node mutation-check.mjs --dir DIR [--jobs 2]
//
// DIR holds rules.yaml and the test files (*.yaml, each with `rule_files: [rules.yaml]`). Mutants:
//   every alert      never (can not fire), always (fires on everything)       -> its tests fail
//   alert with for:  `for` halved (fires too early) and doubled (too late)
//   alert `X > N`    threshold N + 1 (e.g. one hung request no longer enough)
//   burn-rate alert  threshold x0.85 and x1.1; the long or the short window dropped
//   every recording  (expr) + 1                                               -> a test naming it fails
//   semantic         499 counted as a request; the latency SLI reads the next bucket up; the time-to-first-byte
//                    rules read the duration histogram; the long-running rules read the in-flight gauge; the
//                    otel naming's series are not read; its 499 counted as a request
// A mutant runs against the test files that name its alert (`alertname: X`) or its recorded metric; the
// semantic ones against the files with a 499 series / that bucket. Last line: "mutation: N of N mutants killed".
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawn } from "node:child_process";
import { parse, stringify } from "yaml";

const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const DIR = opt("dir");
const JOBS = Number(opt("jobs", Math.max(1, Math.min(4, os.cpus().length))));
const rules = parse(fs.readFileSync(path.join(DIR, "rules.yaml"), "utf8"));
const testFiles = fs.readdirSync(DIR).filter((f) => f.endsWith(".yaml") && f !== "rules.yaml");
const testText = Object.fromEntries(testFiles.map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]));

const mutants = [];
const add = (what, files, change, expectText) => mutants.push({ what, files, change, expectText });
const filesNaming = (s) => testFiles.filter((f) => testText[f].includes(s));
const seconds = (d) => [...String(d).matchAll(/(\d+)(ms|s|m|h|d)/g)].reduce((t, [, n, u]) => t + Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[u], 0);

rules.groups.forEach((g, gi) =>
  g.rules.forEach((r, ri) => {
    const set = (fn) => (doc) => {
      const rr = doc.groups[gi].rules[ri];
      rr.expr = fn(rr.expr.trim());
    };
    if (r.alert) {
      const files = filesNaming(`alertname: ${r.alert}`);
      const expect = `alertname: ${r.alert}`;
      add(`${r.alert}: can not fire`, files, set((e) => `(${e}) and on() vector(0) > 1`), expect);
      add(`${r.alert}: fires on everything`, files, set((e) => `(${e}) or on() vector(1)`), expect);
      const forSeconds = r.for ? seconds(r.for) : 0;
      if (forSeconds > 0) {
        const setFor = (s) => (doc) => (doc.groups[gi].rules[ri].for = `${s}s`);
        add(`${r.alert}: for ${r.for} halved`, files, setFor(forSeconds / 2), expect);
        add(`${r.alert}: for ${r.for} doubled`, files, setFor(forSeconds * 2), expect);
      }
      const single = /^([\s\S]*\S)\s*>\s*([0-9.]+)$/.exec(r.expr.trim());
      if (single && !/\nand\n/.test(r.expr)) {
        add(`${r.alert}: threshold ${single[2]} + 1`, files, set(() => `${single[1]} > ${Number(single[2]) + 1}`), expect);
      }
      const parts = r.expr.trim().split(/\nand\n/);
      if (parts.length === 2) {
        const scale = (k) => (e) => e.replace(/> ([0-9.e-]+)/g, (m, n) => `> ${Number((Number(n) * k).toPrecision(12))}`);
        add(`${r.alert}: threshold x0.85`, files, set(scale(0.85)), expect);
        add(`${r.alert}: threshold x1.1`, files, set(scale(1.1)), expect);
        add(`${r.alert}: short window dropped`, files, set(() => parts[0]), expect);
        add(`${r.alert}: long window dropped`, files, set(() => parts[1]), expect);
      }
    } else if (r.record) {
      const labels = r.labels ? JSON.stringify(r.labels) : "";
      const files = filesNaming(r.record).filter((f) => !r.labels?.slo || testText[f].includes(r.labels.slo));
      add(`${r.record}${labels}: (expr) + 1`, files, set((e) => `(${e}) + 1`), null);
    }
  }),
);
const everywhere = (fn) => (doc) => doc.groups.forEach((g) => g.rules.forEach((r) => (r.expr = fn(r.expr))));
if (JSON.stringify(rules).includes('status!=\\"499\\"')) {
  add('semantic: 499 counted as a request (status!="499" dropped)', filesNaming('status="499"'), everywhere((e) => e.replaceAll('status!="499"', 'status!="none"')), null);
}
const le = JSON.stringify(rules).match(/_bucket\{le=\\"([^\\]+)\\"\}/)?.[1];
if (le) {
  add(`semantic: latency SLI reads le="+Inf" instead of le="${le}"`, filesNaming(`le="${le}"`), everywhere((e) => e.replaceAll(`_bucket{le="${le}"}`, '_bucket{le="+Inf"}')), null);
}

// The otel naming's series (.ci/k8s/fleet-rules.mjs): rules that no longer read them, or count its 499s.
if (JSON.stringify(rules).includes("http_server_")) {
  add("semantic: the otel naming's series are not read", filesNaming("http_server_"), everywhere((e) => e.replaceAll("http_server_", "http_absent_")), null);
}
if (JSON.stringify(rules).includes('http_response_status_code!=\\"499\\"')) {
  add('semantic: 499 counted as a request under otel (http_response_status_code!="499" dropped)', filesNaming('http_response_status_code="499"'),
      everywhere((e) => e.replaceAll('http_response_status_code!="499"', 'http_response_status_code!="none"')), null);
}

const TTFB = "llama_stack_request_time_to_first_byte_seconds_bucket";
if (JSON.stringify(rules).includes(TTFB)) {
  add("semantic: time-to-first-byte rules read the duration histogram", filesNaming(TTFB), everywhere((e) => e.replaceAll(TTFB, "llama_stack_request_duration_seconds_bucket")), null);
}
const LONG = /(?<![\w:])llama_stack_long_running_requests\b/g;
if (JSON.stringify(rules).match(LONG)) {
  add("semantic: long-running rules read the in-flight gauge llama_stack_concurrent_requests", filesNaming("llama_stack_long_running_requests{"), everywhere((e) => e.replace(LONG, "llama_stack_concurrent_requests")), null);
}

function run(m, i) {
  return new Promise((resolve) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mutant-${i}-`));
    for (const f of m.files) fs.copyFileSync(path.join(DIR, f), path.join(dir, f));
    const doc = JSON.parse(JSON.stringify(rules));
    m.change(doc);
    fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(doc, { lineWidth: 0 }));
    if (m.files.length === 0) {
      resolve({ m, killed: false, out: "no test file names this rule" });
      return;
    }
    const p = spawn("promtool", ["test", "rules", ...m.files], { cwd: dir });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 120000);
    p.on("close", (code) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      const killed = code !== 0 && /FAILED/.test(out) && (!m.expectText || out.includes(m.expectText)) && !/error loading|unmarshal errors|parse error|bad_data/i.test(out);
      resolve({ m, killed, out });
    });
  });
}

const started = Date.now();
const results = [];
let next = 0;
await Promise.all(
  Array.from({ length: JOBS }, async () => {
    while (next < mutants.length) {
      const i = next++;
      results[i] = await run(mutants[i], i);
    }
  }),
);
let killed = 0;
for (const r of results) {
  if (r.killed) killed++;
  console.log(`  ${r.killed ? "killed  " : "SURVIVED"} ${r.m.what} [${r.m.files.join(" ")}]`);
  if (!r.killed) console.log(r.out.split("\n").slice(0, 15).map((l) => `       ${l}`).join("\n"));
}
console.log(`mutation: ${killed} of ${results.length} mutants killed (${((Date.now() - started) / 1000).toFixed(0)}s, ${JOBS} jobs)`);
process.exit(killed === results.length && results.length > 0 ? 0 : 1);
