#!/usr/bin/env bash
# Replicated deployment under faults (make test-cluster): 3 `ner serve` replicas behind haproxy,
# bounded load for ~60 s, one replica SIGKILLed and restarted, then a rolling SIGTERM restart of
# all three. Prints requests sent / answered 200 / failed, p99 per phase, time to ready; exits
# non-zero if any request failed. See Docs/DEPLOYMENT.md for the haproxy settings and why retrying is safe.
source "$(dirname "$0")/lib.sh"
apt_install haproxy haproxy
[ -x "$NER_BIN" ] || { echo "build first: make release (or set NER_BIN)" >&2; exit 1; }
exec python3 "$ROOT/Tests/integration/cluster.py" --ner "$NER_BIN" --model "$ROOT/Weights/default" "$@"
