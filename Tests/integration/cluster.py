"""Replicas behind haproxy under faults; see cluster.sh. Standard library only."""
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

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
    phases = []  # (name, start, end) in load time
    print(f"load: {args.rate:.0f} req/s offered by {args.workers} workers through haproxy :{frontend}", flush=True)
    load.run()
    try:
        time.sleep(10)
        t = time.monotonic() - load.t0
        replicas[0].kill()
        print(f"t={t:5.1f}s  SIGKILL replica 0; restarting it", flush=True)
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
        for r in replicas:
            if r.process and r.process.poll() is None:
                r.process.terminate()
                r.process.wait()
        haproxy.terminate()
        haproxy.wait()

    records = load.records
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
    }
    if args.overload:
        summary["overload"] = overload(args, workdir)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
    problems = []
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
