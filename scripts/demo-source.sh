#!/usr/bin/env bash
# The demo's workspace project: test/fixtures/source-project copied into the
# workspace (when it has no main.c yet), compiled with -g inside a container
# from the workspace bound at /src (the host's compiler lent read-only), and
# run there as `ct-demo-app` (no network). Open main.c: its functions carry
# "Trace calls"; a failed open's stack frame opens its line.
set -euo pipefail
cd "$(dirname "$0")/.."
workspace="$1"
name="${2:-ct-demo-app}"
mkdir -p "$workspace"
[ -f "$workspace/main.c" ] || cp test/fixtures/source-project/main.c test/fixtures/source-project/data.txt "$workspace/"
if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then exit 0; fi
docker rm -f "$name" >/dev/null 2>&1 || true
docker run --rm --network none -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v "$workspace:/src" -w /src \
  container-trace/busybox:latest /usr/bin/gcc -g -O0 -static -o app main.c
docker run -d --name "$name" --network none --label container-trace.demo=1 -v "$workspace:/src" container-trace/busybox:latest /src/app >/dev/null
echo "demo container $name runs the workspace's main.c (compiled in a container from $workspace)" >&2
