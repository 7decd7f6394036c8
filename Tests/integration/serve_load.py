#!/usr/bin/env python3
"""Measurements of `ner serve` that the unit suite cannot make on a shared machine (make test-serve-load):

1. --threads: process CPU time / wall time under concurrent load, for --threads 1 and 2. Fails
   unless --threads 1 stays at or below 1.3 cores and --threads 2 uses more than --threads 1.
2. Abandoned clients: 20 requests of 20,000 characters whose clients close right after sending;
   the next small request must be answered within 10 s (computing all 20 takes about a minute),
   and /metrics must count 20 dropped (19 if one finished before the others were queued).

Uses the release binary; prints a summary table and exits non-zero on any failed check.
"""
import argparse, json, os, socket, subprocess, sys, threading, time, urllib.request

def start(ner, model, *flags):
    process = subprocess.Popen([ner, "serve", "--host", "127.0.0.1", "--port", "0", "--model", model, "--drain-seconds", "0", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    port = int(line.strip().rsplit(":", 1)[1])
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/ready").status == 200: return process, port
        except Exception: pass
        time.sleep(0.05)
    process.kill(); raise SystemExit("server not ready")

def post(port, text, timeout=600):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/ner", data=json.dumps({"text": text}).encode())
    return urllib.request.urlopen(request, timeout=timeout).read()

def metrics(port):
    values = {}
    for line in urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1); values[name] = float(value)
    return values

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

SENTENCE = "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿。"

def threads_case(ner, model, threads, clients=4, requests=40):
    process, port = start(ner, model, "--threads", str(threads))
    try:
        info = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/info").read())
        text = SENTENCE * 8
        post(port, text)
        before, started = cpu_seconds(process.pid), time.time()
        def client():
            for _ in range(requests // clients): post(port, text)
        workers = [threading.Thread(target=client) for _ in range(clients)]
        for w in workers: w.start()
        for w in workers: w.join()
        wall = time.time() - started
        return info["configuration"]["threads"], (cpu_seconds(process.pid) - before) / wall, requests / wall
    finally:
        process.kill(); process.wait()

def abandoned_case(ner, model, count=20):
    process, port = start(ner, model)
    try:
        text = (SENTENCE * (20000 // len(SENTENCE) + 1))[:20000]
        body = json.dumps({"text": text}).encode()
        started = time.time(); post(port, text); one = time.time() - started
        base = metrics(port)
        sockets = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /ner HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            sockets.append(s)
        while metrics(port).get("ner_queue_depth", 0) < count - 1: time.sleep(0.02)
        for s in sockets: s.close()
        started = time.time(); post(port, "江泽民在北京"); small = time.time() - started
        after = metrics(port)
        dropped = after['ner_dropped_total{reason="client_gone"}'] - base['ner_dropped_total{reason="client_gone"}']
        computed = after["ner_inference_tokens_total"] - base["ner_inference_tokens_total"]
        return one, small, dropped, computed
    finally:
        process.kill(); process.wait()

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ner", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    failures = []
    rows = {t: threads_case(args.ner, args.model, t) for t in (1, 2)}
    print("| --threads | /info threads | cores used (CPU s / wall s) | requests/s |\n|---|---|---|---|")
    for t, (reported, cores, rate) in rows.items(): print(f"| {t} | {reported} | {cores:.2f} | {rate:.1f} |")
    if rows[1][0] != 1 or rows[2][0] != 2: failures.append("/info does not report the --threads value")
    if rows[1][1] > 1.3: failures.append(f"--threads 1 used {rows[1][1]:.2f} cores (limit 1.3)")
    if rows[2][1] <= rows[1][1]: failures.append("--threads 2 used no more CPU than --threads 1")
    one, small, dropped, computed = abandoned_case(args.ner, args.model)
    print(f"\none 20,000-character text alone: {one:.2f} s (all 20: ≈ {20 * one:.0f} s)")
    print(f"small request after 20 abandoned: answered in {small:.2f} s; dropped {dropped:.0f}; word pieces computed meanwhile {computed:.0f}")
    if small >= 10: failures.append(f"small request took {small:.1f} s (limit 10)")
    if dropped < 19: failures.append(f"only {dropped:.0f} abandoned requests counted")
    for failure in failures: print("FAIL:", failure)
    sys.exit(1 if failures else 0)

if __name__ == "__main__":
    main()
