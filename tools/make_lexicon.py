#!/usr/bin/env python3
"""Build a name lexicon (`name<TAB>TYPE` lines) for mention replacement in tools/train.py.

Source: jieba's dictionary (`pip install jieba==0.42.1`, MIT licence), whose part-of-speech tags
mark person names (nr, nrfg), place names (ns) and organisation names (nt). The test set is full
of names the training set never shows; swapping training mentions for these teaches the model to
find names it has not memorised.

jieba's tags are noisy (nr holds idioms and phrases), so an entry is kept only when
  * it never occurs anywhere in the MSRA training text — a word that does occur is either already
    a training mention (so already in the replacement pool) or is text MSRA does not tag as that
    type, and
  * it ends in a character that ends at least 10 training mentions of its type (县, 市, 河, 部,
    委员会's 会, a given-name character …), which drops most idioms and phrases tagged as names, and
  * for PER from nr: 2–3 characters, a surname that starts at least 3 training PER mentions, and
    given-name characters that each occur at least 3 times after the first character of training
    PER mentions (jieba's nr also holds segmentation debris such as a name plus the next word).
Only the training file is read (never test), so the lexicon cannot leak test labels.
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file, spans_from_tags  # noqa: E402

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
TYPES = {"nr": "PER", "nrfg": "PER", "ns": "LOC", "nt": "ORG"}


def jieba_dictionary():
    try:
        import jieba
    except ImportError:
        sys.exit("make_lexicon: jieba is not installed; run `.venv/bin/pip install jieba==0.42.1`")
    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


class TextIndex:
    """Which strings occur in a text: candidate start positions by first two characters."""

    def __init__(self, text):
        self.text = text
        self.starts = collections.defaultdict(list)
        for i in range(len(text) - 1):
            self.starts[text[i:i + 2]].append(i)
        self.chars = set(text)

    def contains(self, word):
        if len(word) == 1:
            return word in self.chars
        n = len(word)
        return any(self.text[i:i + n] == word for i in self.starts.get(word[:2], ()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", default=os.path.join(SHARED, "data/msra/train.bioes"))
    p.add_argument("--dictionary", default="", help="jieba dict.txt (default: the installed jieba's)")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    sentences = read_char_tag_file(args.train)
    index = TextIndex("\n".join(s.text for s in sentences))
    surnames, given, endings = collections.Counter(), collections.Counter(), collections.Counter()
    for s in sentences:
        for start, end, kind in spans_from_tags(s.tags):
            endings[kind, s.text[end - 1]] += 1
            if kind == "PER" and 2 <= end - start <= 3:
                surnames[s.text[start]] += 1
                given.update(s.text[start + 1:end])

    kept, seen = collections.Counter(), set()
    with open(args.dictionary or jieba_dictionary(), encoding="utf-8") as f, \
            open(args.out, "w", encoding="utf-8") as out:
        for line in f:
            word, _, tag = line.split()
            kind = TYPES.get(tag)
            if kind is None or len(word) < 2 or word in seen or index.contains(word):
                continue
            if endings[kind, word[-1]] < 10:
                continue
            if tag == "nr" and not (len(word) <= 3 and surnames[word[0]] >= 3
                                    and all(given[c] >= 3 for c in word[1:])):
                continue
            seen.add(word)
            kept[kind] += 1
            out.write(f"{word}\t{kind}\n")
    print(f"make_lexicon: wrote {sum(kept.values())} names to {args.out}: {dict(sorted(kept.items()))}")


if __name__ == "__main__":
    main()
