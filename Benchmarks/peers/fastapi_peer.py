#!/usr/bin/env python3
"""The Python peers of `ner serve` for the HTTP comparison: FastAPI + uvicorn + ONNX Runtime or OpenVINO.

  .venv/bin/python Benchmarks/peers/fastapi_peer.py --model Weights/default \
      --graph Benchmarks/.work/default/int8.onnx --port 8001 --workers 2
  .venv/bin/python Benchmarks/peers/fastapi_peer.py --model Weights/default \
      --graph Benchmarks/.work/default/openvino/int8.xml --port 8001 --workers 2

What a typical Python deployment of the same model looks like: uvicorn (with uvloop and httptools)
and N worker processes, each holding its own inference session with 1 thread by default, so that
2 workers fill 2 cores without oversubscription; transformers' BertTokenizerFast for ids and
offsets; CRF Viterbi and marginals in numpy from the bundle's `crf.*` tensors. The engine follows
from the graph: an `.onnx` file runs in ONNX Runtime, an `.xml` OpenVINO IR in OpenVINO (one
stream, latency hint, fp32 for whatever the IR does not quantize — as compare.py runs it).

Same contract as `ner serve` for `POST /ner`: `{"text"}` → `{"text", "entities": [{"word",
"start","end","type","score","color"}]}`, code-point offsets, end exclusive, score = product of
the CRF marginals of the entity's tags (4 decimals), errors as `{"error": {"code", "message"}}`
with status 400. Same text handling: one sequence per sentence (BertNER's sentence rules), windows
of max_position_embeddings − 2 pieces overlapping by 128 for longer ones. FastAPI's usual rule
applies to bodies: they must come as `Content-Type: application/json` (wrk and http_compare.py
send it). `GET /ready` is 200 once the worker's model is loaded and warmed up; a worker accepts
connections only after that.
"""
import argparse
import json
import os
import sys
import time
from contextlib import asynccontextmanager

import numpy as np

# tools/nerlib: the same strict BIOES span decoding the training and evaluation tools use.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from nerlib.data import spans_from_tags  # noqa: E402

# Settings reach the worker processes (which uvicorn spawns and which import this module afresh)
# through the environment.
ENV_MODEL, ENV_GRAPH, ENV_THREADS = "PEER_MODEL", "PEER_GRAPH", "PEER_THREADS"
STRIDE = 128  # `ner serve --stride` default
WARM_UP = "新华社北京电，国务院总理在人民大会堂会见了外宾。"  # the sentence `ner serve` warms up with
COLORS = {"PER": "red", "LOC": "cyan", "ORG": "yellow"}
TERMINATORS = set("。！？；!?;…｡")
CLOSERS = set("”’」』）)》〉】\"']")


# ---- text → sequences ------------------------------------------------------------------------------

def sentences(offsets, text):
    """Piece ranges of the sentences, as BertNER's SentenceSplitter: a sentence ends after a
    terminator (plus closing quotes/brackets right after it) and at every line break."""
    if not offsets:
        return []
    result, start, closing = [], 0, False
    for i, (s, e) in enumerate(offsets):
        piece = text[s:e]
        single = len(piece) == 1
        if closing and not (single and (piece in CLOSERS or piece in TERMINATORS)):
            result.append((start, i))
            start, closing = i, False
        gap = text[offsets[i - 1][1]:s] if i > start else ""
        if "\n" in gap or "\r" in gap:
            result.append((start, i))
            start, closing = i, False
        if single and piece in TERMINATORS:
            closing = True
    result.append((start, len(offsets)))
    return result


def windows(start, end, capacity, stride=STRIDE):
    """Windows of at most `capacity` pieces over [start, end), overlapping by `stride`."""
    stride = min(max(0, stride), capacity - 1)
    if end - start <= capacity:
        return [(start, end)]
    result, s = [], start
    while True:
        e = min(s + capacity, end)
        result.append((s, e))
        if e == end:
            return result
        s = e - stride


def owners(count, spans):
    """For each piece, the window where it sits most centrally (ties: the earlier window), as
    BertNER's Windowing; windows of different sentences never overlap."""
    owner = np.zeros(count, dtype=np.int64)
    best = np.full(count, -1)
    for index, (s, e) in enumerate(spans):
        position = np.arange(s, e)
        centrality = np.minimum(position - s, e - 1 - position)
        better = centrality > best[s:e]
        owner[s:e][better] = index
        best[s:e][better] = centrality[better]
    return owner


