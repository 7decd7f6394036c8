#!/usr/bin/env python3
"""Error cases of tools/export.py: each bad input stops the export with a precise message.
Run: .venv/bin/python tools/test_export.py  (also `make test-tools`)."""
import json
import os
import shutil
import sys
import tempfile

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
import make_export_fixtures as fixtures  # noqa: E402


def expect_error(fragment, source, **kwargs):
    with tempfile.TemporaryDirectory() as out:
        try:
            export.export(source, os.path.join(out, "bundle"), **kwargs)
        except export.ExportError as error:
            assert fragment in str(error), f"expected '{fragment}' in '{error}'"
            print(f"ok: {error}")
            return
    raise AssertionError(f"no error for {source}; expected '{fragment}'")


def main():
    model = fixtures.source_model()
    with tempfile.TemporaryDirectory() as root:
        expect_error("source folder not found", os.path.join(root, "absent"))
        empty = os.path.join(root, "empty"); os.makedirs(empty)
        expect_error("no weights in", empty)

        unknown = os.path.join(root, "unknown"); os.makedirs(unknown)
        save_file({"foo.weight": torch.zeros(2)}, os.path.join(unknown, "model.safetensors"))
        expect_error("unknown checkpoint layout", unknown)

        hf = os.path.join(root, "hf"); os.makedirs(hf)
        fixtures.hf_source(model, hf)
        no_vocab = shutil.copytree(hf, os.path.join(root, "no-vocab")); os.remove(os.path.join(no_vocab, "vocab.txt"))
        expect_error("missing vocab.txt", no_vocab)
        no_config = shutil.copytree(hf, os.path.join(root, "no-config")); os.remove(os.path.join(no_config, "config.json"))
        expect_error("missing config.json", no_config)

        missing = os.path.join(root, "missing"); os.makedirs(missing)
        tensors = {k: v for k, v in model.hf_state_dict().items() if v.is_floating_point() and "layer.1.output.dense.bias" not in k}
        save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(missing, "model.safetensors"))
        shutil.copy(os.path.join(hf, "config.json"), missing); shutil.copy(os.path.join(hf, "vocab.txt"), missing)
        expect_error("missing tensor 'bert.encoder.layer.1.output.dense.bias'", missing)

        half_crf = os.path.join(root, "half-crf"); os.makedirs(half_crf)
        tensors = {k: v.contiguous() for k, v in model.hf_state_dict().items() if v.is_floating_point() and k != "crf.end_transitions"}
        save_file(tensors, os.path.join(half_crf, "model.safetensors"))
        shutil.copy(os.path.join(hf, "config.json"), half_crf); shutil.copy(os.path.join(hf, "vocab.txt"), half_crf)
        expect_error("incomplete CRF", half_crf)

        wrong_labels = shutil.copytree(hf, os.path.join(root, "wrong-labels"))
        config = json.load(open(os.path.join(wrong_labels, "config.json")))
        config["id2label"] = {"0": "O", "1": "B-PER"}
        json.dump(config, open(os.path.join(wrong_labels, "config.json"), "w"))
        expect_error("2 labels but the classifier has 13 outputs", wrong_labels)
    print("all export error cases passed")


if __name__ == "__main__":
    main()
