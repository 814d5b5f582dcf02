#!/usr/bin/env python3
"""The proof behind one reverse proxy (.ci/proxy-proof.sh runs it once for nginx and once for HAProxy).

    python3 proof.py PROXY LISTEN_PORT API_PORT ADMIN_PORT ACCESS_LOG

PROXY is nginx or haproxy (it chooses how the access log is read); LISTEN_PORT is the proxy's, API_PORT and
ADMIN_PORT the service's; ACCESS_LOG is the file the proxy writes one line per request into (the formats are in
.ci/proxy/nginx.conf and .ci/proxy/haproxy.cfg). Everything is on 127.0.0.1. Three parts:

1. load: a fixed mix of requests to every API (JSON, NDJSON and event streams, errors, clients that leave
   mid-stream) through the proxy by 4 keep-alive clients; the service's llama_stack_requests_total deltas by status
   must equal the proxy's access-log counts by status, exactly.
2. probes: ambiguous raw requests, each hiding `DELETE /v1/models/<victim>`, sent through the proxy; each must get at
   most one final response, move the service's count by at most 1 and never under `models`, and leave the victim
   registered; the next requests through the proxy must get their own answers.
3. headers: forged X-Forwarded-*/Forwarded/Host values and those the proxy sets never appear in a label value.

Standard library only. Every wait is bounded; the last line is "<proxy>: PASS" or "<proxy>: FAIL (n)".
"""
import http.client
import json
import queue
import random
import re
import socket
import sys
import threading
import time
from collections import Counter

HOST = "127.0.0.1"
REQUESTS = "llama_stack_requests_total"
IN_FLIGHT = "llama_stack_concurrent_requests"
BIG_DATASET = "proxy-proof-big"
ROUNDS = 60
ABORTS_PER_KIND = 10
WORKERS = 4
# The model the Expect: 100-continue probes hide a DELETE of: registered at start-up from app.yaml, and put back as it
# was if a probe deletes it.
BUILT_IN_MODEL = "llama3.2-3b"
BUILT_IN_DEFINITION = {"provider_id": "ollama", "model_type": "llm", "metadata": {}}

# Probes that expose a defect of the service, not of the proxy, until it is fixed: (proxy, probe) -> the defect. Such a
# probe is reported and does not fail the proof while it shows the defect, and fails the proof once it passes (then
# remove its mark). HAProxy forwards Expect: 100-continue and then the body; the service answers 404 at once without
# reading that body on a kept-alive connection, and then runs the body as the next request. nginx answers the
# Expect itself and forwards the body without it, so the service reads the body and nothing is hidden.
# (proxy, row name) -> defect: a row that fails for a known reason is reported, and fails once it passes. None now.
KNOWN_DEFECTS = {}

# Values a client forges in the proxy headers, and the Host it sends: none may ever be part of a label value.
FORGED_HEADERS = {
    "X-Forwarded-For": "198.51.100.77, zqxfwdfor",
    "X-Forwarded-Host": "zqxfwdhost.example",
    "X-Forwarded-Proto": "zqxfwdproto",
    "X-Forwarded-Port": "47123",
    "X-Real-IP": "198.51.100.78",
    "Forwarded": "for=198.51.100.79;host=zqxforwarded.example;proto=zqxfwdproto2",
}
FORGED_HOST = "zqxhost.example"
MARKERS = ["198.51.100.", "zqxfwdfor", "zqxfwdhost", "zqxfwdproto", "47123", "zqxforwarded", "zqxhost"]

LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


