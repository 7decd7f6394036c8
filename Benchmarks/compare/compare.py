#!/usr/bin/env python3
"""BertNER against ONNX Runtime and PyTorch on the same weights, inputs and thread counts.

  make bench-compare            (= .venv/bin/python Benchmarks/compare/compare.py)

Builds a BERT-base-geometry model (12 layers, hidden 768, 12 heads, 3072, vocabulary 21,128,
13 labels; random weights, seed 0, generated under Benchmarks/.work and never committed) and takes
the shipped default model; exports each to a BertNER bundle (F32) and to ONNX (plain; ORT's
transformer-optimised fp32; ORT dynamic int8, per tensor and per channel). Then, per shape and
thread count, it runs `ner bench --json` (BertNER fp32, bf16 and int8), ONNX Runtime and PyTorch one
after another on identical token ids, checks that the fp32 engines agree on the logits (the
reduced-precision ones are reported, not checked), and prints medians, p90 and ratios to BertNER. Before
each engine it waits (up to 60 s) until other processes use < 15 % of the CPU, and records that
and the load average, so that noisy runs are visible.

OpenBLAS variables: every engine picks its kernels for this CPU itself (ORT's MLAS and PyTorch by
cpuid), so BertNER runs with the environment's OPENBLAS_* variables removed — OPENBLAS_CORETYPE
would otherwise pin OpenBLAS to older kernels (Haswell = AVX2 on an AVX-512 CPU, up to 1.7× slower).
--keep-openblas-env keeps them; the table header names the OpenBLAS core either way.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from evaluate import load_bundle  # noqa: E402
from nerlib.model import BertCrfTagger, bioes_labels, save_bundle  # noqa: E402
from transformers import BertConfig  # noqa: E402

WORK = os.path.join(ROOT, "Benchmarks", ".work")
VOCAB = os.path.join(ROOT, "..", "shared", "vocab", "bert-base-chinese-vocab.txt")


def cpu_busy(seconds=0.5):
    """Fraction of all cores busy over `seconds` (from /proc/stat), while this script sleeps."""
    def snapshot():
        with open("/proc/stat") as f:
            fields = [float(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    total0, idle0 = snapshot()
    time.sleep(seconds)
    total1, idle1 = snapshot()
    return 1 - (idle1 - idle0) / max(1e-9, total1 - total0)


def wait_idle(limit=0.15, patience=60):
    """Waits until other processes use < `limit` of the CPU (the load average would also count our
    own previous run, so it is recorded, not waited on). Returns (busy fraction, 1-min load)."""
    start = time.time()
    busy = cpu_busy()
    while busy > limit and time.time() - start < patience:
        busy = cpu_busy()
    return round(busy, 3), round(os.getloadavg()[0], 2)


# ---- models --------------------------------------------------------------------------------------

def special_ids(bundle):
    """Ids of the special tokens in the bundle's vocab.txt (a pruned vocabulary renumbers them)."""
    with open(os.path.join(bundle, "vocab.txt"), encoding="utf-8") as f:
        ids = {line.rstrip("\n"): i for i, line in enumerate(f)}
    return {token: ids[token] for token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}


