#!/usr/bin/env python3
"""Checks of tools/train.py's model growth and data augmentation on tiny inputs (no training).
Run: .venv/bin/python tools/test_training.py  (also `make test-tools`)."""
import os
import random
import sys
import tempfile

import torch
from safetensors.torch import save_file
from transformers import BertConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from export import load_state_dict  # noqa: E402
from nerlib.model import BertCrfTagger, bioes_labels, load_hf_tensors, load_pretrained_encoder  # noqa: E402
from nerlib.testing import assert_usage_error  # noqa: E402
from transformers import BertModel  # noqa: E402

# Characters that are single pieces in the bert-base-chinese vocabulary.
TRAINING_TEXT = [
    ("杭州市委今天开会。", ["B-ORG", "I-ORG", "I-ORG", "E-ORG", "O", "O", "O", "O", "O"]),
    ("他在杭州市工作。", ["O", "O", "B-LOC", "I-LOC", "E-LOC", "O", "O", "O"]),
    ("他去温州市和巴西。", ["O", "O", "B-LOC", "I-LOC", "E-LOC", "O", "B-LOC", "E-LOC", "O"]),
    ("北京大学很好。", ["B-ORG", "I-ORG", "I-ORG", "E-ORG", "O", "O", "O"]),
    ("他在北京。", ["O", "O", "B-LOC", "E-LOC", "O"]),
]


def write_training_file(path, sentences):
    """`sentences`: (text, tags) pairs, written as the char-per-line BIOES file train.py reads."""
    with open(path, "w", encoding="utf-8") as f:
        for text, tags in sentences:
            f.write("".join(f"{c} {t}\n" for c, t in zip(text, tags)) + "\n")


def tiny_model(layers):
    config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=16, num_labels=13)
    return BertCrfTagger(config)


def check_stacking():
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "model.safetensors")
        source = tiny_model(2)
        save_file({k: v.contiguous() for k, v in source.hf_state_dict().items() if v.is_floating_point()}, path)
        # 2 -> 5 layers: layer i from layer i % 2, also when 5 is not a multiple of 2
        grown = tiny_model(5)
        load_hf_tensors(grown, path, stack=True)
        weights = grown.token_classifier.state_dict()
        for target, origin in [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0)]:
            name = "bert.encoder.layer.{}.attention.self.query.weight"
            assert torch.equal(weights[name.format(target)], source.token_classifier.state_dict()[name.format(origin)])
        assert torch.equal(grown.crf.transitions, source.crf.transitions)
        for model, stack, fragment in [(tiny_model(4), False, "does not fit the model: missing"),
                                       (tiny_model(1), True, "cannot stack encoder layers [0, 1] into 1")]:
            try:
                load_hf_tensors(model, path, stack=stack)
            except ValueError as error:
                assert fragment in str(error), f"expected '{fragment}' in '{error}'"
                print(f"ok: {error}")
            else:
                raise AssertionError(f"no error; expected '{fragment}'")
    print("ok: a 2-layer bundle stacks into 5 layers (0, 1, 0, 1, 0)")


def check_org_composition():
    with tempfile.TemporaryDirectory() as root:
        data_path = os.path.join(root, "train.bioes")
        # index % 20 == 19 is dev: 20 copies keep every sentence in train
        write_training_file(data_path, TRAINING_TEXT * 20)
        args = train.parse_args(["--train", data_path, "--out", root, "--org-composition", "1"])
        data = train.Data(args)
    decode = data.tokenizer.convert_ids_to_tokens
    templates = {(ending, "".join(decode(suffix))) for ending, suffix in data.org_templates}
    # 杭州市委 = 杭州市 + 委; 北京大学 = 北京 + 大学. Fewer than 30 places end in 市, so every
    # ending here is "" (the shared bucket).
    assert templates == {("", "委"), ("", "大学")}, templates
    places = {"".join(decode(ids)) for ids in data.places_by_ending[""]}
    assert places == {"杭州市", "温州市", "巴西", "北京"}, places
    rng = random.Random(0)
    composed = {"".join(decode(data.composed_org(rng))) for _ in range(200)}
    assert "温州市委" in composed and "巴西大学" in composed and len(composed) == 8, composed
    ids, labels = data.replace_mentions(list(data.train_encoded[0][0]), list(data.train_encoded[0][2]), 1.0, rng)
    tags = [bioes_labels()[k] for k in labels]
    name = "".join(decode(ids[:tags.index("E-ORG") + 1]))
    assert tags[0] == "B-ORG" and name in composed, (name, tags)
    print(f"ok: composed ORG names {sorted(composed)}")


