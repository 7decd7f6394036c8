#!/usr/bin/env bash
# `ner stream` end to end (make test-stream): librdkafka's mock cluster (3 brokers, real Kafka
# protocol) in its own process, 6 input partitions, 20,000 texts plus bad messages, 2 workers in one
# group; one is SIGKILLed mid-run and a new one started; then SIGTERM of all. Prints a JSON summary
# and exits non-zero if anything was lost, a dead letter is missing or extra, or a result differs
# from `ner tag` on the same text. Then measures messages/s against `ner tag` (same texts, threads).
source "$(dirname "$0")/lib.sh"
apt_install kcat kcat
MOCK_BIN="${MOCK_BIN:-$(dirname "$NER_BIN")/kafka-mock-cluster}"
[ -x "$NER_BIN" ] && [ -x "$MOCK_BIN" ] || { echo "build first: make release (or set NER_BIN and MOCK_BIN)" >&2; exit 1; }
exec python3 "$ROOT/Tests/integration/stream.py" --ner "$NER_BIN" --mock "$MOCK_BIN" --model "$ROOT/Weights/default" "$@"
