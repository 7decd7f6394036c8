#!/usr/bin/env python3
"""`ner serve` against FastAPI servers of the same model (ONNX Runtime int8, OpenVINO int8), over HTTP, with wrk.

  make bench-http               (= .venv/bin/python Benchmarks/http/http_compare.py)
  .venv/bin/python Benchmarks/http/http_compare.py --seconds 2     (a smoke run)

For each server in turn (never two at once; `--rounds N` alternates their order N times): start it and time process start → first
`GET /ready` 200 (cold start); ask it for the entities of ~50 MSRA test sentences; then, at each
concurrency level, wait for an idle CPU and run wrk (threads = min(c, 2)) POSTing varied MSRA test
sentences to /ner, while sampling the summed VmRSS of the server's process tree every 100 ms;
stop it. Then check each peer gave the same entity spans as BertNER, print a markdown table per
peer (BertNER ÷ peer for req/s) and write everything to Benchmarks/.work/http-results.json.

A peer (Benchmarks/peers/fastapi_peer.py) runs uvicorn with 2 workers, 1 inference thread per
worker, on a graph that compare.py makes for the default model (re-made here with compare.py's own
functions, as compare.py does on every run). `--peer-graph` lists them: by default ORT's dynamic
int8 graph and OpenVINO's NNCF static int8 IR (calibrated on MSRA train sentences), against `ner
serve --precision auto` (the service's default: the fastest precision on this CPU, measured at
load; int8 on AVX-512 VNNI machines); `--precision fp32 --peer-graph ort-optimised,openvino-fp32`
compares the fp32 engines. `ner serve` runs without the environment's OPENBLAS_* variables, as in
compare.py (--keep-openblas-env keeps them).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks", "compare"))
import compare  # noqa: E402  (ONNX export, idle wait, machine info, CPU line; puts tools/ on sys.path)
from nerlib.data import read_char_tag_file  # noqa: E402

WORK = os.path.join(compare.WORK, "http")
MSRA_TEST = os.path.join(ROOT, "..", "shared", "data", "msra", "test.bioes")
PEER = os.path.join(ROOT, "Benchmarks", "peers", "fastapi_peer.py")
LUA = os.path.join(HERE, "post_ner.lua")
# Used for the load only when the MSRA test file is absent (the agreement check is skipped then).
FALLBACK_TEXTS = ["新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。",
                  "马云在杭州阿里巴巴总部发表演讲", "国务院总理在北京会见了外宾。",
                  "微软公司董事长比尔·盖茨访问上海。", "中共中央致中国致公党十一大的贺词"]


# ---- prerequisites ----------------------------------------------------------------------------------

def ensure_binary(ner):
    if not os.access(ner, os.X_OK):
        print(f"{ner} missing: running make release", flush=True)
        subprocess.run(["make", "release"], cwd=ROOT, check=True)
    if not os.access(ner, os.X_OK):
        sys.exit(f"{ner} still missing after make release")


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk (Debian package)…", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


# The graphs a peer can serve, and what its column is called.
PEER_GRAPHS = {"ort-int8": "FastAPI+ORT-int8", "ort-int8-pc": "FastAPI+ORT-int8-pc", "ort-optimised": "FastAPI+ORT-fp32",
               "openvino-int8": "FastAPI+OpenVINO-int8", "openvino-fp32": "FastAPI+OpenVINO-fp32"}


def peer_graphs(graphs):
    """{graph: path} of the default model's ONNX graphs and OpenVINO IRs, made by compare.py's own
    functions. OpenVINO's int8 calibrates on MSRA train sentences, or, without them, on the load's
    built-in sentences."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.onnx's tracer warnings say nothing about this model
        model, bundle = compare.default_model()
        folder = os.path.dirname(bundle)
        paths = dict(compare.export_onnx(model, folder))
        if any(g.startswith("openvino-") for g in graphs):
            with open(os.path.join(bundle, "tokenizer_config.json"), encoding="utf-8") as f:
                tokenizer = compare.tokenizer_for(os.path.join(bundle, "vocab.txt"),
                                                  do_lower_case=json.load(f).get("do_lower_case", True))
            fallback = [compare.np.array([[tokenizer.cls_token_id] + tokenizer(t, add_special_tokens=False)["input_ids"]
                                          + [tokenizer.sep_token_id]]) for t in FALLBACK_TEXTS]
            compare.openvino_models(compare.plain_onnx(model, folder), folder, compare.calibration(bundle, fallback))
            paths.update({f"openvino-{p}": os.path.join(folder, "openvino", f"{p}.xml") for p in ("fp32", "int8")})
        return {g: paths[g] for g in graphs}


def load_texts(path):
    if not os.path.exists(path):
        return None
    return [s.text for s in read_char_tag_file(path) if s.text.strip()]


