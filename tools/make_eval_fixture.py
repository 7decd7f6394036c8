#!/usr/bin/env python3
"""Write Tests/Fixtures/eval/: gold and perturbed "predicted" tag sequences with seqeval's scores.

The predictions are the gold tags of MSRA test sentences with realistic and malformed errors
injected (dropped, shifted, retyped and invented entities; I-/E- without B-; unclosed B-), so the
Swift `EntityMetrics` + `TagScheme` must reproduce seqeval's strict mode exactly, in BIOES and BIO.
"""
import json
import os
import random
import sys

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2, IOBES

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerlib.data import read_char_tag_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TEST = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "msra", "test.bioes"))
TYPES = ["PER", "LOC", "ORG"]


def perturb(tags, rng):
    tags = list(tags)
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(tags))
        kind = rng.choice(TYPES)
        roll = rng.random()
        if roll < 0.25:
            tags[i] = "O"                                   # breaks or drops an entity
        elif roll < 0.45:
            tags[i] = f"S-{kind}"                           # invented or retyped single
        elif roll < 0.6:
            tags[i] = f"I-{kind}"                           # I- without B- (invalid in strict mode)
        elif roll < 0.7:
            tags[i] = f"E-{kind}"                           # E- without B-
        elif roll < 0.8 and i + 2 < len(tags):
            tags[i:i + 3] = [f"B-{kind}", f"I-{kind}", f"E-{kind}"]   # invented entity
        elif roll < 0.9:
            tags[i] = f"B-{kind}"                           # unclosed B-
        else:
            if tags[i] != "O":                              # retype one tag inside an entity
                tags[i] = tags[i][:2] + kind
    return tags


def to_bio(tags):
    return [("B-" + t[2:]) if t[:2] == "S-" else ("I-" + t[2:]) if t[:2] == "E-" else t for t in tags]


def scores(gold, pred, scheme):
    report = classification_report(gold, pred, mode="strict", scheme=scheme, output_dict=True, zero_division=0)
    return {k: {m: float(report[k][m]) for m in ("precision", "recall", "f1-score", "support")}
            for k in report if k not in ("macro avg", "weighted avg")}


def main():
    rng = random.Random(7)
    sentences = read_char_tag_file(TEST)[:400]
    gold = [s.tags for s in sentences]
    pred = [perturb(t, rng) for t in gold]
    fixture = {
        "generator": "tools/make_eval_fixture.py",
        "bioes": {"gold": gold, "predicted": pred, "seqeval": scores(gold, pred, IOBES)},
        "bio": {"gold": [to_bio(t) for t in gold], "predicted": [to_bio(t) for t in pred],
                "seqeval": scores([to_bio(t) for t in gold], [to_bio(t) for t in pred], IOB2)},
    }
    out = os.path.join(HERE, "..", "Tests", "Fixtures", "eval")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "seqeval.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
    print(json.dumps(fixture["bioes"]["seqeval"]["micro avg"]), json.dumps(fixture["bio"]["seqeval"]["micro avg"]))


if __name__ == "__main__":
    main()
