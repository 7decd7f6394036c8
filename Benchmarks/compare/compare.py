#!/usr/bin/env python3
"""BertNER against ONNX Runtime, OpenVINO, CTranslate2 and PyTorch on the same weights, inputs and
thread counts.

  make bench-compare            (= .venv/bin/python Benchmarks/compare/compare.py)
  .venv/bin/python Benchmarks/compare/compare.py --models default --shapes 1x32 --threads 1 --iterations 3
                                (a smoke run: one shape, one thread count, 3 timed runs per engine)

Builds a BERT-base-geometry model (12 layers, hidden 768, 12 heads, 3072, vocabulary 21,128,
13 labels; random weights, seed 0, generated under Benchmarks/.work and never committed) and takes
the shipped default model; exports each to a BertNER bundle (F32) and to ONNX (plain; ORT's
transformer-optimised fp32; ORT dynamic int8, per tensor and per channel), converts the plain ONNX
graph to OpenVINO IR (fp32, and NNCF static int8 calibrated on MSRA train sentences) and the encoder
to CTranslate2 — all cached under Benchmarks/.work. Then, per shape and thread count, it runs
`ner bench --json` (BertNER fp32, bf16 and int8), ONNX Runtime, OpenVINO (fp32, int8, and bf16 where
the CPU has avx512_bf16 or amx_bf16), CTranslate2 (float32, int8) and PyTorch one after another on
identical token ids, checks that the fp32 engines agree with PyTorch on the logits (the
reduced-precision ones are reported — max |Δ| and argmax agreement — not checked), and prints
medians, p90 and ratios to BertNER. `--engines` runs a subset. Before each engine it waits (up to
60 s) until other processes use < 15 % of the CPU, and records that and the load average, so that
noisy runs are visible. Every table starts with the CPU's model name and vector/matrix flags.

Every engine computes the token-classification logits (encoder + linear head; the CRF is outside
the timed part for all): ORT and OpenVINO run the exported graph, which ends in the head;
CTranslate2 converts only `BertModel`, so its timed call is the encoder plus the head in numpy.

OpenBLAS variables: every engine picks its kernels for this CPU itself (ORT's MLAS and PyTorch by
cpuid), so BertNER runs with the environment's OPENBLAS_* variables removed — OPENBLAS_CORETYPE
would otherwise pin OpenBLAS to older kernels (Haswell = AVX2 on an AVX-512 CPU, up to 1.7× slower).
--keep-openblas-env keeps them; the table header names the OpenBLAS core either way.
"""
import argparse
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from evaluate import load_bundle  # noqa: E402
from nerlib.data import read_char_tag_file, tokenizer_for  # noqa: E402
from nerlib.model import BertCrfTagger, bioes_labels, save_bundle  # noqa: E402
from transformers import BertConfig  # noqa: E402

WORK = os.path.join(ROOT, "Benchmarks", ".work")
VOCAB = os.path.join(ROOT, "..", "shared", "vocab", "bert-base-chinese-vocab.txt")
MSRA_TRAIN = os.path.join(ROOT, "..", "shared", "data", "msra", "train.bioes")

# --engines names a group; each group runs these engines (in this order, which is also the table's).
ENGINE_GROUPS = {
    "bertner": ("bertner", "bertner-bf16", "bertner-int8"),
    "ort": ("ort-optimised", "ort-plain", "ort-int8", "ort-int8-pc"),
    "openvino": ("openvino-fp32", "openvino-int8", "openvino-bf16"),
    "ctranslate2": ("ctranslate2-fp32", "ctranslate2-int8"),
    "torch": ("pytorch",),
}
# Engines whose logits must match PyTorch's within FP32_TOLERANCE; all others are reduced precision.
FP32_ENGINES = ("bertner", "ort-optimised", "ort-plain", "openvino-fp32", "ctranslate2-fp32", "pytorch")
FP32_TOLERANCE = 1e-3
# The "best peer" of a row is the fastest of these (PyTorch eager is the reference, not a contender).
PEERS = ENGINE_GROUPS["ort"] + ENGINE_GROUPS["openvino"] + ENGINE_GROUPS["ctranslate2"]
# The CPU features that decide which kernels the engines can use (int8: VNNI/AMX; bf16: AVX-512 BF16/AMX).
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
# Sentences of MSRA train that calibrate OpenVINO's static int8 (NNCF's default subset is 300).
CALIBRATION_SENTENCES = 200