def free_ports(count):
    """Ports the kernel picks, all held open until every one is chosen, so they differ."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# ---- memory of a process tree ---------------------------------------------------------------------

def tree_pids(root):
    """root and all its descendants (uvicorn's workers are children of its supervisor)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])  # the name may contain spaces
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children.get(pid, [])
    return pids


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass  # the process ended between listing and reading
    return 0


class TreeMemory(threading.Thread):
    """Samples the summed VmRSS of a process tree every 100 ms. `take()` returns the peak since
    the previous `take()`; `overall` is the peak of the whole life. (A sum of VmRSS counts pages
    shared between processes once per process — the usual, slightly pessimistic, reading.)"""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.overall = pid, 0, 0
        self.lock, self.stopped = threading.Lock(), threading.Event()

    def run(self):
        while not self.stopped.wait(0.1):
            total = sum(rss_kib(p) for p in tree_pids(self.pid))
            with self.lock:
                self.peak = max(self.peak, total)
                self.overall = max(self.overall, total)

    def take(self):
        with self.lock:
            peak, self.peak = self.peak, 0
        return round(peak / 1024, 1)


# ---- one server ---------------------------------------------------------------------------------------

class Server:
    def __init__(self, name, command, port, log_path, environment=None):
        self.name, self.command, self.port, self.log_path = name, command, port, log_path
        self.environment = environment
        self.url = f"http://127.0.0.1:{port}"

    def start(self):
        """Starts the process and returns seconds until the first /ready 200 (cold start)."""
        self.log = open(self.log_path, "w")
        started = time.monotonic()
        # Its own session: the harness can stop the whole tree without touching anything else.
        self.process = subprocess.Popen(self.command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True, env=self.environment)
        self.memory = TreeMemory(self.process.pid)
        self.memory.start()
        self.started = started
        while True:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited with {self.process.returncode} before /ready; log: {self.log_path}\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=1) as r:
                    if r.status == 200:
                        return round(time.monotonic() - started, 3)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() - started > 300:
                sys.exit(f"{self.name} not ready after 300 s; log: {self.log_path}")
            time.sleep(0.02)

    def wait_log_lines(self, marker, count, patience=300):
        """Seconds from start until the log holds `marker` `count` times (the peer's workers each
        report readiness; /ready alone says only that one of them is). Occurrences, not lines:
        two workers writing at once can share a line."""
        while time.monotonic() - self.started < patience:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                if f.read().count(marker) >= count:
                    return round(time.monotonic() - self.started, 3)
            time.sleep(0.02)
        sys.exit(f"{self.name}: fewer than {count} '{marker}' reports after {patience} s; log: {self.log_path}")

    def tail(self, lines=20):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self):
        if not hasattr(self, "process"):  # never started
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this harness created
                self.process.wait()
        self.memory.stopped.set()
        self.memory.join()
        self.log.close()


def post_ner(url, text):
    request = urllib.request.Request(url + "/ner", data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.load(r)["entities"]


def run_wrk(url, concurrency, seconds, bodies):
    threads = min(concurrency, 2)
    # A generous timeout: a slow answer should show up in the latency, not vanish as an error.
    command = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s",
               "-s", LUA, url + "/ner", "--", bodies]
    out = subprocess.run(command, capture_output=True, text=True)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if out.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({out.returncode}): {' '.join(command)}\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("WRK_JSON "):])
    errors = sum(raw["errors"].values())
    return {"concurrency": concurrency, "threads": threads,
            "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
            "errors": errors, "wrk": raw}


def measure(server, texts, levels, seconds, bodies, idle, workers):
    """Cold start, answers for the agreement check, and one wrk run per concurrency level."""
    result = {"command": server.command}
    result["cpu_busy_before_start"], result["load_avg_before_start"] = compare.wait_idle(*idle)
    print(f"{server.name}: starting {' '.join(server.command)}", flush=True)
    try:  # whatever fails from here on, the server is stopped
        result["cold_start_s"] = server.start()
        print(f"{server.name}: ready in {result['cold_start_s']} s", flush=True)
        if workers:
            result["all_workers_ready_s"] = server.wait_log_lines("peer worker", workers)
        result["peak_rss_loading_mib"] = server.memory.take()
        result["answers"] = [post_ner(server.url, t) for t in texts]
        result["levels"] = []
        for c in levels:
            busy, load = compare.wait_idle(*idle)
            server.memory.take()
            level = run_wrk(server.url, c, seconds, bodies)
            level.update(peak_rss_mib=server.memory.take(), cpu_busy_before=busy, load_avg=load)
            result["levels"].append(level)
            print(f"{server.name} c={c}: {level['requests_per_s']} req/s, p50 {level['p50_ms']} ms, "
                  f"p99 {level['p99_ms']} ms, errors {level['errors']}, peak RSS {level['peak_rss_mib']} MiB "
                  f"(other CPU before {100 * busy:.0f} %, load {load})", flush=True)
    finally:
        server.stop()
    result["peak_rss_mib"] = round(server.memory.overall / 1024, 1)
    return result


