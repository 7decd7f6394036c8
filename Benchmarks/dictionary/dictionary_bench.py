#!/usr/bin/env python3
"""What a large user dictionary costs: load time and memory of a 1,000,000-entry file, and the time
dictionary matching (plus the constrained decoding of what it matches) adds to `ner eval` on MSRA test.

  python3 Benchmarks/dictionary/dictionary_bench.py            (make bench-dictionary)

The dictionary: every entity mention of MSRA train, then synthetic words of 2–6 characters drawn
from MSRA train's character frequencies (so many of them occur in the test text — a worst case for
matching), types PER/LOC/ORG and 10 % O, until 1,000,000 distinct words. Deterministic (seed 7).
Peak RSS is measured by /usr/bin/time around `ner info` with and without the dictionary; eval time
as the fastest of --rounds runs each way, alternating, in one process tree (never compare seconds
across sessions: compare the ratio). Needs ../shared/data/msra and a release build.
"""
import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from nerlib.data import read_char_tag_file, spans_from_tags  # noqa: E402

MSRA = os.path.join(ROOT, "..", "shared", "data", "msra")


def make_dictionary(path, size, seed=7):
    sentences = read_char_tag_file(os.path.join(MSRA, "train.bioes"))
    words = {}
    for sentence in sentences:
        for start, end, kind in spans_from_tags(sentence.tags):
            words.setdefault(sentence.text[start:end], kind)
    characters = collections.Counter(c for s in sentences for c in s.text if "\u4e00" <= c <= "\u9fff")
    alphabet, weights = zip(*characters.most_common())
    rng = random.Random(seed)
    while len(words) < size:
        length = rng.choice([2, 2, 3, 3, 3, 4, 4, 5, 6])
        word = "".join(rng.choices(alphabet, weights=weights, k=length))
        words.setdefault(word, "O" if rng.random() < 0.1 else rng.choice(["PER", "LOC", "ORG"]))
    with open(path, "w", encoding="utf-8") as f:
        for word, kind in list(words.items())[:size]:
            f.write(f"{word}\t{kind}\n")


# OpenBLAS picks its kernels by cpuid unless told otherwise (Docs/BENCHMARKS.md, "OpenBLAS kernels").
ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def peak_rss_kib(command):
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True, check=True, env=ENV)
    return int(result.stderr.strip().splitlines()[-1]), result.stdout


def eval_seconds(ner, data, precision, threads, dictionary=None):
    command = [ner, "eval", "--data", data, "--json", "--precision", precision, "--threads", str(threads)]
    if dictionary:
        command += ["--dictionary", dictionary]
    record = json.loads(subprocess.run(command, capture_output=True, text=True, check=True, env=ENV).stdout)
    return record["seconds"], record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ner", default=os.path.join(ROOT, ".build", "release", "ner"))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--precision", default="int8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", default=os.path.join(ROOT, "Benchmarks", ".work", "dictionary"))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    big = os.path.join(args.work, f"dictionary-{args.entries}.tsv")
    if not os.path.exists(big):
        make_dictionary(big, args.entries)
    summary = {"entries": args.entries, "file_bytes": os.path.getsize(big), "precision": args.precision, "threads": args.threads}

    base_rss, _ = peak_rss_kib([args.ner, "info"])
    rss, info = peak_rss_kib([args.ner, "info", "--dictionary", big])
    line = next(l for l in info.splitlines() if l.startswith("dictionary:"))
    summary["load_seconds"] = float(re.search(r"loaded in ([0-9.]+) s", line).group(1))
    summary["table_mib"] = float(re.search(r"([0-9.]+) MiB", line).group(1))
    summary["extra_peak_rss_mib"] = round((rss - base_rss) / 1024, 1)

    test = os.path.join(MSRA, "test.bioes")
    plain, with_dictionary = [], []
    for _ in range(args.rounds):
        plain.append(eval_seconds(args.ner, test, args.precision, args.threads)[0])
        seconds, record = eval_seconds(args.ner, test, args.precision, args.threads, big)
        with_dictionary.append(seconds)
    summary["eval_seconds"] = min(plain)
    summary["eval_seconds_with_dictionary"] = min(with_dictionary)
    summary["eval_overhead_percent"] = round(100 * (min(with_dictionary) / min(plain) - 1), 2)
    summary["dictionary_matches_in_test"] = record["dictionary"]["matches"]
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
