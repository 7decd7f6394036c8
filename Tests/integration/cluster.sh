#!/usr/bin/env bash
# Replicated deployment under faults (make test-cluster): 3 `ner serve` replicas behind haproxy,
# scraped every second by a real Prometheus (loopback) with deploy/prometheus's rules, bounded load
# for ~60 s, one replica SIGKILLed (kept down until Prometheus fires BertNERReplicaDown) and
# restarted, then a rolling SIGTERM restart of all three. Prints requests sent / answered 200 /
# failed, p99 per phase, time to ready, and what Prometheus computed (request count, p99, the
# killed replica down and back, the alert, every dashboard and adapter query); exits non-zero if
# any request failed or a Prometheus check did not hold. See Docs/DEPLOYMENT.md for the haproxy settings and why retrying is safe.
source "$(dirname "$0")/lib.sh"
apt_install haproxy haproxy
apt_install prometheus prometheus
[ -x "$NER_BIN" ] || { echo "build first: make release (or set NER_BIN)" >&2; exit 1; }
exec python3 "$ROOT/Tests/integration/cluster.py" --ner "$NER_BIN" --model "$ROOT/Weights/default" "$@"
