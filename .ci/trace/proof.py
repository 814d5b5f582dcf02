"""Drives .ci/trace-proof.sh: requests with known trace contexts, then what Prometheus and Zipkin hold.

    proof.py API_PORT ADMIN_PORT PROM_PORT ZIPKIN_PORT ZIPKIN_PID_FILE

Exit 0 when every check passed; each failure is printed as "FAIL: ..." and makes the exit status 1.
"""
import json
import os
import random
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

API, ADMIN, PROM, ZIPKIN = (int(port) for port in sys.argv[1:5])
ZIPKIN_PID_FILE = sys.argv[5]
FAILURES = []
DURATION = "llama_stack_request_duration_seconds_bucket"


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        FAILURES.append(what)


def call(method, path, body=None, headers=None, port=API):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def requests_total():
    """llama_stack_requests_total by (api, status), from the service's own text scrape."""
    totals = {}
    _, body = call("GET", "/observe/metrics", headers={"Accept": "text/plain"}, port=ADMIN)
    for line in body.decode().splitlines():
        if line.startswith("llama_stack_requests_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            key = (labels["api"], labels["status"])
            totals[key] = totals.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return totals


def delta(after, before):
    return {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}


def settled_delta(before, expected):
    """The counts' deltas once they equal expected, or the last seen after 10 s (the filter records after it sent)."""
    deadline = time.time() + 10
    while True:
        seen = delta(requests_total(), before)
        if seen == expected or time.time() > deadline:
            return seen
        time.sleep(0.1)


def traceparent(sampled):
    trace_id = "%032x" % random.getrandbits(128)
    span_id = "%016x" % random.getrandbits(64)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-{'01' if sampled else '00'}"


random.seed(os.getpid())
status, _ = call("POST", "/v1/datasets", {"dataset_id": "slow", "purpose": "eval/question-answer"})
check(status == 201, f"dataset for the slow stream registered ({status})")
rows = {"rows": [{"question": f"q{i}", "answer": "x" * 400} for i in range(1000)]}
for _ in range(20):
    call("POST", "/v1/datasets/slow/rows", rows)

before = requests_total()
sent = {}          # sampled trace id -> (client span id, api, status)
unsampled = set()  # trace ids sent unsampled
calls = [("GET", "/v1/health", "health", 200), ("GET", "/v1/models", "models", 200),
         ("GET", "/v1/models/no-such-model", "models", 404), ("DELETE", "/v1/health", "health", 405),
         ("GET", "/v1/datasets/slow/rows", "datasets", 200)]
for method, path, api, expected in calls:
    for _ in range(3):
        trace_id, span_id, header = traceparent(True)
        status, _ = call(method, path, headers={"traceparent": header, "Accept": "application/x-ndjson"
                                                if path.endswith("/rows") else "application/json"})
        check(status == expected, f"{method} {path} with a sampled traceparent: {status}")
        sent[trace_id] = (span_id, api, str(expected))
        trace_id, _, header = traceparent(False)
        unsampled.add(trace_id)
        call(method, path, headers={"traceparent": header})
        call(method, path)
expected_counts = {}
for method, path, api, expected in calls:
    expected_counts[(api, str(expected))] = expected_counts.get((api, str(expected)), 0) + 9
seen = settled_delta(before, expected_counts)
check(seen == expected_counts, f"request counts exact: {seen}")

# Prometheus scrapes every second: wait until its exemplars cover every (api, status) sent.
deadline = time.time() + 30
exemplars = []
while time.time() < deadline:
    now = time.time()
    query = urllib.parse.urlencode({"query": DURATION, "start": now - 300, "end": now + 60})
    result = get_json(f"http://127.0.0.1:{PROM}/api/v1/query_exemplars?{query}")["data"]
    exemplars = [(series["seriesLabels"], exemplar["labels"]) for series in result for exemplar in series["exemplars"]]
    if {(labels["api"], labels["status"]) for labels, _ in exemplars} >= set(expected_counts):
        break
    time.sleep(1)
check(len(exemplars) > 0, f"Prometheus holds {len(exemplars)} exemplars of {DURATION}")
trace_ids = {exemplar["trace_id"] for _, exemplar in exemplars}
check(trace_ids <= set(sent), f"every exemplar's trace_id is one of the sampled traceparents sent ({len(trace_ids)})")
check(not trace_ids & unsampled, "no exemplar carries an unsampled trace id")
check({(labels["api"], labels["status"]) for labels, _ in exemplars} == set(expected_counts),
      "exemplars on every (api, status) sent, and on no other")
for labels, exemplar in exemplars:
    if exemplar["trace_id"] in sent:
        _, api, status = sent[exemplar["trace_id"]]
        check((labels["api"], labels["status"]) == (api, status),
              f"exemplar {exemplar['trace_id']} on its request's series {api}/{status}")

# Zipkin: the service's SERVER span of one exemplar's trace, child of the client's span.
labels, exemplar = next((labels, exemplar) for labels, exemplar in exemplars if labels["status"] == "404")
client_span, api, status = sent[exemplar["trace_id"]]
spans = []
deadline = time.time() + 20
while time.time() < deadline and not spans:
    try:
        spans = get_json(f"http://127.0.0.1:{ZIPKIN}/api/v2/trace/{exemplar['trace_id']}")
    except urllib.error.HTTPError:
        time.sleep(0.5)
server = [span for span in spans if span.get("kind") == "SERVER"]
check(len(server) == 1, f"Zipkin holds one SERVER span for trace {exemplar['trace_id']}")
if server:
    span = server[0]
    tags = span.get("tags", {})
    check(span.get("parentId") == client_span, f"its parent is the client's span {client_span}: {span.get('parentId')}")
    check(span.get("id") == exemplar["span_id"], f"its id is the exemplar's span_id {exemplar['span_id']}")
    check(span.get("name", "").lower() == "get /v1/models/{model_id}", f"its name: {span.get('name')}")
    check(tags.get("http.route") == "/v1/models/{model_id}" and tags.get("http.response.status_code") == "404",
          f"route and status tags: {tags}")
    check(span.get("localEndpoint", {}).get("serviceName") == "request-metrics",
          f"service name: {span.get('localEndpoint')}")

# Zipkin stopped: requests still succeed and the counts stay exact.
with open(ZIPKIN_PID_FILE) as f:
    os.kill(int(f.read().strip()), signal.SIGKILL)
time.sleep(0.5)
before = requests_total()
started = time.time()
failed = 0
for _ in range(200):
    _, _, header = traceparent(True)
    status, _ = call("GET", "/v1/health", headers={"traceparent": header})
    failed += status != 200
took = time.time() - started
check(failed == 0, f"Zipkin down: 200 sampled requests all answered 200 ({failed} failed) in {took:.2f} s")
seen = settled_delta(before, {("health", "200"): 200})
check(seen == {("health", "200"): 200}, f"Zipkin down: counts exact: {seen}")

sys.exit(1 if FAILURES else 0)
