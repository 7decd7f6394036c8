#!/usr/bin/env python3
"""Write the engine's golden fixtures: small random BERT + CRF bundles and PyTorch reference outputs.

For each model in MODELS this writes Tests/Fixtures/<name>/ with a bundle (config.json, vocab.txt,
tokenizer_config.json, model.safetensors) plus:
  reference.json         the token-id sequences, Viterbi paths (PyTorch CRF), storage dtype
  reference.safetensors  per sequence k (unpadded; computed in float64, stored fp32): `embeddings.k`, `layer.<i>.k`, `logits.k`,
                         and for CRF models `marginals.k` (forward-backward in float64)

PyTorch runs the sequences as one padded batch with an attention mask, so the fixtures also pin
down that BertNER's packed (padding-free) batches mean the same thing. Weights stored as F16/BF16
are read back from the written file before the reference run, so both sides use identical values.

Usage: .venv/bin/python tools/make_engine_fixtures.py [--out Tests/Fixtures]
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.model import BertCrfTagger, save_bundle  # noqa: E402
from nerlib.data import BERT_BASE_CHINESE_VOCAB  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = BERT_BASE_CHINESE_VOCAB

MODELS = [
    # name, config overrides, storage dtype, use CRF, sequence lengths (incl. [CLS]/[SEP])
    ("tiny", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  hidden_act="gelu", max_position_embeddings=160), torch.float32, True, [1, 2, 7, 33, 64, 150]),
    ("tiny-gelu-new-bf16", dict(hidden_size=48, num_hidden_layers=1, num_attention_heads=3, intermediate_size=96,
                                hidden_act="gelu_new", max_position_embeddings=64, layer_norm_eps=1e-5),
     torch.bfloat16, False, [3, 20, 64]),
    ("tiny-relu-f16", dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                           hidden_act="relu", max_position_embeddings=64), torch.float16, True, [4, 31]),
    ("base-geometry-f16", dict(hidden_size=768, num_hidden_layers=1, num_attention_heads=12, intermediate_size=3072,
                               hidden_act="gelu", max_position_embeddings=320), torch.float16, True, [5, 128]),
]
VOCAB_SIZE = 512  # the first 512 ids of bert-base-chinese: keeps the bundles small
LABELS = ["O", "B-LOC", "I-LOC", "E-LOC", "S-LOC", "B-ORG", "I-ORG", "E-ORG", "S-ORG",
          "B-PER", "I-PER", "E-PER", "S-PER"]


def build(name, overrides, dtype, use_crf, seed):
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=VOCAB_SIZE, type_vocab_size=2, num_labels=len(LABELS),
                        id2label={i: l for i, l in enumerate(LABELS)}, label2id={l: i for i, l in enumerate(LABELS)},
                        initializer_range=0.2, **overrides)
    config._attn_implementation = "eager"
    model = BertCrfTagger(config, use_crf=use_crf)
    with torch.no_grad():
        # Larger-than-init biases, LayerNorm affine and CRF scores so that every term matters.
        for module_name, param in model.named_parameters():
            if module_name.endswith("bias") or "LayerNorm" in module_name:
                param.add_(torch.randn_like(param) * 0.1)
        if use_crf:
            for param in model.crf.parameters():
                param.copy_(torch.randn_like(param))
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(HERE, "..", "Tests", "Fixtures"))
    args = parser.parse_args()
    vocab_lines = open(VOCAB, encoding="utf-8").read().splitlines()[:VOCAB_SIZE]
    for seed, (name, overrides, dtype, use_crf, lengths) in enumerate(MODELS):
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        model = build(name, overrides, dtype, use_crf, seed)
        small_vocab = os.path.join(out, "vocab.txt")
        with open(small_vocab + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(vocab_lines) + "\n")
        save_bundle(model, small_vocab + ".tmp", out, dtype=dtype)
        os.remove(small_vocab + ".tmp")

        # Reference with exactly the stored (possibly rounded) weights, computed in fp32.
        stored = {k: v.float() for k, v in load_file(os.path.join(out, "model.safetensors")).items()}
        model.token_classifier.load_state_dict({k: v for k, v in stored.items() if not k.startswith("crf.")})
        if use_crf:
            model.crf.load_state_dict({k[4:]: v for k, v in stored.items() if k.startswith("crf.")})
        model.eval()

        generator = torch.Generator().manual_seed(100 + seed)
        sequences = [torch.randint(0, VOCAB_SIZE, (n,), generator=generator).tolist() for n in lengths]
        for seq in sequences:
            if len(seq) >= 2:
                seq[0], seq[-1] = 101, 102
        longest = max(lengths)
        ids = torch.zeros(len(sequences), longest, dtype=torch.long)
        mask = torch.zeros(len(sequences), longest, dtype=torch.long)
        for row, seq in enumerate(sequences):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        # The reference is computed in float64: both fp32 engines (PyTorch's and ours) round
        # differently, so the exact value is the fair target. PyTorch fp32's own distance from it
        # is recorded for comparison.
        with torch.no_grad():
            fp32_logits = model.token_classifier(input_ids=ids, attention_mask=mask).logits
            model.double()
            outputs = model.token_classifier(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            model.float()
        torch_fp32_error = max(float((fp32_logits[k, :n].double() - outputs.logits[k, :n]).abs().max())
                               for k, n in enumerate(lengths))
        tensors, paths = {}, []
        for k, n in enumerate(lengths):
            tensors[f"embeddings.{k}"] = outputs.hidden_states[0][k, :n].float().contiguous()
            for layer in range(model.config.num_hidden_layers):
                tensors[f"layer.{layer}.{k}"] = outputs.hidden_states[layer + 1][k, :n].float().contiguous()
            tensors[f"logits.{k}"] = outputs.logits[k, :n].float().contiguous()
        if use_crf:
            crf64 = model.crf.double()
            with torch.no_grad():
                # Decode the float32-rounded logits, exactly the values the Swift test feeds its CRF.
                emissions = outputs.logits.float().double()
                paths = crf64.viterbi(emissions, mask.bool())
                marginals = crf64.marginals(emissions, mask.bool())
            for k, n in enumerate(lengths):
                tensors[f"marginals.{k}"] = marginals[k, :n].float().contiguous()
        save_file(tensors, os.path.join(out, "reference.safetensors"))
        with open(os.path.join(out, "reference.json"), "w") as f:
            json.dump({"sequences": sequences, "viterbi_paths": paths, "storage_dtype": str(dtype).split(".")[1],
                       "hidden_act": model.config.hidden_act,
                       "reference_precision": "float64", "torch_fp32_logits_max_abs_error": torch_fp32_error, "generator": "tools/make_engine_fixtures.py"}, f)
        size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
        print(f"{name}: {size / 1e6:.2f} MB, sequences {lengths}, PyTorch fp32 logits max |Δ| vs fp64 {torch_fp32_error:.2e}")


if __name__ == "__main__":
    main()
