#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for Container Trace (as root):
# system packages, a running dockerd, tracefs, node modules. Idempotent:
# each step is skipped when already done. Used by `npm start` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi

# Debian package → a file it installs.
declare -A need=(
  [clang]=/usr/bin/clang
  [llvm]=/usr/bin/llvm-strip
  [libbpf-dev]=/usr/include/bpf/libbpf.h
  [bpftool]=/usr/sbin/bpftool
  [docker.io]=/usr/sbin/dockerd
  [busybox-static]=/bin/busybox
  [procps]=/usr/bin/ps
  [strace]=/usr/bin/strace
  # the e2e tests: headless Chromium, and code-server's native build needs
  [chromium]=/usr/bin/chromium
  [libkrb5-dev]=/usr/include/krb5.h
  [pkg-config]=/usr/bin/pkg-config
  # elevation: the helper starts through pkexec or sudo; tests use both
  [sudo]=/usr/bin/sudo
  [pkexec]=/usr/bin/pkexec
  [polkitd]=/usr/lib/polkit-1/polkitd
  [dbus]=/usr/bin/dbus-daemon
  # the other runtimes: Podman (rootful and rootless), containerd comes with docker.io
  [podman]=/usr/bin/podman
  # an OCI runtime Podman can use on a hybrid-cgroup host (crun refuses it)
  [runc]=/usr/sbin/runc
  [uidmap]=/usr/bin/newuidmap
  [slirp4netns]=/usr/bin/slirp4netns
  # a stripped Go program (its functions named by .gopclntab alone), for the profile tests
  [containernetworking-plugins]=/usr/lib/cni/loopback
  [curl]=/usr/bin/curl
  # the packaging test lists the .vsix
  [unzip]=/usr/bin/unzip
  # npm run bench: the peer it is measured against
  [bpftrace]=/usr/bin/bpftrace
)
missing=()
for pkg in "${!need[@]}"; do
  [ -e "${need[$pkg]}" ] || missing+=("$pkg")
done
# Extra packages a caller needs (e.g. the e2e tests' browser).
for pkg in ${SETUP_EXTRA_PACKAGES:-}; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  # dockerd uses a system containerd when /run/containerd/containerd.sock
  # exists; a socket file left by a containerd that is gone (a machine whose
  # processes were killed) makes it wait on nobody and give up. Remove it.
  if [ -S /run/containerd/containerd.sock ] && command -v ctr >/dev/null \
     && ! timeout 5 ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; then
    log "removing a stale /run/containerd/containerd.sock (no containerd answers on it)"
    rm -f /run/containerd/containerd.sock /run/containerd/containerd.sock.ttrpc
  fi
  log "starting dockerd"
  mkdir -p /var/log
  (setsid dockerd >/var/log/container-trace-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/container-trace-dockerd.log"; exit 1; }
fi

mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  log "installing node modules"
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/make-image.sh
# Podman (rootful API, rootless user ct-rl), standalone containerd + CRI, their images.
bash scripts/runtimes-setup.sh
log "ready"