def check_dev_blocks():
    with tempfile.TemporaryDirectory() as root:
        data_path = os.path.join(root, "train.bioes")
        # sentence k is k+1 times 北
        write_training_file(data_path, [("北" * (k + 1), ["O"] * (k + 1)) for k in range(200)])
        for block, expected in [(1, [k for k in range(200) if k % 20 == 19]), (5, list(range(95, 100)) + list(range(195, 200)))]:
            data = train.Data(train.parse_args(["--train", data_path, "--out", root, "--dev-block", str(block)]))
            dev = [len(s.text) - 1 for s in data.dev]
            assert dev == expected and len(data.train) == 200 - len(expected), (block, dev)
        final = train.Data(train.parse_args(["--train", data_path, "--out", root, "--include-dev"]))
        assert len(final.train) == 200 and len(final.dev) == 10, (len(final.train), len(final.dev))
    print("ok: dev = every 20th sentence, or every 20th block of 5; --include-dev trains on all 200")


def check_pretrained_encoder():
    with tempfile.TemporaryDirectory() as root:
        # A pretrained encoder with 32 positions starts a 16-position tagger: the table is cut.
        config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=16, max_position_embeddings=32)
        pretrained = BertModel(config)
        pretrained.save_pretrained(root)
        tagger = tiny_model(2)
        tensors, weights_path = load_state_dict(root)
        unused = load_pretrained_encoder(tagger, tensors, weights_path)
        assert sorted(unused) == ["pooler.dense.bias", "pooler.dense.weight"], unused
        source, loaded = pretrained.state_dict(), tagger.bert.state_dict()
        assert torch.equal(loaded["encoder.layer.1.output.dense.weight"], source["encoder.layer.1.output.dense.weight"])
        assert torch.equal(loaded["embeddings.position_embeddings.weight"], source["embeddings.position_embeddings.weight"][:16])
        try:
            load_pretrained_encoder(BertCrfTagger(BertConfig(vocab_size=50, hidden_size=12, num_hidden_layers=2,
                                                             num_attention_heads=2, intermediate_size=16,
                                                             max_position_embeddings=16, num_labels=13)),
                                    tensors, weights_path)
        except ValueError as error:
            assert "has shape [8], the model needs [12] (set --layers/--hidden" in str(error), error
            print(f"ok: {error}")
        else:
            raise AssertionError("no error for a hidden-size mismatch")
    print("ok: a pretrained BertModel starts the encoder (positions cut 32 -> 16, pooler unused)")


def check_refused_arguments():
    cases = [(["--init-from", "a", "--init-encoder", "b"], "--init-from (a whole tagger) and --init-encoder"),
             (["--dev-block", "0"], "--dev-block must be at least 1, got 0")]
    for extra, fragment in cases:
        assert_usage_error(train.parse_args, ["--out", "unused"] + extra, fragment)


def check_special_ids():
    with tempfile.TemporaryDirectory() as root:
        data_path, vocab = os.path.join(root, "train.bioes"), os.path.join(root, "vocab.txt")
        write_training_file(data_path, TRAINING_TEXT)
        with open(vocab, "w", encoding="utf-8") as f:
            f.write("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n杭\n州\n")
        try:
            train.Data(train.parse_args(["--train", data_path, "--out", root, "--vocab", vocab]))
        except SystemExit as exit_:
            assert "train.py needs bert-base-chinese's layout ([UNK] 100" in str(exit_.code), exit_.code
        else:
            raise AssertionError("a vocabulary with other special ids was accepted")
    print("ok: a vocabulary whose special ids are not 100-103 is refused")


if __name__ == "__main__":
    check_refused_arguments()
    check_special_ids()
    check_pretrained_encoder()
    check_dev_blocks()
    check_stacking()
    check_org_composition()
