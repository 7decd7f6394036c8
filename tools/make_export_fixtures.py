#!/usr/bin/env python3
"""Exporter round-trip fixtures: synthetic source checkpoints → tools/export.py → Tests/Fixtures/export/.

For each layout (a Hugging Face BertForTokenClassification folder with CRF tensors, and an
AdaSeq/ModelScope RaNER-style checkpoint with the same weights under AdaSeq's names) this builds
the source folder in a temporary directory, exports it, and stores the bundle together with the
logits that the *source* PyTorch model computes (float64) for a few token sequences. The Swift test
loads each exported bundle and must reproduce those logits and the CRF paths.

No real RaNER checkpoint can be downloaded here: the AdaSeq layout is synthetic, built with the
module and tensor names of AdaSeq's source (see Docs/MODEL.md).
"""
import json
import os
import shutil
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import BertConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
from nerlib.model import BertCrfTagger  # noqa: E402
from nerlib.data import BERT_BASE_CHINESE_VOCAB  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = BERT_BASE_CHINESE_VOCAB
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "export")
LABELS = ["O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC", "B-ORG", "I-ORG", "E-ORG", "S-ORG"]


def source_model():
    torch.manual_seed(11)
    config = BertConfig(vocab_size=512, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        max_position_embeddings=64, num_labels=len(LABELS), initializer_range=0.2,
                        id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)})
    config._attn_implementation = "eager"
    model = BertCrfTagger(config)
    with torch.no_grad():
        for p in model.crf.parameters():
            p.copy_(torch.randn_like(p))
    return model.eval()


def write_vocab(folder):
    lines = open(VOCAB, encoding="utf-8").read().splitlines()[:512]
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def hf_source(model, folder):
    """What `save_pretrained` writes, plus the CRF tensors in the same safetensors file."""
    model.token_classifier.config.save_pretrained(folder)
    tensors = {k: v.contiguous() for k, v in model.hf_state_dict().items() if v.is_floating_point()}
    tensors["bert.pooler.dense.weight"] = torch.zeros(32, 32)  # present in many checkpoints; must be ignored
    save_file(tensors, os.path.join(folder, "model.safetensors"))
    write_vocab(folder)


def raner_source(model, folder, encoder_prefix, head_prefix, write_labels):
    """A RaNER-style folder: pytorch_model.bin with the BERT under `encoder_prefix`, emissions and
    CRF under `head_prefix` (see export.py for where these names come from), the encoder's
    BertConfig without labels in config.json, labels written by `write_labels`."""
    tensors = {}
    for name, tensor in model.hf_state_dict().items():
        if not tensor.is_floating_point():
            continue
        if name.startswith("bert."):
            tensors[encoder_prefix + name[len("bert."):]] = tensor
        elif name.startswith("classifier."):
            tensors[head_prefix + "linear." + name[len("classifier."):]] = tensor
        else:
            tensors[head_prefix + name] = tensor
    # Present in older checkpoints; the exporter must drop both.
    tensors[encoder_prefix + "embeddings.position_ids"] = torch.arange(64).float()
    tensors[encoder_prefix + "pooler.dense.weight"] = torch.zeros(32, 32)
    torch.save(tensors, os.path.join(folder, "pytorch_model.bin"))
    encoder_config = model.config.to_dict()
    for key in ("id2label", "label2id", "num_labels"):
        encoder_config.pop(key, None)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(encoder_config, f)
    write_labels(folder)
    write_vocab(folder)


def adaseq_source(model, folder):
    """AdaSeq SequenceLabelingModel: `embedder.transformer_model.*`, `linear.*`, `crf.*`; labels in
    configuration.json `model.id_to_label` (as adaseq/commands/train.py writes them)."""
    def labels(folder):
        with open(os.path.join(folder, "configuration.json"), "w") as f:
            json.dump({"framework": "pytorch", "task": "named-entity-recognition",
                       "model": {"type": "sequence-labeling-model", "id_to_label": dict(enumerate(LABELS))}}, f)
    raner_source(model, folder, "embedder.transformer_model.", "", labels)


def modelscope_source(model, folder):
    """ModelScope transformer-crf: `encoder.*`, `head.linear.*`, `head.crf.*`; labels in
    label_mapping.json ({label: id}), the first place ModelScope's parse_label_mapping looks."""
    def labels(folder):
        with open(os.path.join(folder, "configuration.json"), "w") as f:
            json.dump({"framework": "pytorch", "task": "named-entity-recognition", "model": {"type": "transformer-crf"}}, f)
        with open(os.path.join(folder, "label_mapping.json"), "w") as f:
            json.dump({label: i for i, label in enumerate(LABELS)}, f)
    raner_source(model, folder, "encoder.", "head.", labels)


def main():
    model = source_model()
    generator = torch.Generator().manual_seed(5)
    sequences = [[101] + torch.randint(104, 512, (n,), generator=generator).tolist() + [102] for n in (3, 17, 40)]
    with torch.no_grad():
        model.double()
        logits = [model.emissions(torch.tensor([s]), torch.ones(1, len(s), dtype=torch.long))[0] for s in sequences]
        paths = [model.crf.viterbi(l.unsqueeze(0), torch.ones(1, len(l), dtype=torch.bool))[0] for l in logits]
        model.float()
    for layout, build in (("hf", hf_source), ("adaseq", adaseq_source), ("modelscope", modelscope_source)):
        with tempfile.TemporaryDirectory() as source:
            build(model, source)
            out = os.path.join(OUT, layout)
            shutil.rmtree(out, ignore_errors=True)
            export.export(source, out, layout="auto", dtype="f32", tag_scheme="BIOES")
        save_file({f"logits.{k}": l.float().contiguous() for k, l in enumerate(logits)}, os.path.join(out, "reference.safetensors"))
        with open(os.path.join(out, "reference.json"), "w") as f:
            json.dump({"sequences": sequences, "viterbi_paths": paths, "generator": "tools/make_export_fixtures.py"}, f)
        print(f"{layout}: exported to {out}")


if __name__ == "__main__":
    main()
