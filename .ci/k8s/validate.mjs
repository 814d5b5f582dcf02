// Offline validation of the rendered k8s/ manifests (kubectl kustomize output).
//
//   node validate.mjs --app-yaml ../../app.yaml --render base=base.yaml [--render monitoring=mon.yaml]
//                     [--render autoscaling=asg.yaml] [--facts facts.json] [--rules-out rules.yaml] [--self-test]
// A render named "base" must hold no CRD-based object and no HPA; any other name is checked with the
// monitoring component (ServiceMonitor, the two PrometheusRules); "autoscaling" also with the HPA and the
// prometheus-adapter rule ConfigMap (k8s/components/autoscaling).
//
// For every rendered object:
//   1. schema validation with the kubernetes-models / @kubernetes-models/prometheus-operator model
//      classes (their validate() runs the compiled JSON schema through @kubernetes-models/validate);
//   2. unknown-field check: that validator does not reject unknown keys, so the same schema validator
//      is run once more on a Proxy of the object that records which keys the schema looks up. A key the
//      schema never looks up in an object whose properties it checks is not a field of that type
//      (a typo such as `readOnlyRootFilesytem`). Maps (labels, annotations, data, ...) are enumerated by
//      the schema (additionalProperties) and so accept any key;
//   3. policy assertions: Pod Security "restricted" fields, probes / annotations / Service /
//      ServiceMonitor ports and paths equal to what app.yaml (the packaged one merged with the
//      ConfigMap overlay) configures, NetworkPolicy, PDB, alerts, recording rules and dashboard shape,
//      the HPA and the prometheus-adapter rule (the HPA's Pods metric is the rule's name.as).
// --self-test breaks copies of the objects on purpose (typo'd field, wrong type, wrong port, ...) and
// fails unless every break is reported.
// Exit code 0 only when everything passed. Last line: "validate: N passed, N failed".

import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments, parse as parseYaml, stringify as toYaml } from "yaml";

// ---------------------------------------------------------------------------------------------
// arguments
const args = process.argv.slice(2);
const renders = [];
let appYamlPath = null;
let factsOut = null;
let rulesOut = null;
let selfTest = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--render") {
    const [name, file] = args[++i].split("=");
    renders.push({ name, file });
  } else if (a === "--app-yaml") appYamlPath = args[++i];
  else if (a === "--facts") factsOut = args[++i];
  else if (a === "--rules-out") rulesOut = args[++i];
  else if (a === "--self-test") selfTest = true;
  else {
    console.error(`unknown argument ${a}`);
    process.exit(2);
  }
}
if (!appYamlPath || renders.length === 0) {
  console.error("usage: node validate.mjs --app-yaml APP_YAML --render NAME=FILE [--render NAME=FILE] [--facts F] [--rules-out F] [--self-test]");
  process.exit(2);
}

let passed = 0;
let failed = 0;
function report(ok, what, detail = "") {
  if (ok) {
    passed++;
    console.log(`  ok   ${what}`);
  } else {
    failed++;
    console.log(`  FAIL ${what}${detail ? `\n       ${detail.split("\n").join("\n       ")}` : ""}`);
  }
}

// ---------------------------------------------------------------------------------------------
// model classes by apiVersion/kind
async function modelClass(apiVersion, kind) {
  let mod;
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    mod = await import(`@kubernetes-models/prometheus-operator/${apiVersion}`);
  } else {
    mod = await import(`kubernetes-models/${apiVersion}`);
  }
  const cls = mod[kind];
  if (!cls || cls.apiVersion !== apiVersion || cls.kind !== kind) {
    throw new Error(`no model for ${apiVersion} ${kind}`);
  }
  return cls;
}

function objName(o) {
  return `${o?.kind}/${o?.metadata?.name}`;
}

// Schema validation (errors as strings; empty when valid).
async function schemaErrors(obj) {
  let cls;
  try {
    cls = await modelClass(obj.apiVersion, obj.kind);
  } catch (e) {
    return [String(e.message)];
  }
  try {
    new cls(obj).validate();
    return [];
  } catch (e) {
    return [String(e.message)];
  }
}

