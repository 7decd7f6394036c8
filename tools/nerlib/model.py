"""BERT token classifier + CRF with Hugging Face tensor names, and the bundle format BertNER loads.

A bundle is a folder with config.json (BertConfig incl. id2label), vocab.txt, tokenizer_config.json
and model.safetensors holding `bert.*`, `classifier.*` and (optionally) `crf.*` tensors.
"""
import json
import os
import re
import shutil

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import BertConfig, BertForTokenClassification

from .crf import CRF

BIOES_TYPES = ("LOC", "ORG", "PER")


def bioes_labels(types=BIOES_TYPES):
    labels = ["O"]
    for entity_type in types:
        labels += [f"{prefix}-{entity_type}" for prefix in "BIES"]
    return labels


class BertCrfTagger(nn.Module):
    """BertForTokenClassification whose emissions feed a CRF over the pieces between [CLS] and [SEP]."""

    def __init__(self, config: BertConfig, use_crf: bool = True):
        super().__init__()
        self.config = config
        self.token_classifier = BertForTokenClassification(config)
        self.crf = CRF(config.num_labels) if use_crf else None

    @property
    def bert(self):
        return self.token_classifier.bert

    def emissions(self, input_ids, attention_mask):
        return self.token_classifier(input_ids=input_ids, attention_mask=attention_mask).logits

    def hf_state_dict(self):
        """Tensors under the names BertNER and Hugging Face use (no `token_classifier.` prefix)."""
        tensors = {k: v for k, v in self.token_classifier.state_dict().items()}
        if self.crf is not None:
            for k, v in self.crf.state_dict().items():
                tensors[f"crf.{k}"] = v
        return tensors


LAYER_NAME = re.compile(r"^bert\.encoder\.layer\.(\d+)\.(.*)$")


def stacked_layers(tensors: dict, target_layers: int) -> dict:
    """Repeats a trained encoder on top of itself (progressive stacking, Gong et al. 2019): target
    layer i takes source layer i % n. Growing a trained model this way trains far faster than a
    deeper model from scratch, because every copy starts from features that already work."""
    source = sorted({int(m.group(1)) for k in tensors if (m := LAYER_NAME.match(k))})
    if not source or source != list(range(len(source))) or target_layers < len(source):
        raise ValueError(f"cannot stack encoder layers {source} into {target_layers} layers")
    grown = {k: v for k, v in tensors.items() if not LAYER_NAME.match(k)}
    for k, v in tensors.items():
        if m := LAYER_NAME.match(k):
            for target in range(int(m.group(1)), target_layers, len(source)):
                grown[f"bert.encoder.layer.{target}.{m.group(2)}"] = v.clone()
    return grown


def load_hf_tensors(model: BertCrfTagger, safetensors_path: str, stack: bool = False):
    """Loads tensors saved under Hugging Face names (`save_bundle`) into `model`, as fp32. With `stack`,
    a bundle with fewer encoder layers than `model` is grown by `stacked_layers`."""
    tensors = {k: v.float() for k, v in load_file(safetensors_path).items()}
    if stack:
        tensors = stacked_layers(tensors, model.config.num_hidden_layers)
    # strict=False: bundles leave out integer buffers (position ids), which the model rebuilds itself;
    # any missing floating-point weight is an error (it would silently stay random).
    missing, unexpected = model.token_classifier.load_state_dict(
        {k: v for k, v in tensors.items() if not k.startswith("crf.")}, strict=False)
    float_names = {k for k, v in model.token_classifier.state_dict().items() if v.is_floating_point()}
    missing = [k for k in missing if k in float_names]
    if missing or unexpected:
        raise ValueError(f"{safetensors_path} does not fit the model: missing {missing[:4]}, "
                         f"unexpected {unexpected[:4]} (a different layer count needs stacking)")
    if model.crf is not None:
        model.crf.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("crf.")})


def load_pretrained_encoder(model: BertCrfTagger, tensors: dict, source: str) -> list:
    """Loads the tensors of a pretrained Hugging Face BERT encoder (a `BertModel` or `Bert*For*`
    checkpoint, as `export.load_state_dict` reads it from `source`) into `model.bert`; the classifier
    and CRF stay fresh. A longer position table is cut to the model's (the pipeline windows longer
    texts). Returns the checkpoint's tensors that were not used (e.g. a pooler or an MLM head)."""
    encoder = model.bert.state_dict()
    loaded, unused = {}, []
    for name, value in tensors.items():
        key = name[len("bert."):] if name.startswith("bert.") else name
        if key not in encoder:
            unused.append(name)
            continue
        if key == "embeddings.position_embeddings.weight" and value.shape[0] > encoder[key].shape[0]:
            value = value[:encoder[key].shape[0]]
        if value.shape != encoder[key].shape:
            raise ValueError(f"{source}: {name} has shape {list(value.shape)}, the model needs "
                             f"{list(encoder[key].shape)} (set --layers/--hidden/--heads/--intermediate to the checkpoint's)")
        loaded[key] = value.float()
    missing = [k for k, v in encoder.items() if v.is_floating_point() and k not in loaded]
    if missing:
        raise ValueError(f"{source} does not fill the encoder: missing {missing[:4]}")
    model.bert.load_state_dict(loaded, strict=False)
    return unused


def save_bundle(model: BertCrfTagger, vocab_path: str, out_dir: str, dtype=torch.float32,
                do_lower_case: bool = True, extra_config: dict | None = None):
    os.makedirs(out_dir, exist_ok=True)
    tensors = {}
    for name, tensor in model.hf_state_dict().items():
        if not tensor.is_floating_point():  # integer buffers (position ids) are not weights
            continue
        tensors[name] = tensor.detach().to(dtype).contiguous()
    save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    config = model.config.to_dict()
    config["architectures"] = ["BertForTokenClassification"]
    config["use_crf"] = model.crf is not None
    config["tag_scheme"] = extra_config.get("tag_scheme", "BIOES") if extra_config else "BIOES"
    if extra_config:
        config.update(extra_config)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2, sort_keys=True)
    shutil.copyfile(vocab_path, os.path.join(out_dir, "vocab.txt"))
    tokenizer_config = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": do_lower_case,
        "tokenize_chinese_chars": True,
        "strip_accents": None,
        "model_max_length": config["max_position_embeddings"],
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, ensure_ascii=False, indent=2)
