#!/usr/bin/env bash
# `npm start`: set up what is missing (packages, dockerd, node modules,
# code-server), build and package the extension, start the demo container,
# and serve a real VS Code in the browser with the extension installed.
# PORT (default 8080) and HOST (default 127.0.0.1) choose where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then exec sudo -E bash "$0" "$@"; fi
bash scripts/setup.sh
bin=$(bash scripts/code-server.sh)
npm run --silent package >/dev/null
bash scripts/demo-container.sh ct-demo

dir="$PWD/.code-server"
mkdir -p "$dir/user-data/User" "$dir/extensions" "$dir/workspace"
bash scripts/demo-source.sh "$dir/workspace" ct-demo-app
[ -f "$dir/user-data/User/settings.json" ] || cat > "$dir/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "git.openRepositoryInParentFolders": "never"
}
JSON
vsix=$(ls -t dist/container-trace-*.vsix | head -1)
"$bin" --extensions-dir "$dir/extensions" --user-data-dir "$dir/user-data" --install-extension "$vsix" --force >/dev/null
port="${PORT:-8080}"
host="${HOST:-127.0.0.1}"
cat >&2 <<MSG

  Container Trace is ready:  http://$host:$port/?folder=$dir/workspace

  Open it, click the Container Trace icon in the activity bar, then run
  "Container Trace: Trace Process in Container" (F1) and pick ct-demo.
  Open main.c: ct-demo-app runs it; "Trace calls" over a function traces it live.
  (On a remote machine: ssh -L $port:127.0.0.1:$port <host>, then open the URL locally.)
  Stop with Ctrl-C. The demo containers keep running: docker rm -f ct-demo ct-demo-app

MSG
exec "$bin" --bind-addr "$host:$port" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
  --extensions-dir "$dir/extensions" --user-data-dir "$dir/user-data" "$dir/workspace"
