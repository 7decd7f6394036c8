#!/usr/bin/env python3
"""PyTorch reference for a BertNER bundle: entity F1 with seqeval (strict) and golden fixtures.

  evaluate.py --model Weights/default --data ../shared/data/msra/test.bioes
      prints P/R/F1 per type and micro, computed by seqeval strict mode over character tags,
      decoding exactly as the Swift pipeline does (HF tokenizer, CRF over the pieces between
      [CLS] and [SEP], piece tags → character spans).
  evaluate.py ... --fixture-out Tests/Fixtures/default-model --fixture-count 100
      also writes the first N sentences' token ids, fp32 logits and entities for the Swift tests.
  evaluate.py ... --onnx Benchmarks/.work/default/int8.onnx
      takes the emissions from an ONNX graph of the same model (ONNX Runtime, e.g. the dynamic
      int8 graph `make bench-compare` writes) and decodes them through the bundle's CRF: the
      peer's F1 beside BertNER's `ner eval --precision int8`.
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import BILOU, IOB2, IOBES
from transformers import BertConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file, spans_from_tags, tokenizer_for  # noqa: E402
from nerlib.model import BertCrfTagger, load_hf_tensors  # noqa: E402


def load_bundle(directory):
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        raw = json.load(f)
    config = BertConfig(**{k: v for k, v in raw.items() if k not in ("use_crf", "tag_scheme", "training")})
    config.id2label = {int(k): v for k, v in raw["id2label"].items()}
    model = BertCrfTagger(config, use_crf=raw.get("use_crf", False))
    load_hf_tensors(model, os.path.join(directory, "model.safetensors"))
    model.eval()
    with open(os.path.join(directory, "tokenizer_config.json"), encoding="utf-8") as f:
        lower = json.load(f).get("do_lower_case", True)
    return model, tokenizer_for(os.path.join(directory, "vocab.txt"), do_lower_case=lower), raw.get("tag_scheme", "BIOES")


def char_tags(length, spans, scheme):
    tags = ["O"] * length
    for start, end, kind in spans:
        if scheme != "BIO" and end - start == 1:
            tags[start] = f"S-{kind}"
            continue
        tags[start] = f"B-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
        if scheme != "BIO":
            tags[end - 1] = f"E-{kind}"
    return tags


@torch.no_grad()
def predict(model, tokenizer, texts, scheme, batch_size=64, emitter=None):
    labels = [model.config.id2label[i] for i in range(len(model.config.id2label))]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id  # looked up: a pruned vocabulary renumbers them
    out = []
    for b in range(0, len(texts), batch_size):
        batch = texts[b:b + batch_size]
        encodings = [tokenizer(t, return_offsets_mapping=True, add_special_tokens=False) for t in batch]
        longest = max(len(e["input_ids"]) for e in encodings) + 2
        ids = torch.zeros(len(batch), longest, dtype=torch.long)
        mask = torch.zeros(len(batch), longest, dtype=torch.long)
        for row, e in enumerate(encodings):
            n = len(e["input_ids"])
            ids[row, :n + 2] = torch.tensor([cls] + e["input_ids"] + [sep])
            mask[row, :n + 2] = 1
        logits = (emitter or model.emissions)(ids, mask)
        emissions = logits[:, 1:-1]
        piece_mask = mask[:, 2:].bool()
        empty = piece_mask.sum(1) == 0
        piece_mask[empty, 0] = True  # the CRF needs one step; empty texts are dropped below
        paths = model.crf.viterbi(emissions, piece_mask) if model.crf is not None else \
            [row[:int(m.sum())].argmax(-1).tolist() for row, m in zip(emissions, piece_mask)]
        for row, (e, path) in enumerate(zip(encodings, paths)):
            n = len(e["input_ids"])
            spans = [] if n == 0 else [
                (e["offset_mapping"][s][0], e["offset_mapping"][t - 1][1], kind)
                for s, t, kind in spans_from_tags([labels[i] for i in path[:n]], scheme)]
            out.append({"ids": [cls] + e["input_ids"] + [sep], "logits": logits[row, :n + 2].clone(), "spans": spans})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--format", default="BIOES", choices=["BIOES", "BIO", "BMES"])
    p.add_argument("--fixture-out")
    p.add_argument("--fixture-count", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p.add_argument("--onnx", help="emissions from this ONNX graph (ONNX Runtime, 2 threads) instead of PyTorch")
    args = p.parse_args()
    torch.set_num_threads(2)
    model, tokenizer, model_scheme = load_bundle(args.model)
    sentences = read_char_tag_file(args.data)
    emitter = None
    if args.onnx:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
        emitter = lambda ids, mask: torch.from_numpy(session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0])
    predictions = predict(model, tokenizer, [s.text for s in sentences], model_scheme, emitter=emitter)
    gold_scheme = "BIOES" if args.format == "BMES" else args.format
    gold = [char_tags(len(s.text), spans_from_tags(s.tags, args.format), gold_scheme) for s in sentences]
    pred = [char_tags(len(s.text), pr["spans"], gold_scheme) for s, pr in zip(sentences, predictions)]
    mode = IOBES if gold_scheme == "BIOES" else IOB2
    report = classification_report(gold, pred, mode="strict", scheme=mode, digits=4, output_dict=True)
    result = {"micro": {"precision": precision_score(gold, pred, mode="strict", scheme=mode),
                        "recall": recall_score(gold, pred, mode="strict", scheme=mode),
                        "f1": f1_score(gold, pred, mode="strict", scheme=mode)},
              "types": {k: v for k, v in report.items() if "avg" not in k}, "sentences": len(sentences)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(classification_report(gold, pred, mode="strict", scheme=mode, digits=4))
    if args.fixture_out:
        os.makedirs(args.fixture_out, exist_ok=True)
        chosen = list(range(min(args.fixture_count, len(sentences))))
        save_file({f"logits.{k}": predictions[k]["logits"].contiguous() for k in chosen},
                  os.path.join(args.fixture_out, "logits.safetensors"))
        cases = [{"text": sentences[k].text, "ids": predictions[k]["ids"],
                  "entities": [{"start": s, "end": e, "type": t, "word": sentences[k].text[s:e]}
                               for s, e, t in predictions[k]["spans"]]} for k in chosen]
        with open(os.path.join(args.fixture_out, "reference.json"), "w", encoding="utf-8") as f:
            json.dump({"model": os.path.normpath(args.model), "data": os.path.basename(args.data),
                       "generator": "tools/evaluate.py", "cases": cases}, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