class Proof:
    def __init__(self, proxy, listen, api, admin, access_log):
        self.proxy = proxy
        self.listen = listen
        self.api = api
        self.admin = admin
        self.access_log = access_log
        self.failures = []
        self.known_defects = 0

    def fail(self, message):
        self.failures.append(message)
        print(f"  FAIL: {message}", flush=True)

    # ---- the service, directly (never through the proxy)

    def scrape(self):
        """Every sample of the admin socket's metrics, as {(name, frozenset(labels)): value}."""
        body = self.call(self.admin, "GET", "/observe/metrics")[1].decode()
        samples = {}
        for line in body.splitlines():
            if not line or line.startswith("#"):
                continue
            head, _, value = line.rpartition(" ")
            name, _, labels = head.partition("{")
            samples[(name, frozenset(LABEL.findall(labels)))] = float(value)
        return samples

    @staticmethod
    def requests_by(samples, *keys):
        counts = Counter()
        for (name, labels), value in samples.items():
            if name == REQUESTS:
                label = dict(labels)
                counts["/".join(label[k] for k in keys)] += value
        return counts

    @staticmethod
    def in_flight(samples):
        return sum(v for (name, _), v in samples.items() if name == IN_FLIGHT)

    def settled(self, seconds=10.0):
        """A scrape once nothing is in flight and two scrapes 50 ms apart agree (the filter records as a request
        ends, a moment after the proxy saw its last byte)."""
        deadline = time.monotonic() + seconds
        previous = None
        while True:
            samples = self.scrape()
            counts = self.requests_by(samples, "api", "status")
            if self.in_flight(samples) == 0 and counts == previous:
                return samples
            if time.monotonic() > deadline:
                self.fail(f"the service did not settle within {seconds:.0f} s "
                          f"(in flight: {self.in_flight(samples):.0f})")
                return samples
            previous = counts
            time.sleep(0.05)

    def call(self, port, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def model_exists(self, model_id):
        return self.call(self.api, "GET", "/v1/models/" + model_id)[0] == 200

    def register_model(self, model_id, definition):
        status = self.call(self.api, "POST", "/v1/models", json.dumps(dict(definition, model_id=model_id)),
                           {"Content-Type": "application/json"})[0]
        if status not in (201, 409):
            raise SystemExit(f"{self.proxy}: cannot register model {model_id}: {status}")

    def register_big_dataset(self):
        """640 rows of 60 KB (38 MB as NDJSON): far more than the socket buffers between the service and a client
        that reads one line, so that the client always leaves before the stream ends (as testing/Datasets.java)."""
        status, _ = self.call(self.api, "POST", "/v1/datasets",
                              json.dumps({"dataset_id": BIG_DATASET, "purpose": "eval/question-answer"}),
                              {"Content-Type": "application/json"})
        if status == 409:
            return
        batch = json.dumps({"rows": [{"question": f"q{i}", "answer": "x" * 60_000} for i in range(16)]})
        for _ in range(40):
            status, body = self.call(self.api, "POST", f"/v1/datasets/{BIG_DATASET}/rows", batch,
                                     {"Content-Type": "application/json"})
            if status != 200:
                raise SystemExit(f"{self.proxy}: cannot fill {BIG_DATASET}: {status} {body[:200]!r}")

    # ---- the proxy's access log

    def log_lines(self, offset):
        with open(self.access_log, "rb") as log:
            log.seek(offset)
            return [line for line in log.read().decode("utf-8", "replace").splitlines() if line.startswith("proof ")]

    def log_size(self):
        with open(self.access_log, "rb") as log:
            return log.seek(0, 2)

    def wait_for_log_lines(self, offset, count, seconds=15.0):
        """The access-log lines after offset, once there are count of them (the proxy writes a line as a request ends,
        and HAProxy a moment later), or after seconds."""
        deadline = time.monotonic() + seconds
        lines = self.log_lines(offset)
        while len(lines) < count and time.monotonic() < deadline:
            time.sleep(0.05)
            lines = self.log_lines(offset)
        return lines

    def open_upstream_connections(self):
        """Established TCP connections to the service's API port, counted at the service's end (/proc/net/tcp6 too:
        the JVM's sockets are IPv6 sockets that carry IPv4)."""
        rows = []
        for name in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(name) as table:
                rows += [line.split() for line in table.readlines()[1:]]
        return sum(1 for row in rows if int(row[1].split(":")[1], 16) == self.api and row[3] == "01")

    def proxy_reading(self, line):
        """(status as logged, status the service counts for it) for one access-log line.

        nginx logs a client that left mid-stream with the status it had already sent (200) and an empty
        $request_completion; HAProxy with that status and termination state "CD" (client abort, data phase). In both
        cases the proxy closes its connection to the service, which counts the request 499."""
        fields = dict(field.split("=", 1) for field in line.split(" ")[1:] if "=" in field)
        logged = fields["status"]
        if self.proxy == "nginx":
            aborted = fields["complete"] != "OK"
            reading = f"{logged} complete={fields['complete'] or '(empty)'}"
        else:
            aborted = fields["flags"].startswith("CD")
            reading = f"{logged} {fields['flags']}"
        return reading, ("499" if aborted else logged)

    # ---- 1. load

    def rounds(self):
        """Each round is a list of (method, path, headers, body, expected status), run in order on one connection."""
        json_type = {"Content-Type": "application/json"}
        forged = dict(FORGED_HEADERS, Host=FORGED_HOST)
        work = []
        for i in range(ROUNDS):
            model = f"proxy-{self.proxy}-m{i}"
            dataset = f"proxy-{self.proxy}-d{i}"
            rows = json.dumps({"dataset_id": dataset, "purpose": "eval/question-answer",
                               "rows": [{"question": f"q{n}", "answer": f"a{n}"} for n in range(3)]})
            work.append([
                ("GET", "/v1/health", {}, None, 200),
                ("GET", "/v1/version", {}, None, 200),
                ("GET", "/v1/inspect/routes", {}, None, 200),
                ("GET", "/v1/models", {}, None, 200),
                ("HEAD", "/v1/models", {}, None, 200),
                ("GET", f"/v1/models/{BUILT_IN_MODEL}", {}, None, 200),
                ("GET", "/v1/models", forged, None, 200),
                ("GET", f"/v1/models/absent-{i}", {}, None, 404),
                ("POST", "/v1/models", json_type, json.dumps({"model_id": model, "provider_id": "p"}), 201),
                ("POST", "/v1/models", json_type, json.dumps({"model_id": model, "provider_id": "p"}), 409),
                ("POST", "/v1/models", json_type, '{"model_id": nope', 400),
                ("POST", "/v1/models", json_type, json.dumps({"model_id": "x", "provider_id": "p", "zq": 1}), 400),
                ("POST", "/v1/models", {"Content-Type": "text/plain"}, "model", 415),
                ("PUT", "/v1/models", json_type, "{}", 405),
                ("DELETE", "/v1/version", {}, None, 405),
                ("DELETE", f"/v1/models/{model}", {}, None, 204),
                ("DELETE", f"/v1/models/{model}", {}, None, 404),
                ("GET", f"/v1/nope-{i}", {}, None, 404),
                ("GET", "/nope", {}, None, 404),
                ("GET", "/v1/datasets", {}, None, 200),
                ("POST", "/v1/datasets", json_type, rows, 201),
                ("GET", f"/v1/datasets/{dataset}/rows?limit=2", {}, None, 200),
                ("GET", f"/v1/datasets/{dataset}/rows", {"Accept": "application/x-ndjson"}, None, 200),
                ("GET", f"/v1/datasets/{dataset}/rows", {"Accept": "text/event-stream"}, None, 200),
                ("GET", f"/v1/datasets/{dataset}/rows", {"Accept": "image/png"}, None, 406),
                ("GET", f"/v1/datasets/{dataset}/rows?limit=0", {}, None, 400),
                ("POST", f"/v1/datasets/{dataset}/rows", json_type, '{"rows":[{"q":"4"}]}', 200),
                ("DELETE", f"/v1/datasets/{dataset}", {}, None, 204),
                ("GET", f"/v1/datasets/{dataset}", {}, None, 404),
            ])
        return work

    def run_round(self, connection, requests, seen):
        for method, path, headers, body, expected in requests:
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                connection.close()
                status = f"error {type(e).__name__}"
            seen.append((f"{method} {path}", expected, status))

    def run_abort(self, accept, seen):
        """Reads the status line of a 38 MB stream through the proxy, then closes (unread data: the close is a reset)."""
        try:
            with socket.create_connection((HOST, self.listen), timeout=30) as client:
                client.sendall(f"GET /v1/datasets/{BIG_DATASET}/rows HTTP/1.1\r\nHost: proof\r\nAccept: {accept}\r\n\r\n"
                               .encode())
                first = client.makefile("rb").readline()
        except OSError as e:
            first = f"error {type(e).__name__}".encode()
        match = STATUS_LINE.match(first)
        seen.append((f"GET rows {accept}, then close", 200, int(match.group(1)) if match else f"read {first!r}"))

    def load(self):
        print(f"[{self.proxy}] 1. load: {ROUNDS} rounds of every API + {2 * ABORTS_PER_KIND} clients that leave "
              f"mid-stream, {WORKERS} keep-alive clients", flush=True)
        tasks = [("round", r) for r in self.rounds()]
        tasks += [("abort", a) for a in ["application/x-ndjson", "text/event-stream"] for _ in range(ABORTS_PER_KIND)]
        random.Random(7).shuffle(tasks)
        sent = sum(len(r) if kind == "round" else 1 for kind, r in tasks)
        work = queue.Queue()
        for task in tasks:
            work.put(task)
        seen = []

        def worker():
            connection = http.client.HTTPConnection(HOST, self.listen, timeout=30)
            while True:
                try:
                    kind, item = work.get_nowait()
                except queue.Empty:
                    break
                if kind == "round":
                    self.run_round(connection, item, seen)
                else:
                    self.run_abort(item, seen)
            connection.close()

        offset = self.log_size()
        before = self.settled()
        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        took = time.monotonic() - started
        if any(thread.is_alive() for thread in threads):
            self.fail("the load did not finish within 120 s")
        unexpected = [s for s in seen if s[1] != s[2]]
        for request, expected, status in unexpected[:10]:
            self.fail(f"client: {request} answered {status}, expected {expected}")

        # Every request the clients made is one access-log line.
        lines = self.wait_for_log_lines(offset, sent)
        if len(lines) != sent:
            self.fail(f"{len(lines)} access-log lines for {sent} requests")
        readings = [self.proxy_reading(line) for line in lines]
        proxy_counts = Counter(counted for _, counted in readings)

        # The service has counted every request once the proxy has logged it, give or take the moment between the
        # proxy closing a cut stream and the service's failed write.
        deadline = time.monotonic() + 15
        while True:
            after = self.settled()
            service_counts = self.requests_by(after, "status") - self.requests_by(before, "status")
            if sum(service_counts.values()) >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        client_counts = Counter(str(s[2]) for s in seen)
        # Upstream keep-alive at work: the proxy holds its idle connections to the service open after the load.
        kept = self.open_upstream_connections()
        print(f"  connections from {self.proxy} to the service still open after the load: {kept}", flush=True)
        if kept == 0:
            self.fail(f"{self.proxy} keeps no connection to the service open: upstream keep-alive is off")
        print(f"  {sent} requests in {took:.1f} s; status: client / {self.proxy} access log / service "
              f"llama_stack_requests_total delta", flush=True)
        for status in sorted(set(proxy_counts) | set(service_counts) | set(client_counts)):
            p, s = proxy_counts.get(status, 0), int(service_counts.get(status, 0))
            c = client_counts.get(status, 0)
            note = "" if p == s else "   <-- MISMATCH"
            print(f"    {status:>4}: {c:5} / {p:5} / {s:5}{note}")
        for reading, n in sorted(Counter(r for r, counted in readings if counted == "499").items()):
            print(f"    (499 = the client left mid-stream; the access log reads: {n} x '{reading}')")
        client_aborts = sum(1 for s in seen if s[0].endswith("then close"))
        if proxy_counts.get("499", 0) != client_aborts:
            self.fail(f"the access log reads {proxy_counts.get('499', 0)} requests as cut mid-stream, the clients left "
                      f"{client_aborts} streams")
        for status in sorted(set(proxy_counts) | set(service_counts)):
            if proxy_counts.get(status, 0) != service_counts.get(status, 0):
                self.fail(f"status {status}: {self.proxy} logged {proxy_counts.get(status, 0)}, the service counted "
                          f"{int(service_counts.get(status, 0))}")

    # ---- 2. probes

    def probes(self, victim):
        """(name, bytes to send, how to send). Every input hides `hidden` where a correct reading of the request
        never finds a request: in the body, after a request that closes the connection, or in framing that has to
        be refused."""
        hidden = f"DELETE /v1/models/{victim} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        n = len(hidden)
        h = "Host: proof\r\n"
        json_type = "Content-Type: application/json\r\n"
        chunked_hidden = f"{n:x}\r\n{hidden}\r\n0\r\n\r\n"
        assert len(f"{n:x}") == 2, "the TE.CL probe needs a 2-digit chunk size"
        end_then_hidden = "0\r\n\r\n" + hidden
        expect_body = f"DELETE /v1/models/{BUILT_IN_MODEL} HTTP/1.1\r\nHost: x\r\n\r\n"
        expect_head = (f"POST /v1/nope HTTP/1.1\r\n{h}{json_type}Expect: 100-continue\r\n"
                       f"Content-Length: {len(expect_body)}\r\n\r\n")

        def te_with_cl(te_lines):
            """A Content-Length that covers the last chunk and the hidden request, and a Transfer-Encoding spelled
            some way: whichever header a reader believes, the other must not leave a request behind."""
            return (f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Content-Length: {len(end_then_hidden)}\r\n"
                    f"{te_lines}\r\n{end_then_hidden}")

        return [
            ("CL.TE: Content-Length and Transfer-Encoding: chunked", te_with_cl("Transfer-Encoding: chunked\r\n"), "send"),
            ("TE.CL: chunked, Content-Length: 4",
             f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
             f"{chunked_hidden}", "send"),
            ("TE with white space before the colon", te_with_cl("Transfer-Encoding : chunked\r\n"), "send"),
            ("TE with a tab before its value", te_with_cl("Transfer-Encoding:\tchunked\r\n"), "send"),
            ("TE: xchunked", te_with_cl("Transfer-Encoding: xchunked\r\n"), "send"),
            ("TE: CHUNKED (upper case)", te_with_cl("Transfer-Encoding: CHUNKED\r\n"), "send"),
            ("TE: chunked, then TE: identity",
             te_with_cl("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"), "send"),
            ("TE: gzip, chunked", te_with_cl("Transfer-Encoding: gzip, chunked\r\n"), "send"),
            ("TE in an obs-fold continuation", te_with_cl("X-Probe: a\r\n Transfer-Encoding: chunked\r\n"), "send"),
            ("TE on HTTP/1.0",
             f"POST /v1/datasets HTTP/1.0\r\n{h}{json_type}Content-Length: {len(end_then_hidden)}\r\n"
             f"Transfer-Encoding: chunked\r\n\r\n{end_then_hidden}", "send"),
            ("Content-Length twice, different values",
             f"POST /v1/health HTTP/1.1\r\n{h}Content-Length: 0\r\nContent-Length: {n}\r\n\r\n{hidden}", "send"),
            ("Content-Length twice, same value",
             f"POST /v1/health HTTP/1.1\r\n{h}Content-Length: {n}\r\nContent-Length: {n}\r\n\r\n{hidden}", "send"),
            ("Content-Length as a list",
             f"POST /v1/health HTTP/1.1\r\n{h}Content-Length: {n}, {n}\r\n\r\n{hidden}", "send"),
            ("Content-Length with a sign", f"POST /v1/health HTTP/1.1\r\n{h}Content-Length: +{n}\r\n\r\n{hidden}", "send"),
            ("bare LF line endings", f"POST /v1/health HTTP/1.1\n{h.strip()}\nContent-Length: {n}\n\n{hidden}", "send"),
            ("Host twice", f"POST /v1/health HTTP/1.1\r\n{h}Host: other\r\nContent-Length: {n}\r\n\r\n{hidden}", "send"),
            ("chunk size zz", f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Transfer-Encoding: chunked\r\n\r\n"
                              f"zz\r\n{hidden}\r\n0\r\n\r\n", "send"),
            ("chunk size -5", f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Transfer-Encoding: chunked\r\n\r\n"
                              f"-5\r\n{hidden}\r\n0\r\n\r\n", "send"),
            ("chunk size over 64 bits", f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Transfer-Encoding: chunked\r\n\r\n"
                                        f"1{'0' * 16}{n:x}\r\n{hidden}\r\n0\r\n\r\n", "send"),
            ("chunk longer than its size", f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}"
                                           f"Transfer-Encoding: chunked\r\n\r\n5\r\n{hidden}\r\n0\r\n\r\n", "send"),
            ("chunk with a bare LF", f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Transfer-Encoding: chunked\r\n\r\n"
                                     f"{n:x}\n{hidden}\n0\n\n", "send"),
            ("Expect: 100-continue, body sent at once", expect_head + expect_body, "send"),
            ("Expect: 100-continue, body after the 100 (or the answer)", expect_head + expect_body, "expect"),
            ("Connection: close, the body hides a request",
             f"POST /v1/health HTTP/1.1\r\n{h}Connection: close\r\nContent-Length: {n}\r\n\r\n{hidden}", "send"),
            ("bytes after a Connection: close request",
             f"GET /v1/health HTTP/1.1\r\n{h}Connection: close\r\n\r\n{hidden}", "send"),
            ("bytes after an HTTP/1.0 request", f"GET /v1/health HTTP/1.0\r\n{h}\r\n{hidden}", "send"),
            ("GET with a body", f"GET /v1/health HTTP/1.1\r\n{h}Content-Length: {n}\r\n\r\n{hidden}", "send"),
            ("early 415, the body unread",
             f"POST /v1/datasets HTTP/1.1\r\n{h}Content-Type: text/plain\r\nContent-Length: {n}\r\n\r\n{hidden}", "send"),
            ("early 400, invalid JSON then the request",
             f"POST /v1/datasets HTTP/1.1\r\n{h}{json_type}Content-Length: {n + 9}\r\n\r\n{{\"x\": no {hidden}", "send"),
            ("DELETE whose handler ignores the body",
             f"DELETE /v1/datasets/none HTTP/1.1\r\n{h}Content-Length: {n}\r\n\r\n{hidden}", "send"),
            ("Content-Length longer than the body, then the client leaves",
             f"POST /v1/health HTTP/1.1\r\n{h}Content-Length: {n + 100}\r\n\r\n{hidden}", "truncate"),
            ("lower-case method", f"get /v1/health HTTP/1.1\r\n{h}Content-Length: {n}\r\n\r\n{hidden}", "send"),
            ("NUL byte in the path", f"GET /v1/health\x00 HTTP/1.1\r\n{h}Content-Length: {n}\r\n\r\n{hidden}", "send"),
            ("absolute-form target", f"GET http://proof/v1/health HTTP/1.1\r\n{h}Content-Length: {n}\r\n\r\n{hidden}",
             "send"),
        ]

    def exchange(self, data, mode):
        """Sends one probe on a fresh connection and returns every byte the proxy sent back.

        Reads until the proxy closes, or for 0.3 s more after a complete final response (time enough for a second
        one; the model check below is what proves no hidden request ran), or 4 s in all."""
        raw = data.encode("latin-1")
        received = b""
        with socket.create_connection((HOST, self.listen), timeout=5) as client:
            if mode == "expect":
                head, _, body = raw.partition(b"\r\n\r\n")
                client.sendall(head + b"\r\n\r\n")
                received = self.read_until(client, received, lambda got: STATUS_LINE.search(got), 2.0)
                client.sendall(body)
            elif mode == "truncate":
                client.sendall(raw)
                received = self.read_until(client, received, lambda got: False, 1.0)
                return received
            else:
                client.sendall(raw)
            return self.read_until(client, received, lambda got: complete_final(got), 4.0)

    @staticmethod
    def read_until(client, received, done, seconds):
        deadline = time.monotonic() + seconds
        grace = None
        while True:
            now = time.monotonic()
            if grace is None and done(received):
                grace = now + 0.3
            limit = min(deadline, grace) if grace else deadline
            if now >= limit:
                return received
            client.settimeout(limit - now)
            try:
                chunk = client.recv(65536)
            except socket.timeout:
                return received
            except ConnectionError:
                return received
            if not chunk:
                return received
            received += chunk

    def check_followers(self):
        """Two requests on one new keep-alive connection through the proxy get their own answers: no response left
        over from a probe on a pooled connection is handed to them."""
        connection = http.client.HTTPConnection(HOST, self.listen, timeout=10)
        try:
            answers = []
            for path in ("/v1/version", f"/v1/models/{BUILT_IN_MODEL}"):
                connection.request("GET", path)
                response = connection.getresponse()
                answers.append((path, response.status, response.read()))
        except (OSError, http.client.HTTPException) as e:
            return f"follower requests failed: {type(e).__name__} {e}"
        finally:
            connection.close()
        version_ok = answers[0][1] == 200 and b'"version"' in answers[0][2]
        model_ok = answers[1][1] == 200 and f'"model_id":"{BUILT_IN_MODEL}"'.encode() in answers[1][2]
        return None if version_ok and model_ok else f"follower requests got {[(p, s, b[:80]) for p, s, b in answers]}"

    def probe_all(self):
        victim = f"proxy-{self.proxy}-victim"
        self.register_model(victim, {"provider_id": "p"})
        rows = self.probes(victim)
        print(f"[{self.proxy}] 2. {len(rows)} ambiguous requests, each hiding DELETE /v1/models/{victim} "
              f"(or /{BUILT_IN_MODEL})", flush=True)
        print(f"  {'probe':58} {'on the wire':18} {'service delta':24} access log", flush=True)
        for name, data, mode in rows:
            offset = self.log_size()
            before = self.settled()
            received = self.exchange(data, mode)
            after = self.settled()
            delta = self.requests_by(after, "api", "status") - self.requests_by(before, "api", "status")
            interim, final, error = parse_responses(received)
            raw_count = len(STATUS_LINE.findall(received))
            logged = " ".join(self.proxy_reading(line)[0].replace(" ", ":") for line in self.log_lines(offset))
            wire = ",".join(str(s) for s in interim + final) or "(closed)"
            deltas = ",".join(f"{k}+{int(v)}" for k, v in sorted(delta.items())) or "-"
            print(f"  {name[:58]:58} {wire:18} {deltas:24} {logged or '-'}", flush=True)
            problems = []
            if error:
                problems.append(f"the bytes on the wire are not a sequence of responses: {error}: {received[:300]!r}")
            if len(final) > 1:
                problems.append(f"{len(final)} final responses on one connection: {final}")
            if len(interim) > 1:
                problems.append(f"{len(interim)} interim responses: {interim}")
            if raw_count != len(interim) + len(final):
                problems.append(f"{raw_count} status lines in the bytes, {len(interim) + len(final)} responses "
                                f"framed: a response hides in a body")
            if sum(delta.values()) > 1:
                problems.append(f"the service counted {sum(delta.values()):.0f} requests: {dict(delta)}")
            if any(k.startswith("models/") for k in delta):
                problems.append(f"counted under models, the hidden request's api: {dict(delta)}")
            for model, definition in ((victim, {"provider_id": "p"}), (BUILT_IN_MODEL, BUILT_IN_DEFINITION)):
                if not self.model_exists(model):
                    problems.append(f"model {model} is gone: the hidden DELETE ran")
                    self.register_model(model, definition)
            follower_offset = self.log_size()
            follower_problem = self.check_followers()
            if follower_problem:
                problems.append(follower_problem)
            else:
                self.wait_for_log_lines(follower_offset, 2)
            defect = KNOWN_DEFECTS.get((self.proxy, name))
            if defect and problems:
                self.known_defects += 1
                print(f"    known defect ({defect}): {'; '.join(problems)}", flush=True)
            elif defect:
                self.fail(f"{name}: passes now: remove its KNOWN_DEFECTS mark ({defect})")
            for problem in problems if not defect else []:
                self.fail(f"{name}: {problem}")

    # ---- 3. proxy headers and labels

    def labels_hold_no_header(self):
        print(f"[{self.proxy}] 3. no proxy header value in a label", flush=True)
        samples = self.scrape()
        values = {value for _, labels in samples for _, value in labels}
        # The proxy's own values: the client address it forwards, the port it listens on, and the scheme.
        own = ["127.0.0.1", str(self.listen)]
        found = sorted(v for v in values if any(m.lower() in v.lower() for m in MARKERS + own) or v == "http")
        text = self.call(self.admin, "GET", "/observe/metrics")[1].decode()
        in_text = sorted(m for m in MARKERS if m.lower() in text.lower())
        print(f"  {len(values)} distinct label values in {len(samples)} samples: {', '.join(sorted(values)[:12])}"
              f"{', ...' if len(values) > 12 else ''}", flush=True)
        if found:
            self.fail(f"label values hold proxy header values: {found}")
        if in_text:
            self.fail(f"the scrape holds forged header values: {in_text}")

    def run(self):
        self.register_big_dataset()
        self.load()
        self.probe_all()
        self.labels_hold_no_header()
        if self.failures:
            print(f"{self.proxy}: FAIL ({len(self.failures)})")
            for failure in self.failures:
                print(f"  - {failure}")
            return 1
        print(f"{self.proxy}: PASS" + (f" ({self.known_defects} known defects of the service shown, see above)"
                                        if self.known_defects else ""))
        return 0


