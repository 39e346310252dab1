#!/usr/bin/env bash
# The demo container `ct-demo`: a few busy processes to trace (no network).
# PID 1 starts a "web" worker that runs a program every second, a "cron"
# loop that runs a small pipeline every 3 seconds, and a worker that tries a
# missing program now and then (failed execs are events too).
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-ct-demo}"
bash scripts/make-image.sh
if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then exit 0; fi
docker rm -f "$name" >/dev/null 2>&1 || true
docker run -d --name "$name" --network none --label container-trace.demo=1 container-trace/busybox:latest sh -c '
  (while :; do date > /tmp/now; sleep 1; done) &
  (while :; do cat /etc/passwd | wc -l > /tmp/users; sleep 3; done) &
  (while :; do /usr/local/bin/healthcheck 2>/dev/null || true; sleep 5; done) &
  exec sh -c "while :; do sleep 10; done"' >/dev/null
echo "demo container $name is running" >&2