# ---- CRF ---------------------------------------------------------------------------------------------

class CRF:
    """pytorch-crf parameters (transitions[from, to]); float64 like BertNER's CRF."""

    def __init__(self, transitions, start, end):
        self.transitions = transitions.astype(np.float64)
        self.start = start.astype(np.float64)
        self.end = end.astype(np.float64)
        # Forward-backward in scaled probability space: one small matrix-vector product per step
        # instead of a log-sum-exp. Constant shifts cancel in the per-step normalisation; trained
        # scores are a few units wide (the default model's within ±11), far from exp's range.
        self.psi = np.exp(self.transitions - self.transitions.max())
        self.start_p = np.exp(self.start - self.start.max())
        self.end_p = np.exp(self.end - self.end.max())

    def viterbi(self, emissions):
        """Best path; ties go to the lowest label id (np.argmax takes the first), as in BertNER."""
        steps = len(emissions)
        score = self.start + emissions[0]
        back = np.zeros((steps, len(self.start)), dtype=np.int64)
        for t in range(1, steps):
            total = score[:, None] + self.transitions
            back[t] = total.argmax(axis=0)
            score = total.max(axis=0) + emissions[t]
        path = [int((score + self.end).argmax())]
        for t in range(steps - 1, 0, -1):
            path.append(int(back[t, path[-1]]))
        return path[::-1]

    def marginals(self, emissions):
        """p(tag at step t | emissions), [steps, labels]."""
        steps = len(emissions)
        p = np.exp(emissions - emissions.max(axis=1, keepdims=True))
        alpha = np.empty_like(p)
        beta = np.empty_like(p)
        alpha[0] = self.start_p * p[0]
        alpha[0] /= alpha[0].sum()
        for t in range(1, steps):
            a = (alpha[t - 1] @ self.psi) * p[t]
            alpha[t] = a / a.sum()
        beta[-1] = self.end_p / self.end_p.sum()
        for t in range(steps - 2, -1, -1):
            b = self.psi @ (p[t + 1] * beta[t + 1])
            beta[t] = b / b.sum()
        joint = alpha * beta
        return joint / joint.sum(axis=1, keepdims=True)


# ---- the model -----------------------------------------------------------------------------------------

def logits_function(graph, threads):
    """`run(ids, mask) -> logits [rows, pieces, labels]` for an ONNX graph (ORT) or an OpenVINO IR."""
    if graph.endswith(".xml"):
        import openvino as ov
        compiled = ov.Core().compile_model(graph, "CPU", {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1,
                                                          "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"})
        request = compiled.create_infer_request()
        return lambda ids, mask: request.infer({"input_ids": ids, "attention_mask": mask})[0]
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    return lambda ids, mask: session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