def base_model():
    """BERT-base geometry, random weights (seeded), with a CRF: the shape the targets are about."""
    bundle = os.path.join(WORK, "base", "bundle")
    torch.manual_seed(0)
    labels = bioes_labels()
    config = BertConfig(vocab_size=21128, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, max_position_embeddings=512, num_labels=len(labels),
                        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    config._attn_implementation = "eager"
    model = BertCrfTagger(config).eval()
    if not os.path.exists(os.path.join(bundle, "model.safetensors")):
        # bert-base-chinese's 21,128 tokens; the committed tokenizer-fixture copy when ../shared is absent
        # (not Weights/default's, whose vocabulary is pruned).
        vocab = VOCAB if os.path.exists(VOCAB) else os.path.join(ROOT, "Tests", "Fixtures", "tokenizer", "vocab.txt")
        save_bundle(model, vocab, bundle, dtype=torch.float32)
    model, _, _ = load_bundle(bundle)  # exactly the weights BertNER reads
    return model.eval(), bundle


def default_model():
    """The shipped model, re-saved as F32 so that every engine computes from identical weights."""
    folder = os.path.join(WORK, "default")
    bundle = os.path.join(folder, "bundle")
    # Always rebuilt (seconds for this model): a cached copy would go stale when Weights/ changes.
    shutil.rmtree(folder, ignore_errors=True)
    model, _, _ = load_bundle(os.path.join(ROOT, "Weights", "default"))
    save_bundle(model, os.path.join(ROOT, "Weights", "default", "vocab.txt"), bundle, dtype=torch.float32)
    return model.eval(), bundle


class Emissions(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model.token_classifier

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def export_onnx(model, folder):
    """plain.onnx (as exported), optimized.onnx (ORT transformer fusions, fp32), int8.onnx."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    plain = os.path.join(folder, "plain.onnx")
    if not os.path.exists(plain):
        ids = torch.ones(1, 16, dtype=torch.long)
        # eval() on the wrapper: export restores the wrapper's mode afterwards, recursively, and a
        # fresh Module is in training mode — which would leave dropout on for the PyTorch runs.
        torch.onnx.export(Emissions(model).eval(), (ids, torch.ones_like(ids)), plain, input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                        "logits": {0: "batch", 1: "sequence"}})
    optimized = os.path.join(folder, "optimized.onnx")
    if not os.path.exists(optimized):
        c = model.config
        optimize_model(plain, model_type="bert", num_heads=c.num_attention_heads, hidden_size=c.hidden_size).save_model_to_file(optimized)
    int8 = os.path.join(folder, "int8.onnx")
    if not os.path.exists(int8):
        # From the plain graph: the quantizer's shape inference does not know ORT's fused ops.
        import onnx
        quantize_dynamic(plain, int8, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    int8_channel = os.path.join(folder, "int8-per-channel.onnx")
    if not os.path.exists(int8_channel):
        import onnx
        quantize_dynamic(plain, int8_channel, weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return {"ort-optimised": optimized, "ort-plain": plain, "ort-int8": int8, "ort-int8-pc": int8_channel}


# ---- engines -------------------------------------------------------------------------------------

def time_calls(call, iterations, warmup=3, warmup_seconds=0.2):
    """Median and p90 of `iterations` timed calls after `warmup` calls and at least `warmup_seconds`
    untimed — as `ner bench` warms up, so that idle cores reach their clock before either is timed."""
    end = time.perf_counter() + warmup_seconds
    done = 0
    while done < warmup or time.perf_counter() < end:
        call()
        done += 1
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[min(len(samples) - 1, int(0.9 * len(samples)))]}


def bertner_environment(keep_openblas):
    """The environment for `ner bench`: without OPENBLAS_* unless asked to keep them."""
    return {k: v for k, v in os.environ.items() if keep_openblas or not k.startswith("OPENBLAS_")}


def run_bertner(ner, bundle, ids, threads, iterations, environment, precision="fp32"):
    inputs = os.path.join(WORK, "inputs.json")
    logits_path = os.path.join(WORK, "bertner-logits.json")
    with open(inputs, "w") as f:
        json.dump(ids.tolist(), f)
    out = subprocess.run([ner, "bench", "--model", bundle, "--inputs", inputs, "--threads", str(threads),
                          "--iterations", str(iterations), "--json", "--logits-out", logits_path,
                          "--precision", precision],
                         check=True, capture_output=True, text=True, env=environment)
    record = json.loads(out.stdout)
    with open(logits_path) as f:
        logits = np.array(json.load(f), dtype=np.float32)
    return {"median_ms": record["median_ms"], "p90_ms": record["p90_ms"], "encoder_gflops": record["encoder_gflops"],
            "sgemm_gflops": record["sgemm_gflops"], "blas": record["blas"], "kernels": record.get("kernels", "")}, logits


def run_ort(path, ids, threads, iterations):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {"input_ids": ids.astype(np.int64), "attention_mask": np.ones_like(ids, dtype=np.int64)}
    logits = session.run(None, feed)[0]
    return time_calls(lambda: session.run(None, feed), iterations), logits


def run_torch(model, ids, threads, iterations):
    torch.set_num_threads(threads)
    model.eval()
    tensor = torch.from_numpy(ids.astype(np.int64))
    mask = torch.ones_like(tensor)
    with torch.inference_mode():
        logits = model.emissions(tensor, mask).numpy()
        timing = time_calls(lambda: model.emissions(tensor, mask), iterations)
    return timing, logits


# ---- main ----------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ner", default=os.path.join(ROOT, ".build", "release", "ner"))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    p.add_argument("--models", default="base,default", help="which models to run (base, default)")
    p.add_argument("--idle-load", type=float, default=0.15, help="wait until other processes use less than this fraction of the CPU")
    p.add_argument("--json-out", default=os.path.join(WORK, "results.json"))
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="run BertNER with the environment's OPENBLAS_* variables (default: removed, see above)")
    args = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]

    cases = []  # (model name, batch, sequence, iterations)
    for batch, length, iterations in [(1, 32, 30), (1, 128, 20), (1, 512, 8), (8, 128, 8)]:
        cases.append(("base", batch, length, max(3, iterations // (4 if args.quick else 1))))
    for batch, length, iterations in [(1, 32, 50), (1, 128, 30), (8, 128, 15)]:
        cases.append(("default", batch, length, max(3, iterations // (4 if args.quick else 1))))

    chosen = set(args.models.split(","))
    cases = [c for c in cases if c[0] in chosen]
    models = {}
    for name, build in (("base", base_model), ("default", default_model)):
        if name not in chosen:
            continue
        model, bundle = build()
        folder = os.path.dirname(bundle)
        models[name] = (model, bundle, export_onnx(model, folder), special_ids(bundle))
        print(f"{name}: bundle {bundle}, ONNX in {folder}", flush=True)

    environment = bertner_environment(args.keep_openblas_env)
    removed = sorted(f"{k}={v}" for k, v in os.environ.items() if k not in environment)
    if removed:
        print(f"BertNER runs without {', '.join(removed)} (--keep-openblas-env keeps them)", flush=True)
    rng = np.random.default_rng(7)
    results = []
    for name, batch, length, iterations in cases:
        model, bundle, onnx_files, specials = models[name]
        ids = rng.integers(max(specials.values()) + 1, model.config.vocab_size, size=(batch, length))
        ids[:, 0], ids[:, -1] = specials["[CLS]"], specials["[SEP]"]
        for t in threads:
            row = {"model": name, "batch": batch, "sequence": length, "threads": t, "engines": {}}
            reference = None
            engines = [("bertner", lambda: run_bertner(args.ner, bundle, ids, t, iterations, environment))]
            engines += [(f"bertner-{p}", (lambda p=p: run_bertner(args.ner, bundle, ids, t, iterations, environment, p)))
                        for p in ("int8", "bf16")]
            engines += [(label, (lambda path=path: run_ort(path, ids, t, iterations))) for label, path in onnx_files.items()]
            engines += [("pytorch", lambda: run_torch(model, ids, t, iterations))]
            for label, run in engines:
                busy, load = wait_idle(args.idle_load)
                timing, logits = run()
                if reference is None:
                    reference = logits
                delta = float(np.max(np.abs(logits - reference)))
                if label in ("ort-optimised", "ort-plain", "pytorch") and delta > 1e-3:
                    sys.exit(f"{label} disagrees with BertNER on {name} {batch}×{length}: max |Δ logits| {delta:.3g}")
                row["engines"][label] = {**timing, "cpu_busy_before": busy, "load_avg": load, "max_abs_diff_vs_bertner": delta}
            results.append(row)
            print(format_row(row), flush=True)
    with open(args.json_out, "w") as f:
        json.dump({"machine": machine(), "removed_environment": removed, "results": results}, f, indent=2)
    print()
    print(f"BertNER: {results[0]['engines']['bertner']['blas']}" if results else "")
    print(table(results))
    print(f"\nraw results: {args.json_out}")


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import onnxruntime
    return {"cpu": cpu, "cores": os.cpu_count(), "onnxruntime": onnxruntime.__version__, "torch": torch.__version__}


def format_row(row):
    parts = [f"{row['model']} {row['batch']}×{row['sequence']} t{row['threads']}:"]
    for label, e in row["engines"].items():
        parts.append(f"{label} {e['median_ms']:.1f} ms")
    return "  ".join(parts)


def table(results):
    engines = ["bertner", "bertner-bf16", "bertner-int8", "ort-optimised", "ort-plain", "ort-int8", "ort-int8-pc", "pytorch"]
    lines = ["| model | batch × seq | threads | " + " | ".join(f"{e} median / p90 ms" for e in engines)
             + " | ORT-opt ÷ BertNER | best ORT fp32 ÷ BertNER | **best ORT-int8 ÷ BertNER-int8** | BertNER fp32 ÷ bf16 "
             + "| BertNER GFLOP/s ÷ sgemm | int8 GOPS | max \\|Δ logits\\| fp32 / int8 / bf16 | other CPU before / 1-min load |",
             "|---|---|---|" + "---|" * (len(engines) + 8)]
    for row in results:
        e = row["engines"]
        cells = [f"{e[x]['median_ms']:.1f} / {e[x]['p90_ms']:.1f}" for x in engines]
        ratio = e["ort-optimised"]["median_ms"] / e["bertner"]["median_ms"]
        best_ratio = min(e["ort-optimised"]["median_ms"], e["ort-plain"]["median_ms"]) / e["bertner"]["median_ms"]
        delta = max(e[x]["max_abs_diff_vs_bertner"] for x in ("ort-optimised", "ort-plain", "pytorch"))
        int8_ratio = min(e["ort-int8"]["median_ms"], e["ort-int8-pc"]["median_ms"]) / e["bertner-int8"]["median_ms"]
        bf16_ratio = e["bertner"]["median_ms"] / e["bertner-bf16"]["median_ms"]
        busy = max(e[x]["cpu_busy_before"] for x in engines)
        load = max(e[x]["load_avg"] for x in engines)
        own = e["bertner"]
        efficiency = f"{own['encoder_gflops']:.0f} / {own['sgemm_gflops']:.0f} = {100 * own['encoder_gflops'] / own['sgemm_gflops']:.0f} %"
        lines.append(f"| {row['model']} | {row['batch']} × {row['sequence']} | {row['threads']} | " + " | ".join(cells)
                     + f" | {ratio:.2f} | {best_ratio:.2f} | **{int8_ratio:.2f}** | {bf16_ratio:.2f} | {efficiency} "
                     + f"| {e['bertner-int8']['encoder_gflops']:.0f} | {delta:.1e} / {e['bertner-int8']['max_abs_diff_vs_bertner']:.2f} / "
                     + f"{e['bertner-bf16']['max_abs_diff_vs_bertner']:.2f} | {100 * busy:.0f} % / {load:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
