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

# The same demo under the other runtimes, when they are there: Podman and containerd.
if command -v podman >/dev/null && podman image exists localhost/container-trace/busybox:latest 2>/dev/null; then
  if [ "$(podman inspect -f '{{.State.Running}}' "$name-podman" 2>/dev/null)" != true ]; then
    podman rm -f "$name-podman" >/dev/null 2>&1 || true
    podman run -d --name "$name-podman" --network none localhost/container-trace/busybox:latest sh -c 'while :; do date > /tmp/now; sleep 2; done' >/dev/null && echo "demo container $name-podman is running (Podman)" >&2
  fi
fi
if [ -S /run/containerd/containerd.sock ] && ctr -n default images check "name==docker.io/container-trace/busybox:latest" 2>/dev/null | grep -q busybox; then
  if ! ctr -n default task ls 2>/dev/null | grep -q "^$name-containerd .*RUNNING"; then
    ctr -n default task rm -f "$name-containerd" >/dev/null 2>&1 || true
    ctr -n default container rm "$name-containerd" >/dev/null 2>&1 || true
    ctr -n default run -d docker.io/container-trace/busybox:latest "$name-containerd" sh -c 'while :; do date > /tmp/now; sleep 2; done' >/dev/null && echo "demo container default/$name-containerd is running (containerd)" >&2
  fi
fi