class Tagger:
    def __init__(self, bundle, graph, threads=1):
        from safetensors.numpy import load_file
        from transformers import BertTokenizerFast

        with open(os.path.join(bundle, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        if config.get("tag_scheme", "BIOES").upper() != "BIOES":
            sys.exit(f"{bundle}: this peer decodes BIOES only")
        self.labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
        self.capacity = config["max_position_embeddings"] - 2
        tokenizer_config = {}
        path = os.path.join(bundle, "tokenizer_config.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                tokenizer_config = json.load(f)
        self.tokenizer = BertTokenizerFast(
            vocab=os.path.join(bundle, "vocab.txt"),  # transformers 5 reads vocab=, not vocab_file=
            do_lower_case=tokenizer_config.get("do_lower_case", True),
            tokenize_chinese_chars=tokenizer_config.get("tokenize_chinese_chars", True),
            strip_accents=tokenizer_config.get("strip_accents"))
        self.cls, self.sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        tensors = load_file(os.path.join(bundle, "model.safetensors"))
        self.crf = CRF(tensors["crf.transitions"], tensors["crf.start_transitions"], tensors["crf.end_transitions"])
        del tensors  # the encoder's weights come from the graph
        self.logits = logits_function(graph, threads)

    def emissions(self, sequences):
        """One inference for all windows of a request (padded, masked); emissions without [CLS]/[SEP]."""
        longest = max(len(s) for s in sequences) + 2
        ids = np.zeros((len(sequences), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, pieces in enumerate(sequences):
            ids[row, :len(pieces) + 2] = [self.cls, *pieces, self.sep]
            mask[row, :len(pieces) + 2] = 1
        logits = self.logits(ids, mask)
        return [logits[row, 1:len(pieces) + 1].astype(np.float64) for row, pieces in enumerate(sequences)]

    def recognize(self, text):
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
        if not ids:
            return []
        spans = [w for s, e in sentences(offsets, text) for w in windows(s, e, self.capacity)]
        decoded = []
        for emissions in self.emissions([ids[s:e] for s, e in spans]):
            path = self.crf.viterbi(emissions)
            probabilities = self.crf.marginals(emissions)[np.arange(len(path)), path]
            decoded.append((path, probabilities))
        tags, probabilities = [], []
        for piece, window in enumerate(owners(len(ids), spans)):
            path, probs = decoded[window]
            local = piece - spans[window][0]
            tags.append(self.labels[path[local]])
            probabilities.append(probs[local])
        entities = []
        for s, e, kind in spans_from_tags(tags):
            start, end = offsets[s][0], offsets[e - 1][1]
            entities.append({"word": text[start:end], "start": start, "end": end, "type": kind,
                             "score": round(float(np.prod(probabilities[s:e])), 4),
                             "color": COLORS.get(kind, "magenta")})
        return entities


# ---- the app --------------------------------------------------------------------------------------------

def create_app():
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, ConfigDict

    class NERRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        text: str

    state = {}

    @asynccontextmanager
    async def lifespan(_):
        # uvicorn runs this before the worker accepts connections, so a worker answers only once
        # its model is loaded and warm, as `ner serve`'s /ready promises.
        started = time.monotonic()
        tagger = Tagger(os.environ[ENV_MODEL], os.environ[ENV_GRAPH], int(os.environ.get(ENV_THREADS, "1")))
        tagger.recognize(WARM_UP)
        state["tagger"] = tagger
        # http_compare.py counts these lines to know when every worker is ready.
        print(f"peer worker {os.getpid()} ready in {time.monotonic() - started:.2f} s", file=sys.stderr, flush=True)
        yield

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError):
        # `ner serve`'s error shape instead of FastAPI's 422 detail list.
        first = error.errors()[0] if error.errors() else {"msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return JSONResponse({"error": {"code": "invalid_json", "message": "request body is not valid JSON"}},
                                status_code=400)
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return JSONResponse({"error": {"code": "invalid_field", "message": f"{where}: {first['msg']}".lstrip(": ")}},
                            status_code=400)

    @app.get("/ready")
    async def ready():
        return {"status": "ready", "pid": os.getpid()}

    # `async def` that calls the engine directly: one inference at a time per worker, i.e. one core
    # per worker. A plain `def` would run in Starlette's thread pool with up to 40 concurrent runs
    # per worker on 2 cores, which only adds context switches.
    @app.post("/ner")
    async def ner(request: NERRequest):
        return JSONResponse({"text": request.text, "entities": state["tagger"].recognize(request.text)})

    return app


if ENV_MODEL in os.environ:  # imported by a uvicorn worker
    app = create_app()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="BertNER bundle folder (vocab, tokenizer config, CRF tensors)")
    p.add_argument("--graph", required=True,
                   help="the logits graph: ONNX for ONNX Runtime (e.g. Benchmarks/.work/default/int8.onnx) or an OpenVINO IR "
                        "(e.g. Benchmarks/.work/default/openvino/int8.xml)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="inference threads per worker")
    args = p.parse_args()
    for path in (os.path.join(args.model, "vocab.txt"), os.path.join(args.model, "model.safetensors"), args.graph):
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
    os.environ[ENV_MODEL] = os.path.abspath(args.model)
    os.environ[ENV_GRAPH] = os.path.abspath(args.graph)
    os.environ[ENV_THREADS] = str(args.threads)
    import uvicorn
    # Access logs off: `ner serve` logs no line per request either.
    uvicorn.run("fastapi_peer:app", app_dir=os.path.dirname(os.path.abspath(__file__)), host=args.host,
                port=args.port, workers=args.workers, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
