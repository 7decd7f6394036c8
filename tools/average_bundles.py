#!/usr/bin/env python3
"""Average the weights of several bundles of one architecture into a new bundle (a "uniform model
soup", Wortsman et al. 2022). Runs that start from the same trained weights land in one basin, so
their average is a model too, and often a better one than each: the runs' differences are partly
noise (their own data order and replacements), which averaging cancels.

Usage: .venv/bin/python tools/average_bundles.py --out runs/soup runs/a/bundle runs/b/bundle

The new bundle takes config.json, vocab.txt and tokenizer_config.json from the first bundle (its
config.json gains `"averaged_from"`); tensors are averaged in fp32 and stored in the first
bundle's dtype.
"""
import argparse
import json
import os
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

COPIED_FILES = ["vocab.txt", "tokenizer_config.json"]


class BundleMismatch(ValueError):
    pass


def average_tensors(tensor_sets, names):
    """Element-wise mean of same-named, same-shaped tensors; `names` label the sets in errors."""
    first = tensor_sets[0]
    for tensors, name in zip(tensor_sets[1:], names[1:]):
        if tensors.keys() != first.keys():
            extra = sorted(tensors.keys() ^ first.keys())[:4]
            raise BundleMismatch(f"{name} and {names[0]} have different tensors: {extra}")
        for key, value in tensors.items():
            if value.shape != first[key].shape:
                raise BundleMismatch(f"{key}: shape {list(value.shape)} in {name}, "
                                     f"{list(first[key].shape)} in {names[0]}")
    return {key: (sum(t[key].float() for t in tensor_sets) / len(tensor_sets)).to(first[key].dtype).contiguous()
            for key in first}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("bundles", nargs="+")
    args = p.parse_args(argv)
    if len(args.bundles) < 2:
        p.error("give at least two bundles to average")
    tensor_sets = []
    for bundle in args.bundles:
        path = os.path.join(bundle, "model.safetensors")
        if not os.path.isfile(path):
            p.error(f"{bundle} is not a bundle: no model.safetensors")
        tensor_sets.append(load_file(path))
    try:
        averaged = average_tensors(tensor_sets, args.bundles)
    except BundleMismatch as error:
        p.error(str(error))
    os.makedirs(args.out, exist_ok=True)
    save_file(averaged, os.path.join(args.out, "model.safetensors"))
    for name in COPIED_FILES:
        shutil.copy(os.path.join(args.bundles[0], name), os.path.join(args.out, name))
    with open(os.path.join(args.bundles[0], "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config["averaged_from"] = [os.path.normpath(b) for b in args.bundles]
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
    print(f"averaged {len(args.bundles)} bundles ({len(averaged)} tensors) into {args.out}")


if __name__ == "__main__":
    sys.exit(main())
