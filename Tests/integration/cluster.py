"""Replicas behind haproxy under faults, scraped by a real Prometheus; see cluster.sh. Standard
library only."""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

TEXTS = [
    "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。",
    "微软公司董事长比尔·盖茨访问上海。",
    "中国人民银行宣布下调存款利率。",
    "联合国秘书长安南在纽约发表讲话，呼吁各方保持克制。",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=1.0):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


class Replica:
    def __init__(self, args, index, port, workdir, extra=()):
        self.args, self.index, self.port, self.workdir, self.extra = args, index, port, workdir, list(extra)
        self.process = None
        self.ready_seconds = []

    def start(self):
        log = open(os.path.join(self.workdir, f"replica{self.index}.log"), "a")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [self.args.ner, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--model", self.args.model,
             "--threads", "1", "--drain-seconds", str(self.args.drain)] + self.extra,
            stdout=subprocess.DEVNULL, stderr=log)
        while http_get(self.port, "/ready") != 200:
            if self.process.poll() is not None:
                sys.exit(f"replica {self.index} exited with {self.process.returncode}; see {log.name}")
            time.sleep(0.02)
        self.ready_seconds.append(time.monotonic() - started)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


class Prometheus:
    """A real Prometheus on loopback scraping the replicas every second with the repository's rule
    files; alert `for:` durations are shortened to 2 s so that an alert can fire within the run."""

    def __init__(self, workdir, targets):
        self.port = free_port()
        rules = os.path.join(workdir, "rules")
        os.makedirs(rules, exist_ok=True)
        for name in ("bertner-recording.yml", "bertner-alerts.yml"):
            with open(os.path.join(ROOT, "deploy", "prometheus", "rules", name)) as f:
                text = f.read()
            with open(os.path.join(rules, name), "w") as f:
                f.write(re.sub(r"for: \d+[smh]", "for: 2s", text))
        config = os.path.join(workdir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    f"rule_files:\n  - {rules}/bertner-recording.yml\n  - {rules}/bertner-alerts.yml\n"
                    "scrape_configs:\n  - job_name: bertner\n    static_configs:\n"
                    f"      - targets: [{', '.join(repr(t) for t in targets)}]\n")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.tsdb.path={os.path.join(workdir, 'tsdb')}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "prometheus.log"), "w"))
        while http_get(self.port, "/-/ready") != 200:
            if self.process.poll() is not None:
                sys.exit(f"prometheus exited; see {workdir}/prometheus.log")
            time.sleep(0.05)

    def query(self, expr, at=None):
        """The instant vector of `expr` as [(labels, value)]."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as response:
            data = json.load(response)["data"]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def wait_for(self, expr, timeout=60):
        """Polls until `expr` returns data (the gate for a state Prometheus must have seen)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(expr):
                return True
            time.sleep(0.2)
        return False

    def stop(self):
        self.process.terminate()
        self.process.wait()


