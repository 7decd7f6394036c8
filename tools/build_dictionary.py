#!/usr/bin/env python3
"""Build a user dictionary (`word<TAB>TYPE` lines, see Docs/DICTIONARIES.md) from a `char TAG` corpus.

  build_dictionary.py --data ../shared/data/msra/train.bioes --types ORG --out .build/msra-train-org.tsv
      every ORG mention of MSRA *train*, for `ner eval --dictionary` on MSRA test (train only: the
      dictionary must not know the test labels).

A word tagged with more than one type in the corpus is ambiguous: it is kept only when one type holds
at least `--majority` of its mentions, else dropped (a forced entity would be wrong on the rest).
`--min-count` drops rare mentions; `--min-length` drops one-character words, which would force an
entity on every occurrence of a common character.
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file, spans_from_tags  # noqa: E402


def mentions(path, scheme):
    counts = collections.defaultdict(collections.Counter)
    for sentence in read_char_tag_file(path):
        for start, end, kind in spans_from_tags(sentence.tags, scheme):
            counts[sentence.text[start:end]][kind] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="char TAG file (blank line between sentences)")
    parser.add_argument("--scheme", default="BIOES", choices=["BIOES", "BIO", "BMES"])
    parser.add_argument("--types", default="PER,LOC,ORG", help="comma-separated entity types to keep")
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--min-length", type=int, default=2)
    parser.add_argument("--majority", type=float, default=0.9)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    wanted = set(args.types.split(","))
    kept, ambiguous = [], 0
    for word, types in mentions(args.data, args.scheme).items():
        kind, count = types.most_common(1)[0]
        total = sum(types.values())
        if kind not in wanted or total < args.min_count or len(word) < args.min_length or "\t" in word or not word.strip():
            continue
        if count < args.majority * total:
            ambiguous += 1
            continue
        kept.append((word, kind))
    kept.sort()
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(f"# built by tools/build_dictionary.py from {os.path.basename(args.data)}: types {args.types}\n")
        for word, kind in kept:
            f.write(f"{word}\t{kind}\n")
    print(f"{args.out}: {len(kept)} entries ({ambiguous} ambiguous words dropped)", file=sys.stderr)


if __name__ == "__main__":
    main()
