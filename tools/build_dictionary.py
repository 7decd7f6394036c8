#!/usr/bin/env python3
"""Build a user dictionary (`word<TAB>TYPE` lines, see Docs/DICTIONARIES.md) from a `char TAG` corpus.

  build_dictionary.py --data ../shared/data/msra/train.bioes --types ORG --out .build/msra-train-org.tsv
      every ORG mention of MSRA *train*, for `ner eval --dictionary` on MSRA test (train only: the
      dictionary must not know the test labels).

A dictionary entry forces its word to be an entity *everywhere*, so a word is kept only if that is
usually right in the corpus itself:
  * `--min-precision` (default 0.8): at least this share of the word's occurrences in the corpus
    text are exactly that entity — MSRA tags 经济 or 学校 as ORG a few times (inside names the
    annotators cut short) among thousands of plain uses; forcing them would be wrong almost always;
  * `--majority`: one type holds at least this share of its mentions (else ambiguous, dropped);
  * `--min-count` drops rare mentions; `--min-length` one-character words.
`--min-precision 0` keeps every mention (to measure what an unfiltered dictionary does).
"""
import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file, spans_from_tags  # noqa: E402


def mentions(sentences, scheme):
    counts = collections.defaultdict(collections.Counter)
    for sentence in sentences:
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
    parser.add_argument("--min-precision", type=float, default=0.8)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    wanted = set(args.types.split(","))
    sentences = read_char_tag_file(args.data)
    text = "\n".join(s.text for s in sentences)
    kept, ambiguous, imprecise = [], 0, 0
    for word, types in mentions(sentences, args.scheme).items():
        kind, count = types.most_common(1)[0]
        total = sum(types.values())
        if kind not in wanted or total < args.min_count or len(word) < args.min_length or "\t" in word or not word.strip():
            continue
        if count < args.majority * total:
            ambiguous += 1
            continue
        if args.min_precision > 0 and count < args.min_precision * text.count(word):
            imprecise += 1
            continue
        kept.append((word, kind))
    kept.sort()
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(f"# built by tools/build_dictionary.py from {os.path.basename(args.data)}: types {args.types}, "
                f"min precision {args.min_precision}\n")
        for word, kind in kept:
            f.write(f"{word}\t{kind}\n")
    print(f"{args.out}: {len(kept)} entries ({ambiguous} ambiguous words, {imprecise} words mostly not that entity dropped)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