def prometheus_checks(prometheus, load, replicas, killed_instance, alert_seen, started_wall, ended_wall, ok):
    """What the acceptance of issue 21 asks of a real Prometheus, from its HTTP API."""
    window = f"{int(ended_wall - started_wall) + 1}s"
    results, problems = {}, []
    # Requests: Prometheus's count of /ner answered 200 against the load generator's.
    counted = sum(v for _, v in prometheus.query(
        f'sum(increase(ner_http_requests_total{{route="/ner",status="200"}}[{window}]))', at=ended_wall))
    results["requests_200_client"] = len(ok)
    results["requests_200_prometheus"] = round(counted)
    results["requests_difference_percent"] = round(100 * abs(counted - len(ok)) / max(1, len(ok)), 2)
    if results["requests_difference_percent"] > 5:
        problems.append(f"Prometheus counted {counted:.0f} requests answered 200, the client {len(ok)} (> 5 % apart)")
    # p99: the histogram's, in the bucket that holds the client-measured p99.
    buckets = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, float("inf")]
    quantile = prometheus.query(
        f'histogram_quantile(0.99, sum by (le) (increase(ner_http_request_duration_seconds_bucket{{route="/ner"}}[{window}])))', at=ended_wall)
    server_p99 = quantile[0][1] if quantile else float("nan")
    client_p99 = percentile([l for _, l, _ in ok], 0.99)
    def bucket(x):
        return next(i for i, b in enumerate(buckets) if x <= b)
    results["p99_client_ms"] = round(1000 * client_p99, 1)
    results["p99_prometheus_ms"] = round(1000 * server_p99, 1)
    results["p99_bucket_s"] = [0 if bucket(client_p99) == 0 else buckets[bucket(client_p99) - 1], buckets[bucket(client_p99)]]
    # The client's time adds haproxy and Python's HTTP handling (a few ms here) to the server's, so
    # at these latencies the server's p99 may sit one bucket lower; further apart is a real mismatch.
    results["p99_same_bucket"] = bool(quantile) and bucket(server_p99) == bucket(client_p99)
    if not quantile or not 0 <= bucket(client_p99) - bucket(server_p99) <= 1:
        problems.append(f"histogram p99 {server_p99:.3f} s is neither in the client p99's bucket {results['p99_bucket_s']} "
                        f"({client_p99:.3f} s) nor the one below")
    # The killed replica: down, then back; and its alert fired.
    url = f"http://127.0.0.1:{prometheus.port}/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": f'up{{instance="{killed_instance}"}}', "start": f"{started_wall:.3f}", "end": f"{ended_wall:.3f}", "step": "1"})
    with urllib.request.urlopen(url, timeout=10) as response:
        series = json.load(response)["data"]["result"]
    values = [float(v) for _, v in series[0]["values"]] if series else []
    first_down = values.index(0) if 0 in values else None
    results["killed_replica_down_then_up"] = first_down is not None and 1 in values[first_down:]
    results["replica_down_alert_fired"] = alert_seen
    if not results["killed_replica_down_then_up"]:
        problems.append(f"up{{instance={killed_instance}}} did not go 0 and back to 1: {values[:80]}")
    if not alert_seen:
        problems.append("BertNERReplicaDown never fired")
    # Every dashboard query and the adapter's query return data.
    with open(os.path.join(ROOT, "deploy", "grafana", "bertner.json")) as f:
        dashboard = json.load(f)
    empty = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"].replace("$job", "bertner")
            if not prometheus.query(expr, at=ended_wall):
                # Without a container memory limit (no cgroup limit here) there is no ratio to show.
                if "ner_memory_usage" in expr and not prometheus.query("ner_memory_limit_bytes", at=ended_wall):
                    results.setdefault("empty_by_design", []).append(expr)
                    continue
                empty.append(expr)
    with open(os.path.join(ROOT, "deploy", "k8s", "monitoring", "prometheus-adapter-config.yaml")) as f:
        template = re.search(r"metricsQuery: '(.*)'", f.read()).group(1)
    adapter = template.replace("<<.Series>>", "ner_http_requests_total").replace("<<.LabelMatchers>>", 'job="bertner"') \
                      .replace("<<.GroupBy>>", "instance")
    adapter_values = prometheus.query(adapter, at=ended_wall - 5)
    results["dashboard_queries"] = sum(len(p["targets"]) for p in dashboard["panels"])
    results["dashboard_queries_empty"] = empty
    results["adapter_requests_per_second_by_instance"] = {m.get("instance"): round(v, 1) for m, v in adapter_values}
    if empty:
        problems.append(f"dashboard queries without data: {empty}")
    if not adapter_values:
        problems.append(f"the adapter's query returned nothing: {adapter}")
    return results, problems


HAPROXY = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout queue 10s
    # A request that fails on one replica (connection refused or reset by a killed process, or a
    # 503 from a draining/overloaded one) is re-sent to another. Safe: /ner is a pure function
    # of its input, so a repeat cannot duplicate any effect.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503
    option http-buffer-request
