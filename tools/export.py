#!/usr/bin/env python3
"""Export a token-classification checkpoint to a BertNER bundle.

  export.py --source DIR --out BUNDLE [--layout auto|hf|adaseq] [--dtype f32|f16|bf16]

Sources:
  hf      a Hugging Face BertForTokenClassification folder: config.json (with id2label),
          model.safetensors or pytorch_model.bin, vocab.txt, optional tokenizer_config.json.
          CRF tensors, when present, are read as crf.transitions [L, L] (from → to),
          crf.start_transitions [L], crf.end_transitions [L].
  adaseq  a ModelScope / AdaSeq RaNER checkpoint (pytorch_model.bin + config.json + configuration.json),
          in either of the two layouts that exist (see ADASEQ_* below): AdaSeq's
          SequenceLabelingModel or ModelScope's own `transformer-crf` model.

The bundle holds config.json (BertConfig + id2label + use_crf + tag_scheme), vocab.txt,
tokenizer_config.json and model.safetensors with Hugging Face names. Problems (missing files,
an unknown layout, a missing tensor, labels that disagree with the classifier) stop the export
with a message naming what was expected.
"""
import argparse
import json
import os
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file


class ExportError(Exception):
    pass


DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
ENCODER_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "hidden_act", "max_position_embeddings", "type_vocab_size", "layer_norm_eps",
                "hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range", "model_type")