def cpu_info():
    """The CPU's model name and which of CPU_FLAGS it has, from /proc/cpuinfo (first processor)."""
    name, flags = "", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not name:
                    name = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return {"model": name, "flags": [flag for flag in CPU_FLAGS if flag in flags]}


def cpu_line():
    """The line every results table starts with, so that tables from different machines are never
    read as one (the speed ratios depend on VNNI, AVX-512 BF16 and AMX above all)."""
    info = cpu_info()
    lacks = [flag for flag in CPU_FLAGS if flag not in info["flags"]]
    return f"CPU: {info['model'] or 'unknown'}; flags: {' '.join(info['flags']) or 'none'}; lacks: {' '.join(lacks) or 'none'}"


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


def plain_onnx(model, folder):
    """plain.onnx: the logits graph as torch.onnx exports it (ORT-plain runs it, OpenVINO converts it)."""
    plain = os.path.join(folder, "plain.onnx")
    if not os.path.exists(plain):
        ids = torch.ones(1, 16, dtype=torch.long)
        # eval() on the wrapper: export restores the wrapper's mode afterwards, recursively, and a
        # fresh Module is in training mode — which would leave dropout on for the PyTorch runs.
        torch.onnx.export(Emissions(model).eval(), (ids, torch.ones_like(ids)), plain, input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                        "logits": {0: "batch", 1: "sequence"}})
    return plain


def export_onnx(model, folder):
    """plain.onnx (as exported), optimized.onnx (ORT transformer fusions, fp32), int8.onnx."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    plain = plain_onnx(model, folder)
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


def converted(target, build, settings=None, force=False):
    """Runs `build()` to make `target` (a file or folder) unless it is there from a build with the same
    `settings` (cached like the ONNX graphs). A record beside it (`target`.json, written only once the
    build succeeded) keeps the settings and the build's seconds; returns it with `cached`."""
    record_path = target + ".json"
    try:
        with open(record_path) as f:
            record = json.load(f)
    except (OSError, ValueError):
        record = None
    if not force and record is not None and record["settings"] == (settings or {}) and os.path.exists(target):
        return {**record, "cached": True}
    if record is not None:
        os.remove(record_path)
    start = time.perf_counter()
    build()
    record = {"path": target, "seconds": round(time.perf_counter() - start, 1), "settings": settings or {}}
    with open(record_path, "w") as f:
        json.dump(record, f, indent=2)
    return {**record, "cached": False}