def combine(runs):
    """One server's rounds as one result: medians of rates, latencies and start times, the largest
    memory and background load, all errors, and each round's requests/s per level."""
    median = statistics.median
    merged = dict(runs[0])
    merged["rounds"] = len(runs)
    merged["cold_start_s"] = median([r["cold_start_s"] for r in runs])
    if "all_workers_ready_s" in runs[0]:
        merged["all_workers_ready_s"] = median([r["all_workers_ready_s"] for r in runs])
    merged["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    merged["levels"] = []
    for levels in zip(*(r["levels"] for r in runs)):
        level = dict(levels[0])
        for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms"):
            if key in level:
                level[key] = median([l[key] for l in levels])
        level["errors"] = sum(l["errors"] for l in levels)
        for key in ("peak_rss_mib", "cpu_busy_before", "load_avg"):
            level[key] = max(l[key] for l in levels)
        level["requests_per_s_by_round"] = [l["requests_per_s"] for l in levels]
        merged["levels"].append(level)
    return merged


# ---- agreement and report -------------------------------------------------------------------------------

def agreement(texts, ours, theirs):
    """Same spans (start, end, type) per sentence; scores compared where the spans match."""
    same, both, only_ours, only_theirs, score_delta, differing = 0, 0, 0, 0, 0.0, []
    for text, a, b in zip(texts, ours, theirs):
        sa = {(e["start"], e["end"], e["type"]): e.get("score") for e in a}
        sb = {(e["start"], e["end"], e["type"]): e.get("score") for e in b}
        same += sa.keys() == sb.keys()
        both += len(sa.keys() & sb.keys())
        only_ours += len(sa.keys() - sb.keys())
        only_theirs += len(sb.keys() - sa.keys())
        for key in sa.keys() & sb.keys():
            if sa[key] is not None and sb[key] is not None:
                score_delta = max(score_delta, abs(sa[key] - sb[key]))
        if sa.keys() != sb.keys() and len(differing) < 5:
            differing.append({"text": text, "bertner": sorted(sa), "peer": sorted(sb)})
    return {"sentences": len(texts), "identical_sentences": same, "spans_in_both": both,
            "spans_only_bertner": only_ours, "spans_only_peer": only_theirs,
            "max_abs_score_diff": round(score_delta, 6), "examples_of_differences": differing}


def table(ours, peer, label):
    lines = [f"| concurrency (wrk threads) | BertNER req/s | {label} req/s | req/s BertNER ÷ peer "
             f"| BertNER p50 / p99 ms | {label} p50 / p99 ms | errors BertNER / peer "
             "| peak RSS MiB BertNER / peer | other CPU before / 1-min load | ratio per round |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for a, b in zip(ours["levels"], peer["levels"]):
        ratio = a["requests_per_s"] / b["requests_per_s"] if b["requests_per_s"] else float("nan")
        per_round = " / ".join(f"{x / y:.2f}" if y else "nan"
                               for x, y in zip(a["requests_per_s_by_round"], b["requests_per_s_by_round"]))
        busy = max(a["cpu_busy_before"], b["cpu_busy_before"])
        load = max(a["load_avg"], b["load_avg"])
        lines.append(f"| {a['concurrency']} ({a['threads']}) | {a['requests_per_s']:.1f} | {b['requests_per_s']:.1f} "
                     f"| {ratio:.2f} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} | {b['p50_ms']:.1f} / {b['p99_ms']:.1f} "
                     f"| {a['errors']} / {b['errors']} | {a['peak_rss_mib']:.0f} / {b['peak_rss_mib']:.0f} "
                     f"| {100 * busy:.0f} % / {load:.2f} | {per_round} |")
    return "\n".join(lines)


def summary_lines(ours, peer, agree, label):
    lines = [f"Cold start (process start → first /ready 200): BertNER {ours['cold_start_s']:.2f} s, "
             f"{label} {peer['cold_start_s']:.2f} s (all workers ready: {peer['all_workers_ready_s']:.2f} s).",
             f"Peak RSS of the process tree over the whole run: BertNER {ours['peak_rss_mib']:.0f} MiB, "
             f"{label} {peer['peak_rss_mib']:.0f} MiB."]
    if agree is None:
        lines.append(f"Agreement: skipped ({MSRA_TEST} not found).")
    else:
        lines.append(f"Agreement with {label} on {agree['sentences']} MSRA test sentences: {agree['identical_sentences']} with "
                     f"identical entity spans; spans in both {agree['spans_in_both']}, only BertNER "
                     f"{agree['spans_only_bertner']}, only peer {agree['spans_only_peer']}; "
                     f"max |Δ score| {agree['max_abs_score_diff']:.1e}.")
    return lines


def versions():
    info = compare.machine()
    import fastapi
    import uvicorn
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    info.update(fastapi=fastapi.__version__, uvicorn=uvicorn.__version__,
                wrk=(wrk.stdout + wrk.stderr).split("Copyright")[0].strip())
    return info


# ---- main ------------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ner", default=os.path.join(ROOT, ".build", "release", "ner"))
    p.add_argument("--model", default=os.path.join(ROOT, "Weights", "default"))
    p.add_argument("--seconds", type=int, default=20, help="wrk duration per concurrency level")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--rounds", type=int, default=1,
                   help="runs of each server, alternating which goes first; medians are reported with each round's ratio")
    p.add_argument("--agreement-sentences", type=int, default=50)
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "int8"], help="ner serve --precision (its default: auto)")
    p.add_argument("--peer-graph", default="ort-int8,openvino-int8",
                   help=f"the peers' graphs, comma-separated, from {', '.join(PEER_GRAPHS)} (default: both int8 peers; "
                        "ort-optimised,openvino-fp32 for the fp32 engines)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of the peer")
    p.add_argument("--idle-load", type=float, default=0.15, help="wait until other processes use less than this fraction of the CPU")
    p.add_argument("--idle-patience", type=float, default=60, help="longest wait for an idle CPU, seconds")
    p.add_argument("--json-out", default=os.path.join(compare.WORK, "http-results.json"))
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="run ner serve with the environment's OPENBLAS_* variables (default: removed, as in compare.py)")
    args = p.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    graphs = [g for g in args.peer_graph.split(",") if g]
    if not graphs or any(g not in PEER_GRAPHS for g in graphs):
        p.error(f"--peer-graph: choose from {', '.join(PEER_GRAPHS)}")
    idle = (args.idle_load, args.idle_patience)
    os.makedirs(WORK, exist_ok=True)

    ensure_binary(args.ner)
    ensure_wrk()
    paths = peer_graphs(graphs)
    corpus = load_texts(MSRA_TEST)
    if corpus is None:
        print(f"{MSRA_TEST} not found: skipping the agreement check; the load uses {len(FALLBACK_TEXTS)} built-in sentences",
              flush=True)
    load = corpus or FALLBACK_TEXTS
    bodies = os.path.join(WORK, "bodies.txt")
    with open(bodies, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in load)
    n = min(args.agreement_sentences, len(corpus or []))
    sample = [corpus[i * len(corpus) // n] for i in range(n)]  # spread over the file

    ours_port, peer_port = free_ports(2)
    ours = Server("bertner", [args.ner, "serve", "--model", args.model, "--host", "127.0.0.1", "--port", str(ours_port),
                              "--drain-seconds", "0", "--precision", args.precision], ours_port, os.path.join(WORK, "bertner.log"),
                  environment=compare.bertner_environment(args.keep_openblas_env))
    peers = {g: Server(f"fastapi-{g}", [sys.executable, PEER, "--model", args.model, "--graph", paths[g], "--port", str(peer_port),
                                         "--workers", str(args.workers)], peer_port, os.path.join(WORK, f"fastapi-{g}.log"))
             for g in graphs}
    # Rounds rotate which server goes first: this machine's speed drifts by 10–25 % within
    # minutes, so one pass of each compares different machines.
    order = [("bertner", ours, 0)] + [(g, server, args.workers) for g, server in peers.items()]
    runs = {name: [] for name, _, _ in order}
    for round_index in range(args.rounds):
        shift = round_index % len(order)
        for name, server, workers in order[shift:] + order[:shift]:
            runs[name].append(measure(server, sample, levels, args.seconds, bodies, idle, workers=workers))
    results = {name: combine(measured) for name, measured in runs.items()}

    ours = results["bertner"]
    answers = {name: result.pop("answers") for name, result in results.items()}
    agree = {g: agreement(sample, answers["bertner"], answers[g]) if sample else None for g in graphs}
    report = {"machine": versions(),
              "settings": {"seconds": args.seconds, "rounds": args.rounds, "concurrency": levels, "model": args.model,
                           "peer_graphs": paths, "peer_workers": args.workers, "peer_threads": 1,
                           "precision": args.precision,
                           "corpus": MSRA_TEST if corpus else "built-in sentences", "corpus_sentences": len(load)},
              "servers": results, "agreement": agree}
    with open(args.json_out, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=2)
    print()
    print(compare.cpu_line())
    for g in graphs:
        print()
        print(table(ours, results[g], PEER_GRAPHS[g]))
        print()
        print("\n".join(summary_lines(ours, results[g], agree[g], PEER_GRAPHS[g])))
    print(f"\nraw results: {args.json_out}")


if __name__ == "__main__":
    main()