def load_state_dict(directory):
    for name in ("model.safetensors", "pytorch_model.safetensors"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return load_file(path), path
    for name in ("pytorch_model.bin", "pytorch_model.pt", "model.bin"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            state = torch.load(path, map_location="cpu", weights_only=True)
            if isinstance(state, dict) and "state_dict" in state:
                state = state["state_dict"]
            return state, path
    raise ExportError(f"no weights in {directory}: expected model.safetensors or pytorch_model.bin")


def read_json(path, what):
    if not os.path.exists(path):
        raise ExportError(f"missing {what}: {path}")
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as error:
            raise ExportError(f"{path} is not valid JSON: {error}") from None


# ---- layouts ---------------------------------------------------------------------------------

def detect_layout(state):
    keys = list(state)
    if any(k.startswith("bert.embeddings.") for k in keys):
        return "hf"
    if any(k.startswith(ADASEQ_ENCODER_PREFIXES) for k in keys):
        return "adaseq"
    sample = ", ".join(sorted(keys)[:5])
    raise ExportError("unknown checkpoint layout: expected Hugging Face tensors 'bert.embeddings.*' or AdaSeq "
                      f"tensors '{ADASEQ_ENCODER_PREFIXES[0]}embeddings.*'; found e.g. {sample}")


def map_hf(state):
    tensors = {}
    for name, tensor in state.items():
        if name.startswith(("bert.embeddings.", "bert.encoder.", "classifier.")) or name in CRF_NAMES:
            tensors[name] = tensor
    return tensors


CRF_NAMES = ("crf.transitions", "crf.start_transitions", "crf.end_transitions")

# RaNER checkpoints, names read from the sources (modelscope/AdaSeq at f7dbb926, modelscope/modelscope
# at 2905da12); no real checkpoint can be downloaded here, so the fixtures are synthetic:
# - AdaSeq `SequenceLabelingModel` (adaseq/models/sequence_labeling_model.py): the BERT is
#   `embedder.transformer_model.*` (TransformerEmbedder), emissions `linear.*`, CRF `crf.*`.
# - ModelScope `transformer-crf` (models/nlp/task_models/token_classification.py, heads/crf_head.py;
#   the original 2022 TransformerCRF): the BERT is `encoder.*`, emissions `linear.*` or
#   `head.linear.*`, CRF `crf.*` or `head.crf.*`.
# Both CRFs are pytorch-crf's: transitions[from, to], start_transitions, end_transitions. Buffers
# (`position_ids`) and the unused pooler are dropped.
ADASEQ_ENCODER_PREFIXES = ("embedder.transformer_model.", "encoder.")
ADASEQ_LINEAR = ("linear.", "head.linear.")
ADASEQ_CRF = ("crf.", "head.crf.")


def map_adaseq(state):
    tensors = {}
    for name, tensor in state.items():
        for prefix in ADASEQ_ENCODER_PREFIXES:
            if name.startswith(prefix):
                rest = name[len(prefix):]
                if rest.startswith(("embeddings.", "encoder.")) and not rest.endswith("position_ids"):
                    tensors["bert." + rest] = tensor
                break
        for prefix in ADASEQ_LINEAR:
            if name.startswith(prefix):
                tensors["classifier." + name[len(prefix):]] = tensor
        for prefix in ADASEQ_CRF:
            if name.startswith(prefix):
                tensors["crf." + name[len(prefix):]] = tensor
    return tensors


# ---- checks and writing ----------------------------------------------------------------------

def required_names(config, use_crf):
    names = [f"bert.embeddings.{e}_embeddings.weight" for e in ("word", "position", "token_type")]
    names += ["bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"]
    for i in range(config["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        for part in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                     "intermediate.dense", "output.dense", "attention.output.LayerNorm", "output.LayerNorm"):
            names += [p + part + ".weight", p + part + ".bias"]
    names += ["classifier.weight", "classifier.bias"]
    if use_crf:
        names += list(CRF_NAMES)
    return names


def export(source, out, layout="auto", dtype="f16", tag_scheme=None, labels=None):
    if not os.path.isdir(source):
        raise ExportError(f"source folder not found: {source}")
    state, weights_path = load_state_dict(source)
    layout = detect_layout(state) if layout == "auto" else layout
    tensors = map_hf(state) if layout == "hf" else map_adaseq(state)
    config = read_adaseq_config(source) if layout == "adaseq" else read_json(os.path.join(source, "config.json"), "config.json")
    vocab = os.path.join(source, "vocab.txt")
    if not os.path.exists(vocab):
        raise ExportError(f"missing vocab.txt in {source}")

    use_crf = all(n in tensors for n in CRF_NAMES)
    if any(n in tensors for n in CRF_NAMES) and not use_crf:
        missing = [n for n in CRF_NAMES if n not in tensors]
        raise ExportError(f"incomplete CRF in {weights_path}: missing {', '.join(missing)}")
    for name in required_names(config, use_crf):
        if name not in tensors:
            raise ExportError(f"missing tensor '{name}' ({layout} layout) in {weights_path}")

    id2label = labels or config.get("id2label")
    if not id2label:
        raise ExportError("no labels: config.json has no id2label (pass --labels FILE, one label per line)")
    id2label = {str(k): v for k, v in (id2label.items() if isinstance(id2label, dict) else enumerate(id2label))}
    count = tensors["classifier.weight"].shape[0]
    if len(id2label) != count:
        raise ExportError(f"{len(id2label)} labels but the classifier has {count} outputs")
    if use_crf and tuple(tensors["crf.transitions"].shape) != (count, count):
        raise ExportError(f"crf.transitions has shape {list(tensors['crf.transitions'].shape)}, expected [{count}, {count}]")

    bundle_config = {k: config[k] for k in ENCODER_KEYS if k in config}
    bundle_config.setdefault("model_type", "bert")
    bundle_config.update({"architectures": ["BertForTokenClassification"], "id2label": id2label,
                          "label2id": {v: int(k) for k, v in id2label.items()}, "use_crf": use_crf,
                          "exported_from": {"layout": layout, "source": os.path.abspath(source)}})
    if tag_scheme:
        bundle_config["tag_scheme"] = tag_scheme
    os.makedirs(out, exist_ok=True)
    save_file({k: v.to(DTYPES[dtype]).contiguous() for k, v in tensors.items()},
              os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(bundle_config, f, ensure_ascii=False, indent=2, sort_keys=True)
    shutil.copyfile(vocab, os.path.join(out, "vocab.txt"))
    tokenizer_config = {"do_lower_case": True, "tokenize_chinese_chars": True, "strip_accents": None}
    source_tokenizer = os.path.join(source, "tokenizer_config.json")
    if os.path.exists(source_tokenizer):
        given = read_json(source_tokenizer, "tokenizer_config.json")
        tokenizer_config.update({k: given[k] for k in tokenizer_config if k in given})
    tokenizer_config["tokenizer_class"] = "BertTokenizer"
    tokenizer_config["model_max_length"] = bundle_config.get("max_position_embeddings", 512)
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, ensure_ascii=False, indent=2)
    return bundle_config


def read_adaseq_config(source):
    """RaNER folders keep the encoder's BertConfig in config.json (HF format) and the labels in one of
    the places ModelScope's `parse_label_mapping` and AdaSeq's trainer use, tried in this order:
    label_mapping.json ({label: id}); configuration.json `model.id_to_label` (AdaSeq),
    `model.id2label` / `model.label2id`, `preprocessor.id2label` / `preprocessor.label2id`;
    then config.json `id2label`."""
    config = read_json(os.path.join(source, "config.json"), "config.json (the encoder's BertConfig)")
    labels = None
    mapping = os.path.join(source, "label_mapping.json")
    if os.path.exists(mapping):
        labels = invert(read_json(mapping, "label_mapping.json"), "label_mapping.json")
    configuration = os.path.join(source, "configuration.json")
    if labels is None and os.path.exists(configuration):
        task = read_json(configuration, "configuration.json")
        for section in ("model", "preprocessor"):
            part = task.get(section) or {}
            if part.get("id_to_label") or part.get("id2label"):
                labels = part.get("id_to_label") or part.get("id2label")
                break
            if part.get("label2id") or part.get("label_to_id"):
                labels = invert(part.get("label2id") or part.get("label_to_id"), f"configuration.json {section}.label2id")
                break
    if labels is not None:
        config["id2label"] = labels
    return config


def invert(label_to_id, what):
    if not isinstance(label_to_id, dict) or not all(isinstance(v, int) for v in label_to_id.values()):
        raise ExportError(f"{what} must map each label to an integer id")
    return {str(i): label for label, i in label_to_id.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--layout", choices=["auto", "hf", "adaseq"], default="auto")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="f16")
    p.add_argument("--tag-scheme", choices=["BIO", "BIOES", "BMES"])
    p.add_argument("--labels", help="file with one label per line (when the checkpoint has no id2label)")
    args = p.parse_args()
    labels = None
    if args.labels:
        with open(args.labels, encoding="utf-8") as f:
            labels = [line.strip() for line in f if line.strip()]
    try:
        config = export(args.source, args.out, args.layout, args.dtype, args.tag_scheme, labels)
    except ExportError as error:
        print(f"export: error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"exported {config['exported_from']['layout']} checkpoint → {args.out} "
          f"({config['num_hidden_layers']} layers, {len(config['id2label'])} labels, CRF: {config['use_crf']})")


if __name__ == "__main__":
    main()