def calibration(bundle, fallback):
    """(description, make): what calibrates OpenVINO's static int8, and `make()` giving its samples —
    CALIBRATION_SENTENCES MSRA train sentences spread over the file, each tokenized with the bundle's
    tokenizer as the pipeline does ([CLS] pieces [SEP]); without the data, the rows of the benchmark's
    own token ids (`fallback`). `make` runs only when a calibration does (reading MSRA takes seconds)."""
    if not os.path.exists(MSRA_TRAIN):
        rows = [row for ids in fallback for row in ids.tolist()]
        return f"the benchmark's own {len(rows)} token-id rows ({MSRA_TRAIN} not found)", lambda: feeds(rows)

    def make():
        with open(os.path.join(bundle, "tokenizer_config.json"), encoding="utf-8") as f:
            tokenizer = tokenizer_for(os.path.join(bundle, "vocab.txt"), do_lower_case=json.load(f).get("do_lower_case", True))
        with open(os.path.join(bundle, "config.json"), encoding="utf-8") as f:
            pieces = json.load(f)["max_position_embeddings"] - 2
        sentences = [s.text for s in read_char_tag_file(MSRA_TRAIN) if s.text.strip()]
        chosen = [sentences[i * len(sentences) // CALIBRATION_SENTENCES] for i in range(CALIBRATION_SENTENCES)]
        return feeds([[tokenizer.cls_token_id] + tokenizer(text, add_special_tokens=False)["input_ids"][:pieces]
                      + [tokenizer.sep_token_id] for text in chosen])
    return f"{CALIBRATION_SENTENCES} MSRA train sentences", make


def feeds(rows):
    """One graph input per token-id row, as the benchmark feeds its batches."""
    return [{"input_ids": np.array([row], dtype=np.int64), "attention_mask": np.ones((1, len(row)), dtype=np.int64)}
            for row in rows]


def openvino_models(plain, folder, calibration_set):
    """OpenVINO IR converted from plain.onnx (fp32.xml) and NNCF's static int8 of it (int8.xml:
    activation ranges from `calibration_set`, NNCF's scheme for transformer models). Returns
    {engine: conversion record}."""
    import openvino as ov
    out = os.path.join(folder, "openvino")
    os.makedirs(out, exist_ok=True)
    fp32 = os.path.join(out, "fp32.xml")
    # compress_to_fp16=False: save_model stores weights as fp16 unless told not to, which would make
    # the "fp32" IR (and int8's float parts) an fp16-weight model.
    records = {"openvino-fp32": converted(fp32, lambda: ov.save_model(ov.convert_model(plain), fp32, compress_to_fp16=False))}
    description, make = calibration_set
    int8 = os.path.join(out, "int8.xml")

    def quantize():
        import nncf
        samples = make()
        quantized = nncf.quantize(ov.Core().read_model(fp32), nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                                  subset_size=len(samples))
        ov.save_model(quantized, int8, compress_to_fp16=False)
    # A new fp32 IR is a new source for int8, whatever its calibration.
    records["openvino-int8"] = converted(int8, quantize, {"calibration": description},
                                         force=not records["openvino-fp32"]["cached"])
    return records


def ctranslate2_model(model, bundle, folder):
    """The encoder as a CTranslate2 float32 model; its int8 is chosen at load (compute_type: CTranslate2
    quantizes the weights as it loads them). The converter takes a Hugging Face `BertModel` checkpoint and
    asserts `config.position_embedding_type == "absolute"`, an attribute transformers 5's BertConfig no
    longer has (AttributeError; absolute positions are all it supports), so the encoder alone goes to a
    temporary checkpoint whose config.json names it. Returns {"ctranslate2": conversion record}."""
    import ctranslate2.converters
    target = os.path.join(folder, "ctranslate2")

    def convert():
        with tempfile.TemporaryDirectory(dir=folder) as checkpoint:
            model.bert.save_pretrained(checkpoint)
            path = os.path.join(checkpoint, "config.json")
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
            config["position_embedding_type"] = "absolute"
            with open(path, "w", encoding="utf-8") as f:
                json.dump(config, f)
            # The converter reads the vocabulary through AutoTokenizer.
            for name in ("vocab.txt", "tokenizer_config.json"):
                shutil.copyfile(os.path.join(bundle, name), os.path.join(checkpoint, name))
            # BertModel.from_pretrained adds a pooler with fresh weights (a token classifier has none):
            # it feeds only pooler_output, which nothing here reads.
            ctranslate2.converters.TransformersConverter(checkpoint).convert(target, quantization="float32", force=True)
    return {"ctranslate2": converted(target, convert)}


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


def run_openvino(path, ids, threads, iterations, precision="f32"):
    import openvino as ov
    # One stream with the latency hint on `threads` threads: one request at a time, as every engine
    # here runs. The precision is explicit: on a CPU with avx512_bf16 or AMX the plugin runs an fp32
    # IR in bf16 unless told otherwise (its compiled model reports bfloat16 on this project's EPYC).
    compiled = ov.Core().compile_model(path, "CPU", {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1,
                                                     "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": precision})
    request = compiled.create_infer_request()
    feed = {"input_ids": ids.astype(np.int64), "attention_mask": np.ones_like(ids, dtype=np.int64)}
    logits = request.infer(feed)[0]
    return time_calls(lambda: request.infer(feed), iterations), logits


def run_ctranslate2(path, head, ids, threads, iterations, compute_type):
    """CTranslate2's encoder, then the token-classification head (`head` = weight [hidden, labels],
    bias) in numpy: timed together, the same logits the ONNX graphs end in."""
    import ctranslate2
    encoder = ctranslate2.Encoder(path, device="cpu", compute_type=compute_type, intra_threads=threads, inter_threads=1)
    weight, bias = head
    # Named: a StorageView shares its array's memory, which must outlive it.
    token_ids, token_counts = ids.astype(np.int32), np.full(len(ids), ids.shape[1], dtype=np.int32)
    tokens, lengths = ctranslate2.StorageView.from_array(token_ids), ctranslate2.StorageView.from_array(token_counts)

    def logits():
        hidden = np.asarray(encoder.forward_batch(tokens, lengths).last_hidden_state)
        return hidden @ weight + bias
    return time_calls(logits, iterations), logits()


def torch_logits(model, ids):
    """PyTorch's logits: the reference every engine is checked against."""
    with torch.inference_mode():
        tensor = torch.from_numpy(ids.astype(np.int64))
        return model.emissions(tensor, torch.ones_like(tensor)).numpy()


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
    p.add_argument("--iterations", type=int, help="timed runs per engine on every shape (overrides the per-shape counts and --quick)")
    p.add_argument("--models", default="base,default", help="which models to run (base, default)")
    p.add_argument("--shapes", help="only these batch×sequence shapes of the standard set, e.g. 1x32,8x128 (default: all)")
    p.add_argument("--engines", default=",".join(ENGINE_GROUPS), help=f"which engines to run, of {', '.join(ENGINE_GROUPS)}")
    p.add_argument("--idle-load", type=float, default=0.15, help="wait until other processes use less than this fraction of the CPU")
    p.add_argument("--json-out", default=os.path.join(WORK, "results.json"))
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="run BertNER with the environment's OPENBLAS_* variables (default: removed, see above)")
    args = p.parse_args()
    os.makedirs(WORK, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    groups = args.engines.split(",")
    if unknown := [g for g in groups if g not in ENGINE_GROUPS]:
        p.error(f"unknown engines {', '.join(unknown)}; choose from {', '.join(ENGINE_GROUPS)}")
    if "bertner" in groups and not os.access(args.ner, os.X_OK):
        sys.exit(f"{args.ner} not found: run make release first, or leave bertner out of --engines")
    bf16_capable = bool({"avx512_bf16", "amx_bf16"} & set(cpu_info()["flags"]))
    if "openvino" in groups and not bf16_capable:
        print("openvino-bf16 skipped: the CPU has neither avx512_bf16 nor amx_bf16", flush=True)

    cases = []  # (model name, batch, sequence, iterations)
    for batch, length, iterations in [(1, 32, 30), (1, 128, 20), (1, 512, 8), (8, 128, 8)]:
        cases.append(("base", batch, length, max(3, iterations // (4 if args.quick else 1))))
    for batch, length, iterations in [(1, 32, 50), (1, 128, 30), (8, 128, 15)]:
        cases.append(("default", batch, length, max(3, iterations // (4 if args.quick else 1))))
    chosen = set(args.models.split(","))
    cases = [c for c in cases if c[0] in chosen]
    if args.shapes:
        shapes = set(args.shapes.split(","))
        standard = sorted({f"{b}x{l}" for _, b, l, _ in cases})
        if unknown := shapes - set(standard):
            p.error(f"unknown shapes {', '.join(sorted(unknown))}; the standard set has {', '.join(standard)}")
        cases = [c for c in cases if f"{c[1]}x{c[2]}" in shapes]
    if args.iterations:
        cases = [(name, batch, length, args.iterations) for name, batch, length, _ in cases]

    models = {}
    for name, build in (("base", base_model), ("default", default_model)):
        if name not in chosen:
            continue
        model, bundle = build()
        models[name] = (model, bundle, special_ids(bundle))
    # The token ids of every case, drawn before any engine: OpenVINO's int8 calibrates on them when
    # MSRA train is absent.
    rng = np.random.default_rng(7)
    inputs = []
    for name, batch, length, _ in cases:
        model, _, specials = models[name]
        ids = rng.integers(max(specials.values()) + 1, model.config.vocab_size, size=(batch, length))
        ids[:, 0], ids[:, -1] = specials["[CLS]"], specials["[SEP]"]
        inputs.append(ids)

    artefacts, conversions = {}, {}
    for name, (model, bundle, _) in models.items():
        folder = os.path.dirname(bundle)
        files = {"onnx": export_onnx(model, folder) if "ort" in groups else {}}
        conversions[name] = {}
        if "openvino" in groups:
            fallback = [ids for (case, *_), ids in zip(cases, inputs) if case == name]
            conversions[name].update(openvino_models(plain_onnx(model, folder), folder, calibration(bundle, fallback)))
        if "ctranslate2" in groups:
            conversions[name].update(ctranslate2_model(model, bundle, folder))
            head = model.token_classifier.classifier
            files["head"] = (head.weight.detach().numpy().T.copy(), head.bias.detach().numpy().copy())
        artefacts[name] = files
        print(f"{name}: bundle {bundle}, converted models in {folder}", flush=True)
        for label, record in conversions[name].items():
            extra = "".join(f", {k}: {v}" for k, v in record["settings"].items())
            print(f"  {label}: {'cached, built' if record['cached'] else 'built'} in {record['seconds']} s{extra}", flush=True)

    environment = bertner_environment(args.keep_openblas_env)
    removed = sorted(f"{k}={v}" for k, v in os.environ.items() if k not in environment)
    if removed and "bertner" in groups:
        print(f"BertNER runs without {', '.join(removed)} (--keep-openblas-env keeps them)", flush=True)
    results = []
    for (name, batch, length, iterations), ids in zip(cases, inputs):
        model, bundle, _ = models[name]
        files, converted_models = artefacts[name], conversions[name]
        reference = torch_logits(model, ids)
        for t in threads:
            row = {"model": name, "batch": batch, "sequence": length, "threads": t, "engines": {}}
            engines = []
            if "bertner" in groups:
                engines += [("bertner", lambda: run_bertner(args.ner, bundle, ids, t, iterations, environment))]
                engines += [(f"bertner-{p}", (lambda p=p: run_bertner(args.ner, bundle, ids, t, iterations, environment, p)))
                            for p in ("int8", "bf16")]
            engines += [(label, (lambda path=path: run_ort(path, ids, t, iterations))) for label, path in files["onnx"].items()]
            if "openvino" in groups:
                fp32, int8 = converted_models["openvino-fp32"]["path"], converted_models["openvino-int8"]["path"]
                engines += [("openvino-fp32", lambda: run_openvino(fp32, ids, t, iterations)),
                            ("openvino-int8", lambda: run_openvino(int8, ids, t, iterations))]
                if bf16_capable:
                    engines += [("openvino-bf16", lambda: run_openvino(fp32, ids, t, iterations, "bf16"))]
            if "ctranslate2" in groups:
                path = converted_models["ctranslate2"]["path"]
                engines += [(label, (lambda c=c: run_ctranslate2(path, files["head"], ids, t, iterations, c)))
                            for label, c in (("ctranslate2-fp32", "float32"), ("ctranslate2-int8", "int8"))]
            if "torch" in groups:
                engines += [("pytorch", lambda: run_torch(model, ids, t, iterations))]
            for label, run in engines:
                busy, load = wait_idle(args.idle_load)
                timing, logits = run()
                delta = float(np.max(np.abs(logits - reference)))
                if label in FP32_ENGINES and delta > FP32_TOLERANCE:
                    sys.exit(f"{label} disagrees with PyTorch on {name} {batch}×{length}: max |Δ logits| {delta:.3g}")
                agreement = float(np.mean(logits.argmax(-1) == reference.argmax(-1)))
                row["engines"][label] = {**timing, "cpu_busy_before": busy, "load_avg": load,
                                         "max_abs_diff_vs_pytorch": delta, "argmax_agreement_vs_pytorch": agreement}
                if label == "openvino-int8":
                    row["engines"][label]["calibration"] = converted_models[label]["settings"]["calibration"]
            results.append(row)
            print(format_row(row), flush=True)
    with open(args.json_out, "w") as f:
        json.dump({"machine": machine(), "removed_environment": removed, "conversions": conversions, "results": results}, f, indent=2)
    print()
    if results and "bertner" in results[0]["engines"]:
        print(f"BertNER: {results[0]['engines']['bertner']['blas']}")
    print(table(results))
    print(f"\nraw results: {args.json_out}")


def machine():
    """The CPU and the versions of every engine's package (None where it is not installed)."""
    versions = {}
    for package in ("onnxruntime", "torch", "openvino", "nncf", "ctranslate2"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    info = cpu_info()
    return {"cpu": info["model"], "cpu_flags": info["flags"], "cores": os.cpu_count(), **versions}


def format_row(row):
    parts = [f"{row['model']} {row['batch']}×{row['sequence']} t{row['threads']}:"]
    for label, e in row["engines"].items():
        parts.append(f"{label} {e['median_ms']:.1f} ms")
    return "  ".join(parts)


def table(results):
    """The markdown table of `results`, after the CPU line: a column per engine that ran, and each
    ratio whose engines ran. Ratios are peer ÷ BertNER time (above 1: BertNER is faster)."""
    ran = [e for group in ENGINE_GROUPS.values() for e in group if results and e in results[0]["engines"]]
    exact = [e for e in ran if e in FP32_ENGINES]
    reduced = [e for e in ran if e not in FP32_ENGINES]
    peers = [e for e in ran if e in PEERS]
    own = [e for e in ran if e in ENGINE_GROUPS["bertner"]]

    def ms(e, label):
        return e[label]["median_ms"]

    def best(e, labels):
        return min(labels, key=lambda label: ms(e, label))

    def has(*labels):
        return all(label in ran for label in labels)

    def deltas(e):
        worst = f"{max(e[x]['max_abs_diff_vs_pytorch'] for x in exact):.1e}" if exact else "–"
        return " / ".join([worst] + [f"{e[x]['max_abs_diff_vs_pytorch']:.2f}" for x in reduced])

    # (header, cell of a row's engines)
    columns = [(f"{x} median / p90 ms", lambda e, x=x: f"{e[x]['median_ms']:.1f} / {e[x]['p90_ms']:.1f}") for x in ran]
    if has("ort-optimised", "bertner"):
        columns.append(("ORT-opt ÷ BertNER", lambda e: f"{ms(e, 'ort-optimised') / ms(e, 'bertner'):.2f}"))
    if has("ort-optimised", "ort-plain", "bertner"):
        columns.append(("best ORT fp32 ÷ BertNER",
                        lambda e: f"{min(ms(e, 'ort-optimised'), ms(e, 'ort-plain')) / ms(e, 'bertner'):.2f}"))
    if has("ort-int8", "ort-int8-pc", "bertner-int8"):
        columns.append(("**best ORT-int8 ÷ BertNER-int8**",
                        lambda e: f"**{min(ms(e, 'ort-int8'), ms(e, 'ort-int8-pc')) / ms(e, 'bertner-int8'):.2f}**"))
    if peers and own:
        columns.append(("**best peer ÷ BertNER** (fastest peer ÷ BertNER's fastest precision)",
                        lambda e: f"**{ms(e, best(e, peers)) / ms(e, best(e, own)):.2f}** ({best(e, peers)} ÷ {best(e, own)})"))
    if has("bertner", "bertner-bf16"):
        columns.append(("BertNER fp32 ÷ bf16", lambda e: f"{ms(e, 'bertner') / ms(e, 'bertner-bf16'):.2f}"))
    if has("bertner"):
        columns.append(("BertNER GFLOP/s ÷ sgemm", lambda e: f"{e['bertner']['encoder_gflops']:.0f} / {e['bertner']['sgemm_gflops']:.0f}"
                                                             f" = {100 * e['bertner']['encoder_gflops'] / e['bertner']['sgemm_gflops']:.0f} %"))
    if has("bertner-int8"):
        columns.append(("int8 GOPS", lambda e: f"{e['bertner-int8']['encoder_gflops']:.0f}"))
    columns.append(("max \\|Δ logits\\| vs PyTorch: " + " / ".join(["fp32"] + reduced), deltas))
    if reduced:
        columns.append((f"argmax = PyTorch's, %: {' / '.join(reduced)}",
                        lambda e: " / ".join(f"{100 * e[x]['argmax_agreement_vs_pytorch']:.1f}" for x in reduced)))
    columns.append(("other CPU before / 1-min load", lambda e: f"{100 * max(e[x]['cpu_busy_before'] for x in ran):.0f} % / "
                                                                f"{max(e[x]['load_avg'] for x in ran):.2f}"))
    lines = [cpu_line(), "", "| model | batch × seq | threads | " + " | ".join(header for header, _ in columns) + " |",
             "|---|---|---|" + "---|" * len(columns)]
    for row in results:
        e = row["engines"]
        lines.append(f"| {row['model']} | {row['batch']} × {row['sequence']} | {row['threads']} | "
                     + " | ".join(cell(e) for _, cell in columns) + " |")
    calibrations = {row["model"]: row["engines"]["openvino-int8"]["calibration"] for row in results if "openvino-int8" in row["engines"]}
    if calibrations:
        lines += ["", "openvino-int8 calibrated on " + "; ".join(f"{name}: {text}" for name, text in calibrations.items()) + "."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
