#!/usr/bin/env bash
# schemathesis against a real `ner serve`: cases generated from /openapi.json (valid and invalid
# bodies, boundary lengths, odd Unicode), every check on — no 5xx, every status documented, every
# response body valid against its schema. Usage: Tests/integration/api-fuzz.sh [max examples per operation].
source "$(dirname "$0")/lib.sh"
EXAMPLES="${1:-600}"
VENV="$ROOT/.venv-api"
[ -x "$VENV/bin/schemathesis" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "schemathesis==4.32.5"; }
apt_install curl curl
WORK="$(mktemp -d)"
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
# Small limits so that the generator reaches them; a short queue wait keeps the run quick.
start_server "$WORK/server.log" --max-text-characters 2000 --max-batch-items 16 --max-body-bytes 65536
"$VENV/bin/schemathesis" --config-file "$ROOT/Tests/integration/schemathesis.toml" run "http://127.0.0.1:$SERVER_PORT/openapi.json" \
  --checks all --max-examples "$EXAMPLES" --seed 42 --no-color 2>&1 | tee "$WORK/report.txt"
status=${PIPESTATUS[0]}
if grep -q " 5[0-9][0-9] " "$WORK/server.log"; then echo "server logged a 5xx" >&2; status=1; fi
exit "$status"
