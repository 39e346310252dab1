#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100 with a Node extension host, the
# same remote host Remote-SSH uses) into .code-server/, offline-safe: the
# ripgrep download of its postinstall is served from the npm package
# @vscode/ripgrep-linux-x64. Prints the path of the code-server binary.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
dir="$PWD/.code-server"
bin="$dir/node_modules/.bin/code-server"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "^$VERSION"; then echo "$bin"; exit 0; fi
log() { printf '[code-server] %s\n' "$*" >&2; }

if ! dpkg -s libkrb5-dev pkg-config >/dev/null 2>&1; then
  log "installing libkrb5-dev pkg-config"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libkrb5-dev pkg-config >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libkrb5-dev pkg-config >/dev/null; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$tarball" ]; then
  log "seeding the ripgrep cache from @vscode/ripgrep-linux-x64"
  (cd "$tmp" && npm pack --silent @vscode/ripgrep-linux-x64 >/dev/null && tar xzf vscode-ripgrep-linux-x64-*.tgz)
  rg=$(find "$tmp/package" -type f -name rg | head -1)
  [ -n "$rg" ] || { log "no rg binary in @vscode/ripgrep-linux-x64"; exit 1; }
  mkdir -p "$cache" "$tmp/rgdir"
  cp "$rg" "$tmp/rgdir/rg"
  tar czf "$tarball" -C "$tmp/rgdir" rg
fi

log "installing code-server $VERSION into .code-server (about a minute)"
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"ct-code-server","private":true}' > "$dir/package.json"
(cd "$dir" && npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund --loglevel=error "code-server@$VERSION" >&2)
"$bin" --version >/dev/null
echo "$bin"
