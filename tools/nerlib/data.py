"""MSRA-style `char TAG` files, entity spans, and alignment of character spans to word pieces."""
import os
from dataclasses import dataclass


@dataclass
class Sentence:
    text: str
    tags: list  # one tag per character (code point)


def read_char_tag_file(path):
    sentences, chars, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if chars:
                    sentences.append(Sentence("".join(chars), tags))
                    chars, tags = [], []
                continue
            char, tag = line.rsplit(" ", 1)
            chars.append(char if char else " ")
            tags.append(tag)
    if chars:
        sentences.append(Sentence("".join(chars), tags))
    return sentences


def spans_from_tags(tags, scheme="BIOES"):
    """(start, end, type) spans, end exclusive, as seqeval's strict mode reads them.
    BIOES/BMES: S-X alone, or B-X (I-X|M-X)* E-X; BIO: B-X (I-X)*. Anything else (I- or E-
    without a B-, a B- that is never closed in BIOES) is not an entity."""
    spans, i, n = [], 0, len(tags)
    while i < n:
        prefix, _, kind = tags[i].partition("-")
        if prefix == "S" and scheme != "BIO":
            spans.append((i, i + 1, kind))
        elif prefix == "B":
            j = i + 1
            while j < n and tags[j] in (f"I-{kind}", f"M-{kind}"):
                j += 1
            if scheme == "BIO":
                spans.append((i, j, kind)); i = j; continue
            if j < n and tags[j] == f"E-{kind}":
                spans.append((i, j + 1, kind)); i = j + 1; continue
            i = j; continue
        i += 1
    return spans


def tokenizer_for(vocab_path, do_lower_case=True):
    # Imported here so that the corpus readers work without transformers (tools/build_dictionary.py).
    from transformers import BertTokenizerFast

    return BertTokenizerFast(vocab=vocab_path, do_lower_case=do_lower_case,
                             tokenize_chinese_chars=True, strip_accents=None)


def encode_with_labels(tokenizer, sentence, label_to_id, max_pieces):
    """Word pieces of the sentence (with [CLS]/[SEP]) and BIOES piece labels derived from the
    character spans: a piece belongs to the entity containing its first character."""
    enc = tokenizer(sentence.text, return_offsets_mapping=True, add_special_tokens=False)
    ids, offsets = enc["input_ids"][:max_pieces], enc["offset_mapping"][:max_pieces]
    owner = [None] * len(sentence.text)
    for n, (s, e, t) in enumerate(spans_from_tags(sentence.tags)):
        for c in range(s, e):
            owner[c] = (n, t)
    labels = []
    for k, (s, _) in enumerate(offsets):
        own = owner[s]
        if own is None:
            labels.append("O"); continue
        prev_same = k > 0 and owner[offsets[k - 1][0]] == own
        next_same = k + 1 < len(offsets) and owner[offsets[k + 1][0]] == own
        prefix = "I" if prev_same and next_same else "E" if prev_same else "B" if next_same else "S"
        labels.append(f"{prefix}-{own[1]}")
    return ids, offsets, [label_to_id[l] for l in labels]


def piece_tags_to_char_spans(piece_labels, offsets):
    """Entity spans over characters from BIOES labels over pieces."""
    return [(offsets[s][0], offsets[e - 1][1], t) for s, e, t in spans_from_tags(piece_labels)]


# bert-base-chinese's vocabulary (21,128 tokens), committed with the tokenizer fixtures, so the
# fixture writers and the tool checks need nothing outside the repository (CI clones have no ../shared).
BERT_BASE_CHINESE_VOCAB = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                        "..", "..", "Tests", "Fixtures", "tokenizer", "vocab.txt"))
