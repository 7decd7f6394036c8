#!/usr/bin/env bash
# schemathesis against a real `ner serve`: cases generated from /openapi.json (valid and invalid
# bodies, boundary lengths, odd Unicode), every check on — no 5xx, every status documented, every
# response body valid against its schema — then api_coverage.py checks from the run's HAR report
# that every limit and every documented client error was reached.
#
# Usage: Tests/integration/api-fuzz.sh [max examples per operation] [ner serve options…]
#   make test-api: 600 examples against the release build and the default model (the deep run).
#   .ci/run: fewer examples against the debug build and the tiny fixture model, whose forward pass
#   is cheap in a debug build; the API is the same (labels, CRF, windows), the coverage check is
#   what shows the smaller run still reaches everything.
source "$(dirname "$0")/lib.sh"
EXAMPLES="${1:-600}"
shift || true
VENV="$ROOT/.venv-api"
[ -x "$VENV/bin/schemathesis" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==4.32.5" "hypothesis==6.170.29"; }
apt_install curl curl
WORK="$(mktemp -d)"
trap 'kill $SERVER_PID 2>/dev/null || true; [ -n "${KEEP_HAR:-}" ] && cp "$WORK/run.har" "$KEEP_HAR"; rm -rf "$WORK"' EXIT
# Small limits so that the generator reaches them; a short queue wait keeps the run quick.
start_server "$WORK/server.log" --max-text-characters 2000 --max-batch-items 16 --max-body-bytes 65536 "$@"
"$VENV/bin/schemathesis" --config-file "$ROOT/Tests/integration/schemathesis.toml" run "http://127.0.0.1:$SERVER_PORT/openapi.json" \
  --checks all --max-examples "$EXAMPLES" --seed 42 --generation-database none --no-color --report har --report-har-path "$WORK/run.har" 2>&1 | tee "$WORK/report.txt"
status=${PIPESTATUS[0]}
if grep -q " 5[0-9][0-9] " "$WORK/server.log"; then echo "server logged a 5xx" >&2; status=1; fi
python3 "$ROOT/Tests/integration/api_coverage.py" "$WORK/run.har" --require || status=1
exit "$status"
