"""BertNER-int8 against ONNX Runtime's int8 graphs on chosen shapes, in alternating rounds.

A quick A/B for work on the int8 engine: `compare.py` runs every engine once per shape, so one
noisy stretch of a shared machine moves a whole row; this alternates `ner bench --precision int8`
with ORT's dynamic int8 graphs (per tensor and per channel) for several rounds and keeps each
engine's best median, which is steadier between runs. It reuses the bundles and graphs that
`make bench-compare` wrote to Benchmarks/.work (run that once first).

    .venv/bin/python Benchmarks/compare/int8_vs_ort.py --shapes base:1x128:1,default:8x128:2 --rounds 3
    .venv/bin/python Benchmarks/compare/int8_vs_ort.py --ner /tmp/ner-before   # the same for another binary
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

from compare import cpu_line

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "Benchmarks", ".work")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ner", default=os.path.join(ROOT, ".build", "release", "ner"))
    p.add_argument("--shapes", default="base:1x128:1,base:8x128:2,default:1x128:1,default:8x128:2",
                   help="model:batchxlength:threads, comma-separated")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    # As compare.py: OpenBLAS picks its own kernels (see Docs/BENCHMARKS.md, "OpenBLAS kernels").
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    print(cpu_line(), flush=True)
    for spec in args.shapes.split(","):
        model, shape, threads = spec.split(":")
        batch, length = map(int, shape.split("x"))
        threads = int(threads)
        folder = os.path.join(WORK, model)
        if not os.path.isdir(os.path.join(folder, "bundle")):
            sys.exit(f"{folder}/bundle is missing: run make bench-compare once first")
        with open(os.path.join(folder, "bundle", "vocab.txt"), encoding="utf-8") as f:
            vocabulary = [line.rstrip("\n") for line in f]
        cls, sep = vocabulary.index("[CLS]"), vocabulary.index("[SEP]")
        ids = np.random.default_rng(7).integers(max(cls, sep) + 1, len(vocabulary), size=(batch, length))
        ids[:, 0], ids[:, -1] = cls, sep
        inputs = os.path.join(WORK, f"ab-inputs-{model}-{batch}x{length}.json")
        with open(inputs, "w") as f:
            json.dump(ids.tolist(), f)
        # About 200 ms of work per timed set, at least 5 runs.
        iterations = max(5, int(200 / (batch * length / 32 * (12 if model == "base" else 4))))
        sessions = {}
        for label, graph in (("ort-int8", "int8.onnx"), ("ort-int8-pc", "int8-per-channel.onnx")):
            path = os.path.join(folder, graph)
            if os.path.exists(path):
                options = ort.SessionOptions()
                options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
                sessions[label] = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feed = {"input_ids": ids.astype(np.int64), "attention_mask": np.ones_like(ids, dtype=np.int64)}
        medians = {"bertner-int8": [], **{label: [] for label in sessions}}
        for _ in range(args.rounds):
            out = subprocess.run([args.ner, "bench", "--model", os.path.join(folder, "bundle"), "--inputs", inputs,
                                  "--threads", str(threads), "--iterations", str(iterations), "--json",
                                  "--precision", "int8"], capture_output=True, text=True, env=environment)
            if out.returncode:
                sys.exit(out.stderr)
            medians["bertner-int8"].append(json.loads(out.stdout)["median_ms"])
            for label, session in sessions.items():
                for _ in range(3):
                    session.run(None, feed)
                samples = []
                for _ in range(iterations):
                    start = time.perf_counter()
                    session.run(None, feed)
                    samples.append((time.perf_counter() - start) * 1000)
                medians[label].append(statistics.median(samples))
        best = {label: min(values) for label, values in medians.items()}
        ort_best = min(value for label, value in best.items() if label != "bertner-int8")
        peers = ", ".join(f"{label} {value:.2f} ms" for label, value in best.items() if label != "bertner-int8")
        print(f"{model} {batch}×{length} t{threads}: bertner-int8 {best['bertner-int8']:.2f} ms, {peers}; "
              f"best ORT-int8 ÷ BertNER-int8 {ort_best / best['bertner-int8']:.2f}", flush=True)


if __name__ == "__main__":
    main()
