#!/usr/bin/env bash
# make test-serve-load: --threads CPU use and abandoned-client dropping, measured on the release
# binary (see serve_load.py); exits non-zero when a check fails.
source "$(dirname "$0")/lib.sh"
[ -x "$NER_BIN" ] || { echo "build first: make release (or set NER_BIN)" >&2; exit 1; }
exec python3 "$ROOT/Tests/integration/serve_load.py" --ner "$NER_BIN" --model "$ROOT/Weights/default" "$@"
