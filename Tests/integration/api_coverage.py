#!/usr/bin/env python3
"""What a schemathesis run reached, from its HAR report, against what it must reach.

  api_coverage.py REPORT.har [--require]

Prints, per operation, the statuses and error codes the generated requests got. With --require it
exits 1 unless every pair in REQUIRED was reached: CI runs schemathesis with as few cases as still
reach every limit and every documented error a client can cause, and this check is what keeps that
number honest — a smaller count (or a schema change) that stops reaching one fails the run instead
of passing with less coverage.

Not required: 503 (loading, draining, queue full) and 499 client_gone, which no request body can
cause (the process and cluster tests cover them); 413 batch_too_large, because schemathesis's
negative cases with more than maxItems texts always break another rule too (a text that is not a
string, an unknown field) and get that 400 first, at 100 examples per operation as at 600
(RouterTests covers it); /openapi.json, the schema itself, which schemathesis does not call.
"""
import json
import sys
from collections import defaultdict
from urllib.parse import urlparse

# (method, path) → the (status, error code) pairs a generated request must reach.
REQUIRED = {
    **{("POST", path): {
        ("200", None), ("400", "invalid_json"), ("400", "invalid_field"), ("400", "invalid_utf8"),
        ("413", "text_too_long"), ("413", "dictionary_too_large"), ("422", "invalid_dictionary"), ("422", "invalid_types"),
    } for path in ["/ner", "/ner/batch"]},
    **{("GET", path): {("200", None)} for path in ["/health", "/ready", "/info", "/metrics", "/docs", "/"]},
}
# Both POST routes read their body through one helper (Routes.collectBody), so the body limit is
# reached through either: a /ner body over 64 KiB needs a dictionary of hundreds of long words,
# which the generator seldom writes.
ON_ANY_POST = ("413", "body_too_large")
# Every route must also answer a method it does not support with 405 and the JSON error.
METHOD_NOT_ALLOWED = ("405", "method_not_allowed")


def reached(har_path):
    """(method, path) → {(status, error code or None)} over every entry of the HAR file."""
    with open(har_path) as f:
        entries = json.load(f)["log"]["entries"]
    seen = defaultdict(set)
    for entry in entries:
        request, response = entry["request"], entry["response"]
        path = urlparse(request["url"]).path
        status = str(response["status"])
        code = None
        text = response.get("content", {}).get("text") or ""
        if status != "200" and text.startswith("{"):
            try:
                code = json.loads(text).get("error", {}).get("code")
            except (ValueError, AttributeError):
                code = "unparsable"
        seen[(request["method"], path)].add((status, code))
    return seen


def main():
    seen = reached(sys.argv[1])
    for (method, path), outcomes in sorted(seen.items()):
        listed = ", ".join(f"{s} {c}" if c else s for s, c in sorted(outcomes, key=lambda o: (o[0], o[1] or "")))
        print(f"{method:6} {path:14} {listed}")
    if "--require" not in sys.argv:
        return 0
    missing = [f"{m} {p}: {s} {c or ''}".rstrip() for (m, p), pairs in REQUIRED.items() for s, c in sorted(pairs, key=str)
               if (s, c) not in seen.get((m, p), set())]
    if not any(ON_ANY_POST in seen.get(("POST", p), set()) for p in ["/ner", "/ner/batch"]):
        missing.append("POST /ner or /ner/batch: 413 body_too_large")
    paths = {p for _, p in REQUIRED}
    for path in sorted(paths):
        if not any(METHOD_NOT_ALLOWED in outcomes for (m, p), outcomes in seen.items() if p == path):
            missing.append(f"any unsupported method on {path}: 405 method_not_allowed")
    if missing:
        print("schemathesis did not reach:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    print(f"coverage: every one of {sum(map(len, REQUIRED.values())) + len(paths) + 1} required outcomes reached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