// Unknown fields: run the model's schema validator on a recording Proxy (see header).
async function unknownFields(obj) {
  const cls = await modelClass(obj.apiVersion, obj.kind);
  const nodes = new Map(); // json path -> {keys, looked: Set, enumerated}
  function wrap(value, p) {
    if (value === null || typeof value !== "object") return value;
    let st = nodes.get(p);
    if (!st) {
      st = { keys: Array.isArray(value) ? [] : Object.keys(value), looked: new Set(), enumerated: false, array: Array.isArray(value) };
      nodes.set(p, st);
    }
    return new Proxy(value, {
      get(t, k, r) {
        const v = Reflect.get(t, k, r);
        if (typeof k !== "string") return v;
        st.looked.add(k);
        return Object.prototype.hasOwnProperty.call(t, k) ? wrap(v, `${p}/${k}`) : v;
      },
      has(t, k) {
        if (typeof k === "string") st.looked.add(k);
        return Reflect.has(t, k);
      },
      ownKeys(t) {
        st.enumerated = true;
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
    });
  }
  const copy = JSON.parse(JSON.stringify(obj));
  try {
    cls.prototype.validate.call(wrap(copy, ""));
  } catch {
    // schema errors are reported by schemaErrors(); here only the key lookups matter
  }
  const unknown = [];
  let free = 0;
  const freePaths = [];
  for (const [p, st] of nodes) {
    if (st.array || st.enumerated) continue;
    if (st.looked.size === 0) {
      // the schema checks nothing inside this object (free-form, e.g. x-kubernetes-preserve-unknown-fields)
      if (st.keys.length) {
        free++;
        freePaths.push(p);
      }
      continue;
    }
    for (const k of st.keys) if (!st.looked.has(k)) unknown.push(`${p}/${k}`);
  }
  return { unknown, free, freePaths };
}

// ---------------------------------------------------------------------------------------------
// app.yaml: packaged (repo root) merged with the ConfigMap overlay, Helidon-style (maps by key,
// lists by index, scalars replaced).
function merge(base, over) {
  if (over === undefined) return base;
  if (Array.isArray(base) && Array.isArray(over)) {
    const out = base.slice();
    over.forEach((v, i) => (out[i] = merge(base[i], v)));
    return out;
  }
  if (base && over && typeof base === "object" && typeof over === "object" && !Array.isArray(base) && !Array.isArray(over)) {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over;
}

const joinPath = (...parts) => "/" + parts.map((s) => String(s).replace(/^\/+|\/+$/g, "")).filter(Boolean).join("/");

function serviceContract(cfg) {
  const server = cfg.server ?? {};
  const observe = server.features?.observe ?? {};
  const observeSockets = observe.sockets ?? ["@default"];
  const socketName = observeSockets[0];
  const sockets = server.sockets ?? [];
  const socketIndex = sockets.findIndex((s) => s.name === socketName);
  const socket = sockets[socketIndex];
  const observeEndpoint = observe.endpoint ?? "/observe";
  const metricsEndpoint = observe.observers?.metrics?.endpoint ?? "metrics";
  const healthEndpoint = observe.observers?.health?.endpoint ?? "health";
  const abs = (e) => (String(e).startsWith("/") ? String(e) : joinPath(observeEndpoint, e));
  const health = abs(healthEndpoint);
  return {
    apiPort: server.port ?? 8080,
    adminSocket: socketName,
    adminPort: socket?.port,
    adminSocketIndex: socketIndex,
    observeEndpoint: joinPath(observeEndpoint),
    metricsPath: abs(metricsEndpoint),
    healthPath: health,
    startedPath: joinPath(health, "started"),
    livePath: joinPath(health, "live"),
    readyPath: joinPath(health, "ready"),
  };
}

// ---------------------------------------------------------------------------------------------
// policy checks: (objects, contract) -> list of [name, ok, detail]
function byKind(objs, kind) {
  return objs.filter((o) => o.kind === kind);
}
function matches(selector, labels) {
  const ml = selector?.matchLabels ?? {};
  if (Object.keys(ml).length === 0 && !(selector?.matchExpressions?.length)) return false;
  if (selector?.matchExpressions?.length) return false; // not used here; be strict
  return Object.entries(ml).every(([k, v]) => labels?.[k] === v);
}
function containerPort(container, port) {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(String(port))) return Number(port);
  return (container.ports ?? []).find((p) => p.name === port)?.containerPort;
}

const RESTRICTED_VOLUME_TYPES = new Set([
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);

function deploymentChecks(objs, c, checks) {
  const deps = byKind(objs, "Deployment");
  checks.push(["exactly one Deployment", deps.length === 1, `found ${deps.length}`]);
  if (deps.length !== 1) return null;
  const d = deps[0];
  const spec = d.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const podLabels = spec.template?.metadata?.labels ?? {};
  const ann = spec.template?.metadata?.annotations ?? {};
  const hpa = byKind(objs, "HorizontalPodAutoscaler")[0];
  if (hpa) {
    checks.push(["Deployment: no replicas (the HPA owns them), HPA minReplicas >= 2", spec.replicas === undefined && hpa.spec?.minReplicas >= 2, `replicas=${spec.replicas} minReplicas=${hpa.spec?.minReplicas}`]);
  } else {
    checks.push(["Deployment: 2 replicas", spec.replicas === 2, `replicas=${spec.replicas}`]);
  }
  checks.push(["Deployment: selector matches the pod template labels", matches(spec.selector, podLabels), JSON.stringify(spec.selector)]);
  const psc = pod.securityContext ?? {};
  const containers = pod.containers ?? [];
  checks.push(["Deployment: one container", containers.length === 1, `found ${containers.length}`]);
  const ctr = containers[0] ?? {};
  const csc = ctr.securityContext ?? {};
  const eff = (k) => (csc[k] !== undefined ? csc[k] : psc[k]);
  // Pod Security Standards, "restricted" profile
  checks.push(["restricted: runAsNonRoot true", eff("runAsNonRoot") === true, `pod=${psc.runAsNonRoot} container=${csc.runAsNonRoot}`]);
  checks.push(["restricted: runAsUser is not 0", eff("runAsUser") !== 0 && psc.runAsUser !== 0, `runAsUser=${eff("runAsUser")}`]);
  checks.push(["restricted: allowPrivilegeEscalation false", csc.allowPrivilegeEscalation === false, `allowPrivilegeEscalation=${csc.allowPrivilegeEscalation}`]);
  checks.push(["restricted: capabilities drop ALL", (csc.capabilities?.drop ?? []).includes("ALL"), JSON.stringify(csc.capabilities)]);
  checks.push([
    "restricted: no capabilities added (NET_BIND_SERVICE at most)",
    (csc.capabilities?.add ?? []).every((x) => x === "NET_BIND_SERVICE"),
    JSON.stringify(csc.capabilities?.add),
  ]);
  const seccomp = csc.seccompProfile?.type ?? psc.seccompProfile?.type;
  checks.push(["restricted: seccompProfile RuntimeDefault", seccomp === "RuntimeDefault" && psc.seccompProfile?.type === "RuntimeDefault", `pod=${psc.seccompProfile?.type} container=${csc.seccompProfile?.type}`]);
  checks.push(["restricted: not privileged", csc.privileged !== true, `privileged=${csc.privileged}`]);
  checks.push(["readOnlyRootFilesystem true", csc.readOnlyRootFilesystem === true, `readOnlyRootFilesystem=${csc.readOnlyRootFilesystem}`]);
  checks.push(["restricted: no host namespaces", !pod.hostNetwork && !pod.hostPID && !pod.hostIPC, ""]);
  checks.push([
    "restricted: only allowed volume types",
    (pod.volumes ?? []).every((v) => Object.keys(v).filter((k) => k !== "name").every((k) => RESTRICTED_VOLUME_TYPES.has(k))),
    JSON.stringify(pod.volumes),
  ]);
  checks.push(["restricted: no hostPort", (ctr.ports ?? []).every((p) => !p.hostPort), ""]);
  const selinuxOk = (o) => !o?.seLinuxOptions || ((!o.seLinuxOptions.type || ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"].includes(o.seLinuxOptions.type)) && !o.seLinuxOptions.user && !o.seLinuxOptions.role);
  checks.push([
    "restricted: no unsafe sysctls, procMount Default, AppArmor not Unconfined, SELinux type allowed",
    !(psc.sysctls ?? []).length && (csc.procMount ?? "Default") === "Default" &&
      psc.appArmorProfile?.type !== "Unconfined" && csc.appArmorProfile?.type !== "Unconfined" && selinuxOk(psc) && selinuxOk(csc),
    JSON.stringify({ pod: psc, container: csc }),
  ]);
  // resources
  const r = ctr.resources ?? {};
  checks.push([
    "resources: cpu+memory requests and limits",
    ["requests", "limits"].every((k) => r[k]?.cpu !== undefined && r[k]?.memory !== undefined),
    JSON.stringify(r),
  ]);
  // ports vs app.yaml
  checks.push([`container port "http" = app.yaml server.port (${c.apiPort})`, containerPort(ctr, "http") === c.apiPort, `http=${containerPort(ctr, "http")}`]);
  checks.push([`container port "${c.adminSocket}" = app.yaml admin socket port (${c.adminPort})`, containerPort(ctr, c.adminSocket) === c.adminPort, `${c.adminSocket}=${containerPort(ctr, c.adminSocket)}`]);
  // probes on the admin socket's health endpoints
  const probes = { startupProbe: c.startedPath, livenessProbe: c.livePath, readinessProbe: c.readyPath };
  for (const [probe, wantPath] of Object.entries(probes)) {
    const g = ctr[probe]?.httpGet;
    const port = g ? containerPort(ctr, g.port) : undefined;
    checks.push([
      `${probe}: GET ${wantPath} on the admin port ${c.adminPort}`,
      !!g && g.path === wantPath && port === c.adminPort && (g.scheme ?? "HTTP") === "HTTP",
      JSON.stringify(ctr[probe]),
    ]);
  }
  // scrape annotations
  checks.push(['annotation prometheus.io/scrape: "true"', ann["prometheus.io/scrape"] === "true", JSON.stringify(ann)]);
  checks.push([`annotation prometheus.io/port: "${c.adminPort}"`, ann["prometheus.io/port"] === String(c.adminPort), `got ${JSON.stringify(ann["prometheus.io/port"])}`]);
  checks.push([`annotation prometheus.io/path: ${c.metricsPath}`, ann["prometheus.io/path"] === c.metricsPath, `got ${JSON.stringify(ann["prometheus.io/path"])}`]);
  // graceful shutdown
  const preStop = ctr.lifecycle?.preStop;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const sleep = preStop?.sleep?.seconds ?? 0;
  checks.push(["graceful shutdown: preStop pause shorter than terminationGracePeriodSeconds", !!preStop && sleep < grace, `preStop=${JSON.stringify(preStop)} grace=${grace}`]);
  // /tmp emptyDir
  const tmpMount = (ctr.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
  const tmpVol = tmpMount && (pod.volumes ?? []).find((v) => v.name === tmpMount.name);
  checks.push(["emptyDir mounted at /tmp", !!tmpVol?.emptyDir, JSON.stringify(tmpMount)]);
  // APP_CONFIG -> mounted generated ConfigMap key
  const appConfig = (ctr.env ?? []).find((e) => e.name === "APP_CONFIG")?.value;
  let cmOk = false;
  let cmDetail = `APP_CONFIG=${appConfig}`;
  let cm = null;
  if (appConfig) {
    const m = (ctr.volumeMounts ?? []).find((vm) => appConfig.startsWith(vm.mountPath.replace(/\/?$/, "/")));
    const v = m && (pod.volumes ?? []).find((x) => x.name === m.name);
    const key = m && appConfig.slice(m.mountPath.replace(/\/?$/, "/").length);
    cm = v?.configMap && byKind(objs, "ConfigMap").find((o) => o.metadata?.name === v.configMap.name);
    cmOk = !!cm && typeof cm.data?.[key] === "string" && m.readOnly === true;
    cmDetail += ` mount=${JSON.stringify(m)} volume=${JSON.stringify(v)} configmap=${cm?.metadata?.name}`;
  }
  checks.push(["APP_CONFIG names app.yaml in the mounted generated ConfigMap", cmOk, cmDetail]);
  return { d, ctr, podLabels };
}

function serviceChecks(objs, c, dep, checks) {
  const svcs = byKind(objs, "Service");
  checks.push(["exactly one Service", svcs.length === 1, `found ${svcs.length}`]);
  if (svcs.length !== 1 || !dep) return null;
  const s = svcs[0];
  checks.push(["Service selects the Deployment's pods", matches({ matchLabels: s.spec?.selector }, dep.podLabels), JSON.stringify(s.spec?.selector)]);
  const ports = s.spec?.ports ?? [];
  const names = ports.map((p) => p.name).sort();
  checks.push(['Service ports are exactly "admin" and "http"', JSON.stringify(names) === JSON.stringify(["admin", "http"]), JSON.stringify(names)]);
  const http = ports.find((p) => p.name === "http");
  const admin = ports.find((p) => p.name === "admin");
  checks.push([`Service port http = ${c.apiPort} -> container ${c.apiPort}`, http?.port === c.apiPort && containerPort(dep.ctr, http?.targetPort ?? http?.port) === c.apiPort, JSON.stringify(http)]);
  checks.push([`Service port admin = ${c.adminPort} -> container ${c.adminPort}`, admin?.port === c.adminPort && containerPort(dep.ctr, admin?.targetPort ?? admin?.port) === c.adminPort, JSON.stringify(admin)]);
  return s;
}

function networkPolicyChecks(objs, c, dep, checks) {
  const nps = byKind(objs, "NetworkPolicy");
  checks.push(["exactly one NetworkPolicy", nps.length === 1, `found ${nps.length}`]);
  if (nps.length !== 1 || !dep) return;
  const np = nps[0].spec ?? {};
  checks.push(["NetworkPolicy selects the pods", matches(np.podSelector, dep.podLabels), JSON.stringify(np.podSelector)]);
  checks.push(["NetworkPolicy governs Ingress and Egress (default deny)", ["Ingress", "Egress"].every((t) => (np.policyTypes ?? []).includes(t)), JSON.stringify(np.policyTypes)]);
  checks.push(["NetworkPolicy: no egress allowed", (np.egress ?? []).length === 0, JSON.stringify(np.egress)]);
  const rules = np.ingress ?? [];
  const portOf = (p) => containerPort(dep.ctr, p.port);
  const apiRules = rules.filter((r) => (r.ports ?? []).some((p) => portOf(p) === c.apiPort));
  const adminRules = rules.filter((r) => (r.ports ?? []).some((p) => portOf(p) === c.adminPort));
  checks.push([
    `NetworkPolicy: API port ${c.apiPort} open to all`,
    apiRules.some((r) => !r.from || r.from.length === 0),
    JSON.stringify(apiRules),
  ]);
  const adminOk =
    adminRules.length > 0 &&
    adminRules.every(
      (r) =>
        (r.from ?? []).length > 0 &&
        r.from.every(
          (f) =>
            !f.ipBlock &&
            f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring" &&
            Object.keys(f.namespaceSelector.matchLabels).length === 1,
        ),
    );
  checks.push([`NetworkPolicy: admin port ${c.adminPort} only from the monitoring namespace (by label)`, adminOk, JSON.stringify(adminRules)]);
  const otherPorts = rules.some((r) => !r.ports || r.ports.some((p) => ![c.apiPort, c.adminPort].includes(portOf(p))));
  checks.push(["NetworkPolicy: no other ingress (every rule names the API or admin port)", !otherPorts, JSON.stringify(rules)]);
}

function pdbChecks(objs, dep, checks) {
  const pdbs = byKind(objs, "PodDisruptionBudget");
  checks.push(["exactly one PodDisruptionBudget", pdbs.length === 1, `found ${pdbs.length}`]);
  if (pdbs.length !== 1 || !dep) return;
  const p = pdbs[0].spec ?? {};
  checks.push(["PDB selects the pods", matches(p.selector, dep.podLabels), JSON.stringify(p.selector)]);
  const replicas = dep.d.spec.replicas ?? byKind(objs, "HorizontalPodAutoscaler")[0]?.spec?.minReplicas;
  const ok = (typeof p.minAvailable === "number" && p.minAvailable >= 1 && p.minAvailable < replicas) || p.maxUnavailable !== undefined;
  checks.push(["PDB leaves room for one voluntary disruption", ok, JSON.stringify(p)]);
}

// The dashboard reads the recording rules (each must exist in the PrometheusRules, see monitoringChecks).
const DASHBOARD_NEEDS = [
  ["request rate by api (recording rule)", (e) => /sum by \(api\)\s*\(namespace_api:llama_stack_requests:rate5m\{/.test(e)],
  ["5xx ratio by api (recording rule)", (e) => /namespace_api:llama_stack_requests_5xx_per_requests:ratio_rate5m\{/.test(e)],
  ["p50 from the summed buckets (recording rule)", (e) => /namespace_api:llama_stack_request_duration_seconds:p50_rate5m\{/.test(e)],
  ["p95 from the summed buckets (recording rule)", (e) => /namespace_api:llama_stack_request_duration_seconds:p95_rate5m\{/.test(e)],
  ["p99 from the summed buckets (recording rule)", (e) => /namespace_api:llama_stack_request_duration_seconds:p99_rate5m\{/.test(e)],
  ["in-flight by api (recording rule)", (e) => /sum by \(api\)\s*\(namespace_api:llama_stack_concurrent_requests:sum\{/.test(e)],
  ["time to first byte p50 from the summed buckets (recording rule)", (e) => /namespace_api:llama_stack_request_time_to_first_byte_seconds:p50_rate5m\{/.test(e)],
  ["time to first byte p95 from the summed buckets (recording rule)", (e) => /namespace_api:llama_stack_request_time_to_first_byte_seconds:p95_rate5m\{/.test(e)],
  ["long-running requests by api (recording rule)", (e) => /sum by \(api\)\s*\(namespace_api:llama_stack_long_running_requests:sum\{/.test(e)],
  ["remaining error budget per SLO", (e) => /1 - .*namespace_api:slo_sli_errors:ratio_rate30d\{.*slo:error_budget:ratio/s.test(e)],
  ["burn rate per SLO", (e) => /namespace_api:slo_sli_errors:ratio_rate1h\{.*slo:error_budget:ratio/s.test(e)],
];

function dashboardExprs(dash) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, refId: t.refId, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dash.panels);
  return out;
}

function dashboardChecks(objs, checks) {
  const cms = byKind(objs, "ConfigMap").filter((o) => o.metadata?.labels?.grafana_dashboard === "1");
  checks.push(['exactly one ConfigMap labelled grafana_dashboard: "1"', cms.length === 1, `found ${cms.length}`]);
  if (cms.length !== 1) return null;
  const files = Object.entries(cms[0].data ?? {}).filter(([k]) => k.endsWith(".json"));
  checks.push(["dashboard ConfigMap holds one .json", files.length === 1, Object.keys(cms[0].data ?? {}).join(",")]);
  if (files.length !== 1) return null;
  let dash;
  try {
    dash = JSON.parse(files[0][1]);
  } catch (e) {
    checks.push(["dashboard JSON parses", false, String(e)]);
    return null;
  }
  checks.push(["dashboard JSON parses, has a uid and a title", !!dash.uid && !!dash.title, `${dash.uid} ${dash.title}`]);
  const exprs = dashboardExprs(dash);
  for (const [what, test] of DASHBOARD_NEEDS) {
    checks.push([`dashboard has a panel query for ${what}`, exprs.some((x) => test(x.expr)), ""]);
  }
  return { dash, exprs };
}

// RequestMetricsHighErrorRatio and RequestMetricsHighLatencyP95 are folded into the SLO alerts;
// RequestMetricsLongRunningRequests replaced RequestMetricsRequestsStuckInFlight (docs/KUBERNETES.md, "Alerts").
const BURN_TIERS = ["1h5m", "6h30m", "1d2h", "3d6h"];
const EXPECTED_ALERTS = [
  "RequestMetricsTargetDown",
  "RequestMetricsLongRunningRequests",
  ...["Availability", "Latency"].flatMap((s) => BURN_TIERS.map((t) => `RequestMetrics${s}BudgetBurn${t}`)),
];
const EXPECTED_RECORDS = [
  "namespace_api:llama_stack_requests:rate5m",
  "namespace_api_status:llama_stack_requests:rate5m",
  "namespace_api:llama_stack_requests_5xx_per_requests:ratio_rate5m",
  "namespace_api_le:llama_stack_request_duration_seconds_bucket:rate5m",
  "namespace_api:llama_stack_request_duration_seconds:p50_rate5m",
  "namespace_api:llama_stack_request_duration_seconds:p95_rate5m",
  "namespace_api:llama_stack_request_duration_seconds:p99_rate5m",
  "namespace_api_le:llama_stack_request_time_to_first_byte_seconds_bucket:rate5m",
  "namespace_api:llama_stack_request_time_to_first_byte_seconds:p50_rate5m",
  "namespace_api:llama_stack_request_time_to_first_byte_seconds:p95_rate5m",
  "namespace_api:llama_stack_request_time_to_first_byte_seconds:p99_rate5m",
  "namespace_api:llama_stack_concurrent_requests:sum",
  "namespace_api:llama_stack_long_running_requests:sum",
  "namespace_pod:llama_stack_concurrent_requests:sum",
  "slo:objective:ratio",
  "slo:error_budget:ratio",
  ...["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"].map((w) => `namespace_api:slo_sli_errors:ratio_rate${w}`),
];

function monitoringChecks(objs, c, dep, svc, checks) {
  const sms = byKind(objs, "ServiceMonitor");
  checks.push(["exactly one ServiceMonitor", sms.length === 1, `found ${sms.length}`]);
  let sm = null;
  if (sms.length === 1 && svc && dep) {
    sm = sms[0].spec ?? {};
    checks.push(["ServiceMonitor selects the Service", matches(sm.selector, svc.metadata?.labels), JSON.stringify(sm.selector)]);
    const eps = sm.endpoints ?? [];
    checks.push(["ServiceMonitor has one endpoint", eps.length === 1, JSON.stringify(eps)]);
    const ep = eps[0] ?? {};
    const svcPort = (svc.spec?.ports ?? []).find((p) => p.name === ep.port);
    const resolved = svcPort ? containerPort(dep.ctr, svcPort.targetPort ?? svcPort.port) : undefined;
    checks.push([`ServiceMonitor endpoint port "${ep.port}" is the admin socket (${c.adminPort})`, ep.port === "admin" && resolved === c.adminPort, `resolves to ${resolved}`]);
    checks.push([`ServiceMonitor endpoint path = ${c.metricsPath}`, ep.path === c.metricsPath, `path=${ep.path}`]);
    checks.push(["ServiceMonitor jobLabel is a Service label", !sm.jobLabel || svc.metadata?.labels?.[sm.jobLabel] !== undefined, `jobLabel=${sm.jobLabel}`]);
  }
  const prs = byKind(objs, "PrometheusRule");
  const prNames = prs.map((o) => o.metadata?.name).sort().join(",");
  checks.push(["two PrometheusRules: request-metrics (fleet) and request-metrics-slo (generated)", prNames === "request-metrics,request-metrics-slo", `found ${prNames}`]);
  let rules = null;
  if (prs.length > 0) {
    rules = { groups: prs.flatMap((o) => o.spec?.groups ?? []) };
    const groupNames = rules.groups.map((g) => g.name);
    checks.push(["rule group names are unique", new Set(groupNames).size === groupNames.length, groupNames.join(",")]);
    const all = rules.groups.flatMap((g) => g.rules ?? []);
    const alerts = all.filter((r) => r.alert);
    const names = alerts.map((a) => a.alert);
    for (const n of EXPECTED_ALERTS) checks.push([`alert ${n} present`, names.includes(n), names.join(",")]);
    checks.push(["no other alerts", names.every((n) => EXPECTED_ALERTS.includes(n)) && names.length === EXPECTED_ALERTS.length, names.join(",")]);
    for (const a of alerts) {
      const slo = a.alert.includes("BudgetBurn");
      checks.push([
        `alert ${a.alert}: severity page|ticket, summary and description${slo ? ", slo label" : ""}`,
        ["page", "ticket"].includes(a.labels?.severity) && !!a.annotations?.summary && !!a.annotations?.description && (!slo || /^request-metrics-(availability|latency)$/.test(a.labels?.slo ?? "")),
        JSON.stringify({ labels: a.labels, annotations: a.annotations }),
      ]);
    }
    const records = new Set(all.filter((r) => r.record).map((r) => r.record));
    for (const n of EXPECTED_RECORDS) checks.push([`recording rule ${n} present`, records.has(n), [...records].join(",")]);
    for (const r of all.filter((x) => x.record)) {
      const m = /^([a-z_]+):[a-z0-9_]+:[a-z0-9_]+$/.exec(r.record);
      checks.push([`recording rule ${r.record}: level:metric:operations`, !!m, r.record]);
    }
  }
  return { sm, rules };
}

// prometheus-adapter rule ConfigMap + HPA (k8s/components/autoscaling)
function autoscalingChecks(objs, dep, checks) {
  const hpas = byKind(objs, "HorizontalPodAutoscaler");
  checks.push(["exactly one HorizontalPodAutoscaler (autoscaling/v2)", hpas.length === 1 && hpas[0].apiVersion === "autoscaling/v2", `found ${hpas.map((h) => h.apiVersion)}`]);
  const cms = byKind(objs, "ConfigMap").filter((o) => typeof o.data?.["config.yaml"] === "string");
  checks.push(["exactly one prometheus-adapter ConfigMap (data config.yaml)", cms.length === 1, `found ${cms.length}`]);
  if (hpas.length !== 1 || cms.length !== 1) return null;
  const h = hpas[0].spec ?? {};
  let cfg = null;
  try {
    cfg = parseYaml(cms[0].data["config.yaml"]);
  } catch (e) {
    checks.push(["adapter config.yaml parses", false, String(e)]);
    return null;
  }
  const rules = cfg?.rules ?? [];
  checks.push(["adapter config: one rule under `rules`", Array.isArray(rules) && rules.length === 1, JSON.stringify(cfg).slice(0, 200)]);
  const r = rules[0] ?? {};
  const known = ["seriesQuery", "seriesFilters", "resources", "name", "metricsQuery"];
  const unknownKeys = Object.keys(r).filter((k) => !known.includes(k));
  checks.push(["adapter rule: only the adapter's fields (seriesQuery, seriesFilters, resources, name, metricsQuery)", unknownKeys.length === 0, unknownKeys.join(",")]);
  const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(r.seriesQuery ?? "");
  checks.push(["adapter seriesQuery: the in-flight gauge per pod as recorded for both namings, with namespace and pod labels", series?.[1] === "namespace_pod:llama_stack_concurrent_requests:sum" && /namespace!=""/.test(series[2]) && /pod!=""/.test(series[2]), r.seriesQuery]);
  const ov = r.resources?.overrides ?? {};
  checks.push(["adapter resources.overrides: namespace -> namespace, pod -> pod", ov.namespace?.resource === "namespace" && ov.pod?.resource === "pod" && Object.keys(r.resources ?? {}).join() === "overrides", JSON.stringify(r.resources)]);
  let nameOk = false;
  try {
    nameOk = !!r.name?.as && new RegExp(r.name.matches).test(series?.[1] ?? "") && /^[a-z_][a-z0-9_]*$/.test(r.name.as);
  } catch {
    nameOk = false;
  }
  checks.push([`adapter name: matches the series, as "${r.name?.as}"`, nameOk, JSON.stringify(r.name)]);
  const mq = r.metricsQuery ?? "";
  checks.push(["adapter metricsQuery uses <<.Series>>, <<.LabelMatchers>> and sums by <<.GroupBy>>", /<<\.Series>>\{<<\.LabelMatchers>>\}/.test(mq) && /sum by \(<<\.GroupBy>>\)/.test(mq), mq]);
  checks.push([
    "HPA scales the Deployment",
    h.scaleTargetRef?.kind === "Deployment" && h.scaleTargetRef?.apiVersion === "apps/v1" && h.scaleTargetRef?.name === dep?.d?.metadata?.name,
    JSON.stringify(h.scaleTargetRef),
  ]);
  checks.push(["HPA minReplicas >= 2, maxReplicas > minReplicas", h.minReplicas >= 2 && h.maxReplicas > h.minReplicas, `${h.minReplicas}..${h.maxReplicas}`]);
  const pods = (h.metrics ?? []).filter((m) => m.type === "Pods");
  const podsM = pods[0]?.pods;
  checks.push([`HPA Pods metric name = the adapter rule's name.as (${r.name?.as})`, pods.length === 1 && podsM?.metric?.name === r.name?.as, JSON.stringify(pods)]);
  checks.push(["HPA Pods metric target: AverageValue 8", podsM?.target?.type === "AverageValue" && String(podsM?.target?.averageValue) === "8", JSON.stringify(podsM?.target)]);
  const cpu = (h.metrics ?? []).find((m) => m.type === "Resource" && m.resource?.name === "cpu");
  checks.push(["HPA second metric: CPU utilization", !!cpu && cpu.resource.target?.type === "Utilization" && cpu.resource.target.averageUtilization > 0 && (h.metrics ?? []).length === 2, JSON.stringify(h.metrics)]);
  const cpuRequest = dep?.ctr?.resources?.requests?.cpu;
  checks.push(["CPU utilization has a base: the container requests CPU", !!cpuRequest, JSON.stringify(dep?.ctr?.resources)]);
  const sd = h.behavior?.scaleDown?.stabilizationWindowSeconds;
  checks.push(["HPA behavior: scale-down stabilization window (60s..3600s)", typeof sd === "number" && sd >= 60 && sd <= 3600, `scaleDown=${JSON.stringify(h.behavior?.scaleDown)}`]);
  return {
    hpa: hpas[0],
    adapter: { seriesQuery: r.seriesQuery, metric: series?.[1], metricsQuery: mq, as: r.name?.as, overrides: ov, configMap: cms[0].metadata?.name },
    hpaMetric: podsM?.metric?.name,
    target: Number(podsM?.target?.averageValue),
  };
}

// Graceful stop (docs/KUBERNETES.md, "Stopping: the timeline"): the preStop sleep, then SIGTERM, then a drain of at
// most server.shutdown-grace-period (the final-scrape window lies inside it) and an exit within 1 s more must all
// fit in terminationGracePeriodSeconds, else the kubelet SIGKILLs requests mid-drain. And the readiness probe must
// see the 503 (periodSeconds x failureThreshold) before the drain can run out.
function isoSeconds(text) {
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(String(text ?? "").trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return NaN;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
function drainBudgetChecks(dep, cfg, checks) {
  const pod = dep?.spec?.template?.spec ?? {};
  const ctr = pod.containers?.[0] ?? {};
  const preStop = ctr.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const termination = pod.terminationGracePeriodSeconds ?? 30;
  const drain = isoSeconds(cfg.server?.["shutdown-grace-period"] ?? "PT15S");
  const exitMargin = 1;
  checks.push([
    `graceful stop: preStop ${preStop}s + drain (shutdown-grace-period) ${drain}s + exit ${exitMargin}s < terminationGracePeriodSeconds ${termination}s`,
    Number.isFinite(drain) && preStop + drain + exitMargin < termination,
    `server.shutdown-grace-period=${cfg.server?.["shutdown-grace-period"]}`,
  ]);
  const rp = ctr.readinessProbe ?? {};
  const unready = (rp.periodSeconds ?? 10) * (rp.failureThreshold ?? 3);
  checks.push([
    `graceful stop: readiness periodSeconds x failureThreshold (${unready}s) <= drain (${drain}s)`,
    Number.isFinite(drain) && unready <= drain,
    JSON.stringify(rp),
  ]);
}

function runChecks(objs, baseCfg, withMonitoring, withAutoscaling = false) {
  const checks = [];
  // the ConfigMap named by APP_CONFIG is the overlay
  const dep0 = byKind(objs, "Deployment")[0];
  const ctr0 = dep0?.spec?.template?.spec?.containers?.[0];
  const vols = dep0?.spec?.template?.spec?.volumes ?? [];
  const appConfig = (ctr0?.env ?? []).find((e) => e.name === "APP_CONFIG")?.value ?? "";
  const mount = (ctr0?.volumeMounts ?? []).find((m) => appConfig.startsWith(m.mountPath.replace(/\/?$/, "/")));
  const cmName = vols.find((v) => v.name === mount?.name)?.configMap?.name;
  const cm = byKind(objs, "ConfigMap").find((o) => o.metadata?.name === cmName);
  const overlayText = mount ? cm?.data?.[appConfig.slice(mount.mountPath.replace(/\/?$/, "/").length)] : undefined;
  let overlay = {};
  try {
    overlay = overlayText ? parseYaml(overlayText) ?? {} : {};
  } catch (e) {
    checks.push(["ConfigMap app.yaml parses", false, String(e)]);
  }
  const cfg = merge(baseCfg, overlay);
  const c = serviceContract(cfg);
  checks.push([
    `app.yaml: observe feature on socket "${c.adminSocket}", port ${c.adminPort}, metrics at ${c.metricsPath}`,
    typeof c.adminPort === "number" && c.adminSocket !== "@default",
    JSON.stringify(c),
  ]);
  const dep = deploymentChecks(objs, c, checks);
  drainBudgetChecks(dep0, cfg, checks);
  const svc = serviceChecks(objs, c, dep, checks);
  networkPolicyChecks(objs, c, dep, checks);
  pdbChecks(objs, dep, checks);
  const dashboard = dashboardChecks(objs, checks);
  let mon = null;
  const crdKinds = objs.filter((o) => o.apiVersion?.startsWith("monitoring.coreos.com/"));
  let autoscaling = null;
  if (withAutoscaling) autoscaling = autoscalingChecks(objs, dep, checks);
  else checks.push(["no HorizontalPodAutoscaler (only in the autoscaling overlay)", byKind(objs, "HorizontalPodAutoscaler").length === 0, ""]);
  if (withMonitoring) {
    mon = monitoringChecks(objs, c, dep, svc, checks);
    if (dashboard && mon.rules) {
      const records = new Set(mon.rules.groups.flatMap((g) => g.rules ?? []).filter((r) => r.record).map((r) => r.record));
      const used = [...new Set(dashboard.exprs.flatMap((x) => x.expr.match(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g) ?? []))];
      const missing = used.filter((n) => !records.has(n));
      checks.push([`dashboard: every recorded metric it reads (${used.length}) is a recording rule`, used.length > 0 && missing.length === 0, `missing: ${missing.join(", ")}`]);
    }
  } else {
    checks.push(["base has no Prometheus Operator objects (applies without the CRDs)", crdKinds.length === 0, crdKinds.map(objName).join(",")]);
  }
  return { checks, contract: c, dep, svc, dashboard, mon, autoscaling, overlayText };
}

// ---------------------------------------------------------------------------------------------
async function validateObjects(objs) {
  const problems = [];
  let free = 0;
  for (const o of objs) {
    const errs = await schemaErrors(o);
    for (const e of errs) problems.push(`${objName(o)}: schema: ${e}`);
    if (errs.length && String(errs[0]).startsWith("no model")) continue;
    const u = await unknownFields(o);
    free += u.free;
    for (const f of u.unknown) problems.push(`${objName(o)}: unknown field ${f}`);
  }
  return { problems, free };
}

function loadRender(file) {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"));
  const objs = [];
  for (const d of docs) {
    if (d.errors?.length) throw new Error(`${file}: ${d.errors[0].message}`);
    const o = d.toJS();
    if (o) objs.push(o);
  }
  return objs;
}

const baseCfg = parseYaml(fs.readFileSync(appYamlPath, "utf8"));
const results = {};

for (const r of renders) {
  const withMonitoring = r.name !== "base";
  console.log(`\n== ${r.name}: ${r.file}`);
  let objs;
  try {
    objs = loadRender(r.file);
  } catch (e) {
    report(false, `${r.name}: rendered YAML parses`, String(e));
    continue;
  }
  report(objs.length > 0, `${r.name}: ${objs.length} objects: ${objs.map(objName).join(", ")}`);
  for (const o of objs) {
    const errs = await schemaErrors(o);
    report(errs.length === 0, `schema valid: ${o.apiVersion} ${objName(o)}`, errs.join("\n"));
    if (errs.length && errs[0].startsWith("no model")) continue;
    const u = await unknownFields(o);
    report(
      u.unknown.length === 0,
      `no unknown fields: ${objName(o)}${u.free ? ` (${u.free} free-form object(s) the schema does not describe: ${u.freePaths.join(", ")})` : ""}`,
      u.unknown.map((f) => `unknown field ${f}`).join("\n"),
    );
  }
  const res = runChecks(objs, baseCfg, withMonitoring, r.name === "autoscaling");
  for (const [what, ok, detail] of res.checks) report(ok, `${r.name}: ${what}`, ok ? "" : detail);
  results[r.name] = { objs, ...res };
}

// ---------------------------------------------------------------------------------------------
// negative self-test: each break must be reported by the same checks
if (selfTest) {
  console.log("\n== self-test: deliberately broken copies must fail");
  const name = results.monitoring ? "monitoring" : renders[0].name;
  const src = results[name]?.objs ?? [];
  const withMonitoring = name !== "base";
  const clone = () => JSON.parse(JSON.stringify(src));
  const depOf = (objs) => objs.find((o) => o.kind === "Deployment");
  const ctrOf = (objs) => depOf(objs).spec.template.spec.containers[0];
  const cases = [
    ["typo'd field securityContext.readOnlyRootFilesytem", (o) => {
      const sc = ctrOf(o).securityContext;
      sc.readOnlyRootFilesytem = sc.readOnlyRootFilesystem;
      delete sc.readOnlyRootFilesystem;
    }],
    ["typo'd field livenessProbe.httpGet.pth", (o) => {
      const g = ctrOf(o).livenessProbe.httpGet;
      g.pth = g.path;
    }],
    ["unknown top-level spec field in Service (selectr)", (o) => {
      o.find((x) => x.kind === "Service").spec.selectr = { a: "b" };
    }],
    ["wrong type: replicas \"two\"", (o) => { depOf(o).spec.replicas = "two"; }],
    ["wrong type: containerPort as string", (o) => { ctrOf(o).ports[0].containerPort = "8080x"; }],
    ["allowPrivilegeEscalation true", (o) => { ctrOf(o).securityContext.allowPrivilegeEscalation = true; }],
    ["capabilities not dropped", (o) => { delete ctrOf(o).securityContext.capabilities; }],
    ["seccomp Unconfined", (o) => {
      depOf(o).spec.template.spec.securityContext.seccompProfile.type = "Unconfined";
      if (ctrOf(o).securityContext.seccompProfile) ctrOf(o).securityContext.seccompProfile.type = "Unconfined";
    }],
    ["procMount Unmasked", (o) => { ctrOf(o).securityContext.procMount = "Unmasked"; }],
    ["runAsUser 0 on the pod", (o) => { depOf(o).spec.template.spec.securityContext.runAsUser = 0; }],
    ["readOnlyRootFilesystem false", (o) => { ctrOf(o).securityContext.readOnlyRootFilesystem = false; }],
    ["readiness probe on the API port", (o) => { ctrOf(o).readinessProbe.httpGet.port = "http"; }],
    ["startup probe on a wrong path", (o) => { ctrOf(o).startupProbe.httpGet.path = "/health"; }],
    ["prometheus.io/port annotation = API port", (o) => {
      depOf(o).spec.template.metadata.annotations["prometheus.io/port"] = "8080";
    }],
    ["ConfigMap overlay moves the admin socket to 9091", (o) => {
      const cm = o.find((x) => x.kind === "ConfigMap" && x.data?.["app.yaml"]);
      const cfg = parseYaml(cm.data["app.yaml"]);
      cfg.server.sockets[0].port = 9091;
      cm.data["app.yaml"] = toYaml(cfg);
    }],
    ["NetworkPolicy admin port open to all", (o) => {
      const np = o.find((x) => x.kind === "NetworkPolicy");
      np.spec.ingress.forEach((r) => delete r.from);
    }],
    ["shutdown-grace-period PT30S: preStop + drain exceed terminationGracePeriodSeconds", (o) => {
      const cm = o.find((x) => x.kind === "ConfigMap" && x.data?.["app.yaml"]);
      const cfg = parseYaml(cm.data["app.yaml"]);
      cfg.server["shutdown-grace-period"] = "PT30S";
      cm.data["app.yaml"] = toYaml(cfg);
    }],
    ["Service without the admin port", (o) => {
      const s = o.find((x) => x.kind === "Service");
      s.spec.ports = s.spec.ports.filter((p) => p.name !== "admin");
    }],
  ];
  if (withMonitoring) {
    cases.push(
      ["ServiceMonitor scraping port http", (o) => { o.find((x) => x.kind === "ServiceMonitor").spec.endpoints[0].port = "http"; }],
      ["ServiceMonitor path /metrics", (o) => { o.find((x) => x.kind === "ServiceMonitor").spec.endpoints[0].path = "/metrics"; }],
      ["typo'd ServiceMonitor endpoint field (intervall)", (o) => { o.find((x) => x.kind === "ServiceMonitor").spec.endpoints[0].intervall = "5s"; }],
      ["alert without severity", (o) => {
        const a = o.filter((x) => x.kind === "PrometheusRule").flatMap((x) => x.spec.groups).flatMap((g) => g.rules).find((r) => r.alert);
        delete a.labels.severity;
      }],
      ["SLO alert without its slo label", (o) => {
        const a = o.filter((x) => x.kind === "PrometheusRule").flatMap((x) => x.spec.groups).flatMap((g) => g.rules).find((r) => r.alert?.includes("BudgetBurn"));
        delete a.labels.slo;
      }],
      ["a burn-rate alert missing (RequestMetricsLatencyBudgetBurn3d6h)", (o) => {
        for (const g of o.find((x) => x.metadata?.name === "request-metrics-slo").spec.groups) g.rules = g.rules.filter((r) => r.alert !== "RequestMetricsLatencyBudgetBurn3d6h");
      }],
      ["dashboard reads a recording rule that does not exist", (o) => {
        const cm = o.find((x) => x.kind === "ConfigMap" && x.metadata?.labels?.grafana_dashboard === "1");
        const k = Object.keys(cm.data).find((x) => x.endsWith(".json"));
        cm.data[k] = cm.data[k].replaceAll("namespace_api:llama_stack_requests:rate5m", "namespace_api:llama_stack_request:rate5m");
      }],
      ["typo'd PrometheusRule field (anotations)", (o) => {
        const r = o.filter((x) => x.kind === "PrometheusRule").flatMap((x) => x.spec.groups).flatMap((g) => g.rules).find((x) => x.alert);
        r.anotations = r.annotations;
      }],
    );
  }
  const runs = cases.map(([w, b]) => [w, b, clone, false]);
  if (results.autoscaling) {
    const src2 = results.autoscaling.objs;
    const clone2 = () => JSON.parse(JSON.stringify(src2));
    const hpaOf = (o) => o.find((x) => x.kind === "HorizontalPodAutoscaler").spec;
    const adapterCm = (o) => o.find((x) => x.kind === "ConfigMap" && x.data?.["config.yaml"]);
    const editAdapter = (o, fn) => {
      const cm = adapterCm(o);
      const cfg = parseYaml(cm.data["config.yaml"]);
      fn(cfg.rules[0]);
      cm.data["config.yaml"] = toYaml(cfg);
    };
    for (const [w, b] of [
      ["HPA Pods metric name differs from the adapter's name.as", (o) => { hpaOf(o).metrics.find((m) => m.type === "Pods").pods.metric.name = "llama_stack_concurrent_requests"; }],
      ["adapter name.as renamed (HPA unchanged)", (o) => editAdapter(o, (r) => { r.name.as = "in_flight"; })],
      ["adapter metricsQuery without <<.LabelMatchers>>", (o) => editAdapter(o, (r) => { r.metricsQuery = "sum by (<<.GroupBy>>) (<<.Series>>)"; })],
      ["adapter resources without the pod override", (o) => editAdapter(o, (r) => { delete r.resources.overrides.pod; })],
      ["adapter rule with a typo'd field (metricQuery)", (o) => editAdapter(o, (r) => { r.metricQuery = r.metricsQuery; delete r.metricsQuery; })],
      ["HPA target averageValue 80", (o) => { hpaOf(o).metrics.find((m) => m.type === "Pods").pods.target.averageValue = "80"; }],
      ["HPA without the scale-down stabilization window", (o) => { delete hpaOf(o).behavior.scaleDown.stabilizationWindowSeconds; }],
      ["HPA without the CPU metric", (o) => { hpaOf(o).metrics = hpaOf(o).metrics.filter((m) => m.type !== "Resource"); }],
      ["HPA scaling another Deployment", (o) => { hpaOf(o).scaleTargetRef.name = "other"; }],
      ["Deployment keeps replicas next to the HPA", (o) => { depOf(o).spec.replicas = 2; }],
      ["typo'd HPA field (stabilisationWindowSeconds)", (o) => { hpaOf(o).behavior.scaleDown.stabilisationWindowSeconds = 300; }],
    ]) runs.push([`autoscaling: ${w}`, b, clone2, true]);
  }
  for (const [what, breakIt, cloneIt, asg] of runs) {
    const objs = cloneIt();
    try {
      breakIt(objs);
    } catch (e) {
      report(false, `self-test "${what}" could be applied`, String(e));
      continue;
    }
    const v = await validateObjects(objs);
    const res = runChecks(objs, baseCfg, withMonitoring, asg);
    const bad = res.checks.filter(([, ok]) => !ok).map(([w]) => w);
    const caught = [...v.problems, ...bad];
    report(caught.length > 0, `self-test: ${what} -> rejected`, caught.length ? "" : "NOT detected");
    if (caught.length) console.log(`       (${caught[0].slice(0, 160)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// outputs for the next stages: the rules file for promtool / prometheus, and the facts the e2e
// test takes its ports, paths, job name and dashboard queries from.
const full = results.monitoring ?? null;
if (rulesOut) {
  if (full?.mon?.rules) {
    fs.mkdirSync(path.dirname(rulesOut), { recursive: true });
    fs.writeFileSync(rulesOut, toYaml({ groups: full.mon.rules.groups }, { lineWidth: 0 }));
    console.log(`\nwrote ${rulesOut}`);
  } else report(false, "PrometheusRule available for --rules-out");
}
if (factsOut) {
  const r = full ?? results[renders[0].name];
  const ann = r?.dep?.d?.spec?.template?.metadata?.annotations ?? {};
  const sm = r?.mon?.sm;
  const svc = r?.svc;
  const ep = sm?.endpoints?.[0];
  const svcPort = ep && (svc?.spec?.ports ?? []).find((p) => p.name === ep.port);
  const facts = {
    contract: r?.contract,
    annotations: { port: Number(ann["prometheus.io/port"]), path: ann["prometheus.io/path"] },
    serviceMonitor: sm ? {
      port: svcPort ? (r.dep ? containerPort(r.dep.ctr, svcPort.targetPort ?? svcPort.port) : undefined) : undefined,
      path: ep?.path,
      job: sm.jobLabel ? svc?.metadata?.labels?.[sm.jobLabel] : svc?.metadata?.name,
    } : null,
    apiPort: r?.dep ? containerPort(r.dep.ctr, "http") : undefined,
    appConfigOverlay: r?.overlayText,
    dashboardExprs: r?.dashboard?.exprs ?? [],
    alerts: (r?.mon?.rules?.groups ?? []).flatMap((g) => g.rules ?? []).filter((x) => x.alert).map((x) => ({ alert: x.alert, expr: x.expr, for: x.for, labels: x.labels ?? {}, annotations: x.annotations ?? {} })),
    records: (r?.mon?.rules?.groups ?? []).flatMap((g) => g.rules ?? []).filter((x) => x.record).map((x) => ({ record: x.record, labels: x.labels ?? {}, expr: x.expr })),
    autoscaling: results.autoscaling?.autoscaling
      ? { adapter: results.autoscaling.autoscaling.adapter, hpaMetric: results.autoscaling.autoscaling.hpaMetric, target: results.autoscaling.autoscaling.target }
      : null,
  };
  fs.mkdirSync(path.dirname(factsOut), { recursive: true });
  fs.writeFileSync(factsOut, JSON.stringify(facts, null, 2) + "\n");
  console.log(`wrote ${factsOut}`);
}

console.log(`\nvalidate: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