frontend api
    bind 127.0.0.1:{frontend}
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 250ms fastinter 150ms downinter 250ms rise 2 fall 1
{servers}
"""


class Load:
    """Paced closed-loop workers on keep-alive connections to haproxy; records every request."""

    def __init__(self, port, rate, workers):
        self.port, self.rate, self.workers = port, rate, workers
        self.records = []  # (start time, latency s, status or error text)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def worker(self, index):
        interval = self.workers / self.rate
        next_at = self.t0 + index * interval / self.workers
        connection = None
        n = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            next_at += interval
            body = json.dumps({"text": TEXTS[(index + n) % len(TEXTS)]})
            n += 1
            start = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("POST", "/ner", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                outcome = response.status
                if outcome == 200 and b'"entities"' not in payload:
                    outcome = "200 without entities"
            except (OSError, http.client.HTTPException) as error:
                outcome = f"{type(error).__name__}: {error}"
                connection = None
            with self.lock:
                self.records.append((start - self.t0, time.monotonic() - start, outcome))

    def run(self):
        self.threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.workers)]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def overload(args, workdir):
    """One replica with a short queue: measure its capacity closed-loop, then offer 3x that rate.
    It must shed the excess with fast 503 + Retry-After, keep accepted latency bounded, and stay
    well under the 1 GiB memory limit."""
    replica = Replica(args, 9, free_port(), workdir, extra=["--max-queue", "32", "--drain-seconds", "0"])
    replica.start()
    peak = [0.0]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_mb(replica.process.pid))
            time.sleep(0.05)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    probe = Load(replica.port, rate=1e9, workers=4)   # unpaced: measures capacity
    probe.run(); time.sleep(5); probe.finish()
    capacity = sum(1 for r in probe.records if r[2] == 200) / 5
    offered = 3 * capacity
    flood = Load(replica.port, rate=offered, workers=96)
    flood.run(); time.sleep(10); flood.finish()
    sampling.set(); sampler.join()
    replica.terminate()
    ok = [l for _, l, o in flood.records if o == 200]
    shed = [l for _, l, o in flood.records if o == 503]
    other = [o for _, _, o in flood.records if o not in (200, 503)]
    result = {"capacity_rps": round(capacity, 1), "offered_rps": round(offered, 1),
              "achieved_offered_rps": round(len(flood.records) / 10, 1),
              "answered_200": len(ok), "answered_503": len(shed), "errors_other_than_503": len(other),
              "p99_200_ms": round(1000 * percentile(ok, 0.99), 1), "p99_503_ms": round(1000 * percentile(shed, 0.99), 1),
              "peak_rss_mb": round(peak[0], 1)}
    print(f"overload: capacity {capacity:.0f} req/s, offered {offered:.0f}: {len(ok)} × 200, {len(shed)} × 503, "
          f"p99 200 {result['p99_200_ms']} ms, p99 503 {result['p99_503_ms']} ms, peak RSS {peak[0]:.0f} MB", flush=True)
    return result


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ner", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--rate", type=float, default=200, help="requests per second offered")
    p.add_argument("--workers", type=int, default=16)
    p.add_argument("--drain", type=float, default=2.0)
    p.add_argument("--json", help="also write the summary here")
    p.add_argument("--overload", action=argparse.BooleanOptionalAction, default=True,
                   help="after the fault phase, drive one replica at 3x its measured capacity")
    args = p.parse_args()

    workdir = tempfile.mkdtemp(prefix="bertner-cluster-")
    replicas = [Replica(args, i, free_port(), workdir) for i in range(3)]
    for r in replicas:
        r.start()
    prometheus = Prometheus(workdir, [f"127.0.0.1:{r.port}" for r in replicas])
    prometheus.wait_for('count(up{job="bertner"} == 1) == 3')
    frontend = free_port()
    servers = "\n".join(f"    server r{r.index} 127.0.0.1:{r.port} check" for r in replicas)
    config = os.path.join(workdir, "haproxy.cfg")
    with open(config, "w") as f:
        f.write(HAPROXY.replace("{frontend}", str(frontend)).replace("{servers}", servers))
    haproxy = subprocess.Popen(["haproxy", "-f", config, "-db"], stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(workdir, "haproxy.log"), "w"))
    while http_get(frontend, "/ready") != 200:
        if haproxy.poll() is not None:
            sys.exit(f"haproxy exited; see {workdir}/haproxy.log")
        time.sleep(0.05)

    load = Load(frontend, args.rate, args.workers)
    started_wall = time.time()
    alert_seen = False
    killed = f"127.0.0.1:{replicas[0].port}"
    phases = []  # (name, start, end) in load time
    print(f"load: {args.rate:.0f} req/s offered by {args.workers} workers through haproxy :{frontend}", flush=True)
    load.run()
    try:
        time.sleep(10)
        t = time.monotonic() - load.t0
        replicas[0].kill()
        # Kept down until Prometheus has seen it and the alert (for: shortened to 2 s) fires: gates
        # on Prometheus's own state, not a guessed delay.
        alert_seen = prometheus.wait_for(f'ALERTS{{alertname="BertNERReplicaDown",alertstate="firing",instance="{killed}"}}')
        print(f"t={time.monotonic() - load.t0:5.1f}s  SIGKILL replica 0; Prometheus saw it down and "
              f"BertNERReplicaDown {'fired' if alert_seen else 'did NOT fire'}; restarting it", flush=True)
        replicas[0].start()
        # The window in which the kill can show: until the restarted replica has been ready 1 s.
        phases.append(("kill + restart r0", t, time.monotonic() - load.t0 + 1))
        print(f"t={time.monotonic() - load.t0:5.1f}s  replica 0 ready again after {replicas[0].ready_seconds[-1]:.2f} s", flush=True)
        time.sleep(10)
        t = time.monotonic() - load.t0
        exit_codes = []
        for r in replicas:
            exit_codes.append(r.terminate())
            r.start()
            print(f"t={time.monotonic() - load.t0:5.1f}s  replica {r.index}: SIGTERM → exit {exit_codes[-1]}, "
                  f"restarted, ready after {r.ready_seconds[-1]:.2f} s", flush=True)
            time.sleep(2)
        phases.append(("rolling restart", t, time.monotonic() - load.t0))
        time.sleep(max(0.0, 60 - (time.monotonic() - load.t0)))
    finally:
        load.finish()
        # Two more scrapes, so the last requests are in Prometheus before the replicas stop.
        finished = time.time()
        prometheus.wait_for(f'timestamp(up{{instance="{killed}"}}) > {finished + 2:.3f}')
        ended_wall = time.time()
        for r in replicas:
            if r.process and r.process.poll() is None:
                r.process.terminate()
                r.process.wait()
        haproxy.terminate()
        haproxy.wait()

    records = load.records
    ok_records = [r for r in records if r[2] == 200]
    try:
        prometheus_results, prometheus_problems = prometheus_checks(prometheus, load, replicas, killed, alert_seen,
                                                                    started_wall, ended_wall, ok_records)
    finally:
        prometheus.stop()
    duration = max(s + l for s, l, _ in records)
    ok = [r for r in records if r[2] == 200]
    failed = [r for r in records if r[2] != 200]
    summary = {
        "sent": len(records), "answered_200": len(ok), "failed": len(failed),
        "duration_s": round(duration, 1), "throughput_rps": round(len(ok) / duration, 1),
        "p50_ms": round(1000 * percentile([l for _, l, _ in ok], 0.50), 1),
        "p99_ms": round(1000 * percentile([l for _, l, _ in ok], 0.99), 1),
        "phases": {name: {"from_s": round(a, 1), "to_s": round(b, 1),
                          "requests": sum(1 for s, _, _ in records if a <= s <= b),
                          "p99_ms": round(1000 * percentile([l for s, l, o in ok if a <= s <= b], 0.99), 1)}
                   for name, a, b in phases},
        "ready_after_restart_s": [round(x, 2) for r in replicas for x in r.ready_seconds[1:]],
        "sigterm_exit_codes": exit_codes,
        "failures": sorted({str(o) for _, _, o in failed})[:5],
        "prometheus": prometheus_results,
    }
    if args.overload:
        summary["overload"] = overload(args, workdir)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
    problems = list(prometheus_problems)
    if failed:
        problems.append(f"{len(failed)} requests failed")
    if any(code != 0 for code in exit_codes):
        problems.append(f"SIGTERM exit codes {exit_codes}")
    if args.overload:
        o = summary["overload"]
        if o["errors_other_than_503"]:
            problems.append(f"overload: {o['errors_other_than_503']} answers other than 200/503")
        if o["peak_rss_mb"] > 1024:
            problems.append(f"overload: peak RSS {o['peak_rss_mb']} MB over the 1 GiB limit")
        if o["p99_503_ms"] > 100:
            problems.append(f"overload: 503s took {o['p99_503_ms']} ms at p99 (should be immediate)")
    if problems:
        sys.exit("cluster test FAILED: " + "; ".join(problems) + f" (logs in {workdir})")
    print(f"cluster test passed: {len(records)} sent, {len(ok)} answered 200, 0 failed")


if __name__ == "__main__":
    main()
