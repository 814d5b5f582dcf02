// Writes a copy of a Prometheus rules file with one alert's expression replaced, for the negative
// self-test of the promtool unit tests (a test suite that still passes with a broken alert proves nothing).
//   node mutate-rules.mjs IN OUT ALERT never|always
//   never : the alert can not fire        -> the "fires on a breaking series" test must fail
//   always: the alert fires on everything -> the "quiet on a healthy series" test must fail
import fs from "node:fs";
import { parse, stringify } from "yaml";

const [inFile, outFile, alert, mode] = process.argv.slice(2);
const doc = parse(fs.readFileSync(inFile, "utf8"));
let hit = 0;
for (const g of doc.groups ?? []) {
  for (const r of g.rules ?? []) {
    if (r.alert !== alert) continue;
    hit++;
    if (mode === "never") r.expr = `(${r.expr.trim()}) and on() vector(0) > 1`;
    else if (mode === "always") r.expr = `(${r.expr.trim()}) or on() vector(1)`;
    else throw new Error(`mode must be never or always, got ${mode}`);
  }
}
if (hit !== 1) {
  console.error(`alert ${alert}: found ${hit} times`);
  process.exit(2);
}
fs.writeFileSync(outFile, stringify(doc, { lineWidth: 0 }));
