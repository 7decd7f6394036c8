# Shared helpers for the integration scripts (source it). Starts real `ner serve` processes on
# loopback ports chosen by the OS and waits for readiness.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NER_BIN="${NER_BIN:-$ROOT/.build/release/ner}"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

# apt_install PACKAGE COMMAND: installs the Debian package when COMMAND is missing.
apt_install() {
  command -v "$2" >/dev/null 2>&1 && return 0
  echo "installing $1…" >&2
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null
}

# start_server LOGFILE [ner serve options…]: starts a server on 127.0.0.1, sets SERVER_PID and
# SERVER_PORT, and returns once /ready answers 200.
start_server() {
  local log="$1"; shift
  local out; out="$(mktemp)"
  "$NER_BIN" serve --host 127.0.0.1 --port 0 "$@" >"$out" 2>"$log" &
  SERVER_PID=$!
  SERVER_PORT=""
  for _ in $(seq 1 200); do
    SERVER_PORT="$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\)$/\1/p' "$out" | head -1)"
    [ -n "$SERVER_PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited early:" >&2; cat "$log" >&2; return 1; }
    sleep 0.05
  done
  [ -n "$SERVER_PORT" ] || { echo "server printed no port" >&2; return 1; }
  wait_ready "$SERVER_PORT" 60
}

# wait_ready PORT SECONDS
wait_ready() {
  local deadline=$(( $(date +%s) + $2 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ready")" = 200 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "port $1 not ready after $2 s" >&2; return 1; }
    sleep 0.05
  done
}