def complete_final(data):
    interim, final, error = parse_responses(data)
    return bool(final) and not error


def parse_responses(data):
    """Frames the bytes as HTTP/1.1 responses (RFC 9112 §6.3; no request here is HEAD): returns (interim statuses,
    final statuses, problem or None). A body without Content-Length or chunked framing runs to the end."""
    interim, final = [], []
    position = 0
    while position < len(data):
        end = data.find(b"\r\n\r\n", position)
        if end < 0:
            return interim, final, f"an incomplete head at byte {position}"
        head = data[position:end].decode("latin-1").split("\r\n")
        match = re.fullmatch(r"HTTP/1\.[01] (\d{3})(?: .*)?", head[0])
        if not match:
            return interim, final, f"no status line at byte {position}: {head[0][:60]!r}"
        status = int(match.group(1))
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        position = end + 4
        if 100 <= status < 200:
            interim.append(status)
            continue
        final.append(status)
        if status in (204, 304):
            continue
        if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
            while True:
                line_end = data.find(b"\r\n", position)
                if line_end < 0:
                    return interim, final, "a chunked body cut short"
                try:
                    size = int(data[position:line_end].split(b";")[0], 16)
                except ValueError:
                    return interim, final, f"a chunk size that is not hexadecimal at byte {position}"
                position = line_end + 2 + size + 2
                if size == 0:
                    break
            if position > len(data):
                return interim, final, "a chunked body cut short"
        elif "content-length" in headers:
            if not headers["content-length"][0].isdigit():
                return interim, final, f"Content-Length {headers['content-length'][0]!r}"
            position += int(headers["content-length"][0])
            if position > len(data):
                return interim, final, "a body shorter than its Content-Length"
        else:
            position = len(data)
    return interim, final, None


def main():
    proxy, listen, api, admin, access_log = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
    if proxy not in ("nginx", "haproxy"):
        raise SystemExit(f"unknown proxy {proxy!r}: nginx or haproxy")
    sys.exit(Proof(proxy, listen, api, admin, access_log).run())


if __name__ == "__main__":
    main()
