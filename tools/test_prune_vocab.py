#!/usr/bin/env python3
"""Checks of tools/prune_vocab.py: the pruned vocabulary tokenizes every text into the same pieces,
and a pruned bundle gives the same logits as the original.
Uses bert-base-chinese's vocabulary as committed for the tokenizer fixtures and, when present, MSRA
test from ../shared/data (skipped with a message when absent; everything else always runs).
Run: .venv/bin/python tools/test_prune_vocab.py  (also `make test-tools`)."""
import contextlib
import io
import os
import random
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prune_vocab  # noqa: E402
from evaluate import load_bundle  # noqa: E402
from nerlib.data import BERT_BASE_CHINESE_VOCAB, read_char_tag_file, tokenizer_for  # noqa: E402
from nerlib.model import BertCrfTagger, save_bundle  # noqa: E402
from nerlib.testing import assert_usage_error  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB = BERT_BASE_CHINESE_VOCAB
MSRA_TEST = os.path.join(ROOT, "..", "shared", "data", "msra", "test.bioes")
# Latin words that need ## pieces, accents and capitals (lower-cased and stripped), full-width and
# CJK punctuation, digits, emoji, a character outside the tokenizer's CJK blocks (U+2B820), a
# control character and the U+2028 line separator that bert-base-chinese lists as a token.
TEXTS = [
    "新华社北京电，国家主席江泽民今天在人民大会堂会见了美国总统克林顿和微软公司董事长比尔·盖茨。",
    "Playstation 和 Xbox 在 Zürich 的 CAFÉ 卖出 12,345.67 台（约 3%）…《人民日报》「引号」【括号】",
    "unbelievably##tokenization's re-export: C++/C# ＡＢＣ１２３ 😀👍 𫠠 a\u0007b\u2028c ###",
    "Ⅻ号楼 ① ㈠ ﹏﹏ ～ · — “引文” ‘单引’ ¥100 $5 @user #话题# e-mail: a.b@c.cn",
]


def pieces(tokenizer, text):
    return tokenizer.convert_ids_to_tokens(tokenizer(text, add_special_tokens=False)["input_ids"])


def check_same_pieces():
    tokens = prune_vocab.read_vocab(VOCAB)
    kept = [t for t in tokens if prune_vocab.reachable(t)]
    dropped = set(tokens) - set(kept)
    assert len(tokens) == 21128 and len(kept) == 13583, (len(tokens), len(kept))
    assert "##中" in dropped and "##，" in dropped and "[unused1]" in dropped and "[PAD]" not in dropped
    assert "##ing" not in dropped and "中" not in dropped and "，" not in dropped and "##2" not in dropped
    texts = list(TEXTS)
    if os.path.isfile(MSRA_TEST):
        texts += [s.text for s in read_char_tag_file(MSRA_TEST)]
    else:
        print(f"note: {MSRA_TEST} is absent; checking the generated texts only")
    # Independent of the rule: every dropped token's body, alone and glued to letters, digits, a CJK
    # character and an accented letter, plus random strings of vocabulary characters.
    bodies = [t[2:] if t.startswith("##") and len(t) > 2 else t for t in sorted(dropped)]
    texts += [prefix + body + suffix for body in bodies for prefix, suffix in
              [("", ""), ("a", ""), ("1", "x"), ("中", "中"), ("é", "s"), ("##", "")]]
    rng = random.Random(7)
    alphabet = sorted({c for t in tokens for c in t})
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    with tempfile.TemporaryDirectory() as root:
        pruned_vocab = os.path.join(root, "vocab.txt")
        with open(pruned_vocab, "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t in kept))
        full, pruned = tokenizer_for(VOCAB), tokenizer_for(pruned_vocab)
        assert len(full.get_vocab()) == 21128 and len(pruned.get_vocab()) == 13583
        for text in texts:
            expected = pieces(full, text)
            assert not dropped.intersection(expected), (text, dropped.intersection(expected))
            assert expected == pieces(pruned, text), text
    print(f"ok: {len(texts)} texts never produce a dropped token and tokenize into the same pieces "
          f"with {len(kept)} of {len(tokens)} tokens")


def check_same_logits():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=21128, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=128,
                        id2label={0: "O", 1: "B-PER", 2: "I-PER", 3: "E-PER", 4: "S-PER"})
    with tempfile.TemporaryDirectory() as root:
        original, pruned = os.path.join(root, "original"), os.path.join(root, "pruned")
        save_bundle(BertCrfTagger(config, use_crf=True).eval(), VOCAB, original)
        with contextlib.redirect_stdout(io.StringIO()):
            prune_vocab.main(["--out", pruned, original])
        assert load_file(os.path.join(pruned, "model.safetensors"))[prune_vocab.WORD_EMBEDDINGS].shape == (13583, 16)
        (model_a, tok_a, _), (model_b, tok_b, _) = load_bundle(original), load_bundle(pruned)
        assert model_b.config.vocab_size == 13583 and model_b.config.vocabulary_pruned_from == 21128
        with torch.no_grad():
            for text in TEXTS:
                ids_a = torch.tensor([tok_a(text)["input_ids"]])
                ids_b = torch.tensor([tok_b(text)["input_ids"]])
                assert not torch.equal(ids_a, ids_b), "ids should be renumbered"
                logits_a = model_a.emissions(ids_a, torch.ones_like(ids_a))
                logits_b = model_b.emissions(ids_b, torch.ones_like(ids_b))
                assert torch.equal(logits_a, logits_b), text
    print("ok: a pruned bundle gives bit-identical logits with renumbered ids")


def refused(bundle, out, fragment):
    assert_usage_error(prune_vocab.main, ["--out", out, bundle], fragment)


def check_refusals():
    with tempfile.TemporaryDirectory() as root:
        bad, out = os.path.join(root, "bad"), os.path.join(root, "out")
        os.makedirs(bad)
        with open(os.path.join(bad, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("[PAD]\n[UNK]\n")
        with open(os.path.join(bad, "config.json"), "w", encoding="utf-8") as f:
            f.write("{}")
        refused(bad, out, "is not a bundle: no model.safetensors")
        save_file({prune_vocab.WORD_EMBEDDINGS: torch.zeros(3, 2)}, os.path.join(bad, "model.safetensors"))
        refused(bad, out, "vocab.txt has 2 tokens but bert.embeddings.word_embeddings.weight has 3 rows")
        save_file({"other": torch.zeros(2, 2)}, os.path.join(bad, "model.safetensors"))
        refused(bad, out, "has no bert.embeddings.word_embeddings.weight")
        save_file({prune_vocab.WORD_EMBEDDINGS: torch.zeros(2, 2), "cls.predictions.bias": torch.zeros(2)},
                  os.path.join(bad, "model.safetensors"))
        refused(bad, out, "has a masked-LM head (cls.predictions.bias …)")
        save_file({prune_vocab.WORD_EMBEDDINGS: torch.zeros(2, 2)}, os.path.join(bad, "model.safetensors"))
        with open(os.path.join(bad, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            f.write('{"never_split": ["[X]"]}')
        refused(bad, out, "turns off basic tokenization or lists never_split tokens")


if __name__ == "__main__":
    check_same_pieces()
    check_same_logits()
    check_refusals()
