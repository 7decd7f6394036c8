#!/usr/bin/env python3
"""Write Tests/Fixtures/tokenizer/cases.jsonl.gz: strings with Hugging Face BertTokenizerFast's ids
and offsets, for the Swift tokenizer's parity test.

Strings: every MSRA test sentence, 3,000 MSRA train sentences, and generated adversarial strings
(control and zero-width characters, Unicode whitespace, combining marks, full-width forms, emoji
with skin tones / ZWJ sequences / flags, Latin words, digits, URLs, accented and Turkish letters,
Greek, Cyrillic, Hangul, kana, CJK outside the BMP, literal special tokens, very long words,
strings of only spaces or only emoji). Each line: {"options": k, "text": ..., "pieces": [[id, start, end], ...]}
with `options` indexing OPTIONS. The vocabulary is bert-base-chinese's (copied next to the cases).
"""
import gzip
import json
import os
import random
import shutil
import sys

from transformers import BertTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
VOCAB = os.path.join(SHARED, "vocab", "bert-base-chinese-vocab.txt")
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "tokenizer")
OPTIONS = [
    {"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True},   # bert-base-chinese
    {"do_lower_case": False, "strip_accents": None, "tokenize_chinese_chars": True},
    {"do_lower_case": False, "strip_accents": True, "tokenize_chinese_chars": True},
    {"do_lower_case": True, "strip_accents": False, "tokenize_chinese_chars": False},
]
PIECES = ["你好", "世界", "北京", "Hello", "WORLD", "café", "İstanbul", "naïve", "ＡＢＣ", "ｈｅｌｌｏ", "１２３", "😀",
          "👍🏽", "🇨🇳", "🇺🇸", "👨\u200d👩\u200d👧", "❤️", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00a0", "\u3000",
          "\u2003", "\t", " ", "  ", "e\u0301", "a\u0308", "\u0301", "[SEP]", "[CLS]", "[unk]", "[MASK]", "[PAD]x",
          "http://www.example.com/a?b=c&d=1", "https://例子.中国/路径", "user@mail.com", "2006年", "3.14", "1,000",
          "ΑΒΓ", "αβγ", "Привет", "한국어", "カタカナ", "ひらがな", "𠀀", "𠮷", "𫠠", "𫤠", "\U0001d400",
          "\x01", "\x7f", "\x85", "\ue000", "\U000f0000", "\u0378", "$", "~", "`", "—", "…", "「」", "《》", "（）",
          "“引号”", "Ⅻ", "ﬁ", "ß", "ǅ", "Ω", "K", "\u0130\u0131", "\ufffd", "\u0000", "ＡＢＣ１２３",
          "don't", "U.S.A.", "C++", "#hashtag", "@user", "¥100", "€5", "½", "²", "①", "㈱", "\u2028"]


def adversarial(rng, sentences):
    k = rng.randint(1, 8)
    parts = [rng.choice(PIECES) if rng.random() < 0.8 else rng.choice(sentences)[:rng.randint(1, 12)] for _ in range(k)]
    return "".join(parts)


def main():
    rng = random.Random(2026)
    test = [s.text for s in read_char_tag_file(os.path.join(SHARED, "data", "msra", "test.bioes"))]
    train = [s.text for s in read_char_tag_file(os.path.join(SHARED, "data", "msra", "train.bioes"))]
    real = test + rng.sample(train, 3000)
    generated = [adversarial(rng, real) for _ in range(3000)]
    generated += ["a" * 100, "a" * 101, "长" * 300, "abc" * 50, " " * 10, "\u3000" * 5, "😀" * 20, "👨\u200d👩\u200d👧" * 3,
                  "", "\t\n", "\u200b" * 3, "x" + "\u0301" * 5]
    cases = [(0, t) for t in real + generated]
    for options in range(1, len(OPTIONS)):
        cases += [(options, t) for t in rng.sample(generated, 600) + rng.sample(real, 150)]
    tokenizers = [BertTokenizerFast(vocab=VOCAB, **o) for o in OPTIONS]
    os.makedirs(OUT, exist_ok=True)
    with gzip.open(os.path.join(OUT, "cases.jsonl.gz"), "wt", encoding="utf-8", compresslevel=9) as f:
        for options, text in cases:
            encoding = tokenizers[options](text, return_offsets_mapping=True, add_special_tokens=False)
            pieces = [[i, s, e] for i, (s, e) in zip(encoding["input_ids"], encoding["offset_mapping"])]
            f.write(json.dumps({"options": options, "text": text, "pieces": pieces}, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "options.json"), "w") as f:
        json.dump(OPTIONS, f, indent=1)
    shutil.copyfile(VOCAB, os.path.join(OUT, "vocab.txt"))
    print(f"{len(cases)} cases, {os.path.getsize(os.path.join(OUT, 'cases.jsonl.gz')) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
