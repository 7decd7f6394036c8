#!/usr/bin/env python3
"""Drop the vocabulary entries a BERT tokenizer can never produce, and their embedding rows.

Usage: .venv/bin/python tools/prune_vocab.py --out runs/pruned runs/x/bundle

Why it is lossless: the BERT pre-tokenizer makes every CJK ideograph and every punctuation character
a word of its own (and drops whitespace and control characters), and WordPiece only ever matches
pieces of one word. So a "##" continuation piece that contains such a character, or a longer piece
that contains one, can never match anything; nor can a piece containing whitespace. bert-base-chinese
has 7,545 such entries: 7,322 CJK continuations ("##中"), 119 punctuation continuations ("##，"), the
99 "[unusedN]" and 5 more ("<S>", "<T>", "...", "\u2028", "##\u2028"). Google's vocabulary builder
emitted them; the tokenizer that reads it splits them away. Dropping
them changes no token string of any text; ids are renumbered in the old order, so [PAD] stays 0.
For the 512-wide m3e encoder that is 3.86 M parameters, 7.7 MB in F16.

The output is a normal bundle (same config.json keys, `vocab_size` lowered, plus
`"vocabulary_pruned_from": <old size>`); BertNER and tools/evaluate.py load it unchanged.
"""
import argparse
import json
import os
import shutil
import sys
import unicodedata

from safetensors.torch import load_file, save_file

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
SPECIAL_TOKENS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
COPIED_FILES = ["tokenizer_config.json"]


def is_isolated_cjk(char):
    """The ideograph blocks the Rust `tokenizers` BertPreTokenizer pads with spaces (it skips
    U+2B820–U+2B91F; so does BertNER's BasicTokenizer). Only these are safe to treat as isolated."""
    cp = ord(char)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B920 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_punctuation(char):
    """Hugging Face's punctuation: every printable ASCII non-alphanumeric, and Unicode category P*."""
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def never_in_word(char):
    """Whitespace splits words and control characters are removed before WordPiece sees a word."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def reachable(token, splits_cjk=True):
    """Whether WordPiece can ever emit `token` (special tokens are always kept)."""
    if token in SPECIAL_TOKENS:
        return True
    continuation = token.startswith("##") and len(token) > 2
    body = token[2:] if continuation else token
    if any(never_in_word(c) for c in body):
        return False
    isolated = [c for c in body if is_punctuation(c) or (splits_cjk and is_isolated_cjk(c))]
    # An isolated character is a whole word: only the plain single-character entry can match it.
    return not isolated or (not continuation and len(body) == 1)


def prune(tokens, embeddings, splits_cjk=True):
    """Kept tokens (old order) and the matching embedding rows."""
    keep = [i for i, token in enumerate(tokens) if reachable(token, splits_cjk)]
    return [tokens[i] for i in keep], embeddings[keep].contiguous()


def read_vocab(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for the pruned bundle")
    p.add_argument("bundle")
    args = p.parse_args(argv)
    weights_path = os.path.join(args.bundle, "model.safetensors")
    for name in ("model.safetensors", "vocab.txt", "config.json"):
        if not os.path.isfile(os.path.join(args.bundle, name)):
            p.error(f"{args.bundle} is not a bundle: no {name}")
    tensors = load_file(weights_path)
    tokens = read_vocab(os.path.join(args.bundle, "vocab.txt"))
    if WORD_EMBEDDINGS not in tensors:
        p.error(f"{weights_path} has no {WORD_EMBEDDINGS}")
    if tensors[WORD_EMBEDDINGS].shape[0] != len(tokens):
        p.error(f"vocab.txt has {len(tokens)} tokens but {WORD_EMBEDDINGS} has "
                f"{tensors[WORD_EMBEDDINGS].shape[0]} rows")
    if len(set(tokens)) != len(tokens):
        p.error("vocab.txt lists a token twice; renumbering would change which id it maps to")
    with open(os.path.join(args.bundle, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    tokenizer_config = {}
    if os.path.isfile(os.path.join(args.bundle, "tokenizer_config.json")):
        with open(os.path.join(args.bundle, "tokenizer_config.json"), encoding="utf-8") as f:
            tokenizer_config = json.load(f)
    splits_cjk = tokenizer_config.get("tokenize_chinese_chars", True) is not False
    # The rule assumes the pre-tokenizer runs and matches only the five special tokens.
    if tokenizer_config.get("do_basic_tokenize", True) is False or tokenizer_config.get("never_split"):
        p.error("tokenizer_config.json turns off basic tokenization or lists never_split tokens; "
                "then pieces with punctuation or CJK can be reached and pruning would change tokenization")
    per_token = sorted(name for name in tensors if name.startswith("cls."))
    if per_token:
        p.error(f"{weights_path} has a masked-LM head ({per_token[0]} …) with a row per token; "
                "pruning handles token-classification bundles only")

    kept, tensors[WORD_EMBEDDINGS] = prune(tokens, tensors[WORD_EMBEDDINGS], splits_cjk)
    config["vocabulary_pruned_from"] = config.get("vocabulary_pruned_from", len(tokens))
    config["vocab_size"] = len(kept)
    if config.get("pad_token_id") is not None:
        config["pad_token_id"] = kept.index(tokens[config["pad_token_id"]])

    os.makedirs(args.out, exist_ok=True)
    save_file(tensors, os.path.join(args.out, "model.safetensors"))
    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(token + "\n" for token in kept))
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
    for name in COPIED_FILES:
        if os.path.isfile(os.path.join(args.bundle, name)):
            shutil.copy(os.path.join(args.bundle, name), os.path.join(args.out, name))
    size = os.path.getsize(os.path.join(args.out, "model.safetensors"))
    print(f"kept {len(kept)} of {len(tokens)} tokens; {args.out}/model.safetensors is {size / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
