#!/usr/bin/env python3
"""Checks of tools/average_bundles.py on tiny bundles (no model needed).
Run: .venv/bin/python tools/test_average_bundles.py  (also `make test-tools`)."""
import json
import os
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import average_bundles  # noqa: E402
from nerlib.testing import assert_usage_error  # noqa: E402


def write_bundle(folder, tensors):
    os.makedirs(folder)
    save_file(tensors, os.path.join(folder, "model.safetensors"))
    for name in average_bundles.COPIED_FILES:
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(f"{name} of {os.path.basename(folder)}\n")
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"num_hidden_layers": 1}, f)


def check_average():
    with tempfile.TemporaryDirectory() as root:
        a, b, out = (os.path.join(root, n) for n in ("a", "b", "out"))
        write_bundle(a, {"w": torch.tensor([1.0, 2.0], dtype=torch.float16), "crf.transitions": torch.ones(2, 2)})
        write_bundle(b, {"w": torch.tensor([3.0, -2.0], dtype=torch.float16), "crf.transitions": torch.zeros(2, 2)})
        average_bundles.main(["--out", out, a, b])
        averaged = load_file(os.path.join(out, "model.safetensors"))
        assert averaged["w"].dtype == torch.float16 and averaged["w"].tolist() == [2.0, 0.0], averaged["w"]
        assert torch.equal(averaged["crf.transitions"], torch.full((2, 2), 0.5))
        with open(os.path.join(out, "vocab.txt"), encoding="utf-8") as f:
            assert f.read() == "vocab.txt of a\n"
        with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
            assert json.load(f)["averaged_from"] == [a, b]
    print("ok: two bundles average element-wise, in the first bundle's dtype, with its files")


def check_mismatches():
    with tempfile.TemporaryDirectory() as root:
        a, b, c = (os.path.join(root, n) for n in ("a", "b", "c"))
        write_bundle(a, {"w": torch.zeros(2)})
        write_bundle(b, {"w": torch.zeros(3)})
        write_bundle(c, {"v": torch.zeros(2)})
        for other, fragment in [(b, "w: shape [3] in"), (c, "have different tensors: ['v', 'w']"),
                                (root, "is not a bundle: no model.safetensors")]:
            assert_usage_error(average_bundles.main, ["--out", os.path.join(root, "out"), a, other], fragment)


if __name__ == "__main__":
    check_average()
    check_mismatches()
