#!/usr/bin/env bash
# The container runtimes beside Docker, as a developer host has them (run as
# root, idempotent): rootful Podman with its API socket, rootless Podman for
# the user ct-rl, a standalone containerd with its CRI plugin on its own
# socket and state directory, and the local images each one needs (no
# registry: images come from `docker save`).
#   /run/podman/podman.sock                 rootful Podman (Docker-compatible API)
#   /run/user/<ct-rl uid>/podman/podman.sock rootless Podman of ct-rl
#   /run/containerd/containerd.sock         containerd API + CRI (runtime.v1)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[runtimes] %s\n' "$*" >&2; }
IMAGE=container-trace/busybox:latest
PAUSE=container-trace/pause:latest

bash scripts/make-image.sh "$IMAGE"
# The pod sandbox image CRI starts first: busybox whose CMD sleeps.
if ! docker image inspect "$PAUSE" >/dev/null 2>&1; then
  docker create --name ct-pause-src "$IMAGE" true >/dev/null
  docker export ct-pause-src | docker import -c 'CMD ["/bin/sleep","2147483647"]' - "$PAUSE" >/dev/null
  docker rm ct-pause-src >/dev/null
fi
# A node image: containerd, its shim, runc and libseccomp from the host's
# packages on the busybox root, as a kind node holds a runtime of its own.
NODE=container-trace/node:latest
if ! docker image inspect "$NODE" >/dev/null 2>&1; then
  root=$(mktemp -d)
  docker create --name ct-node-src "$IMAGE" true >/dev/null
  docker export ct-node-src | tar -C "$root" -x
  docker rm ct-node-src >/dev/null
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/etc/containerd" "$root/var/lib/containerd" "$root/images"
  cp /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr "$root/usr/bin/"
  cp /usr/sbin/runc "$root/usr/sbin/"
  # shared libraries they need (runc: libseccomp; the rest are static or libc)
  for bin in /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr /usr/sbin/runc; do
    ldd "$bin" 2>/dev/null | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
  done
  cat > "$root/etc/containerd/config.toml" <<'TOML'
version = 2
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "docker.io/container-trace/pause:latest"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
TOML
  docker save "$IMAGE" > "$root/images/busybox.tar"
  cat > "$root/bin/node-init" <<'SH'
#!/bin/sh
# A node: its own containerd (native snapshotter: no overlay on overlay),
# the test image imported, then it waits.
mkdir -p /run/containerd /tmp
containerd --config /etc/containerd/config.toml >/tmp/containerd.log 2>&1 &
for i in $(seq 1 100); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.1; done
ctr -n default images import --snapshotter native /images/busybox.tar >/tmp/import.log 2>&1
touch /run/node-ready
wait
SH
  chmod +x "$root/bin/node-init"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/node-init"]' - "$NODE" >/dev/null
  rm -rf "$root"
  log "built $NODE"
fi

# Podman: default ulimits this machine can apply (no CAP_SYS_RESOURCE here).
mkdir -p /etc/containers
if ! grep -q '^default_ulimits' /etc/containers/containers.conf 2>/dev/null; then
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n' >> /etc/containers/containers.conf
fi
if ! podman image exists "localhost/$IMAGE" 2>/dev/null; then
  docker save "$IMAGE" | podman load -q >/dev/null
fi
# Podman's OCI runtime: apt satisfies Podman's "crun | runc" with either,
# depending on what came first, and crun refuses a host with cgroup v1
# controllers beside a cgroup v2 hierarchy that has controllers of its own
# ("cgroups in hybrid mode not supported"). Whichever was picked, Podman
# gets one that starts a container here, chosen by trying (containers.conf
# [engine] runtime, read by rootful and rootless Podman alike).
podman_runs() { timeout 120 podman "$@" run --rm --network none "localhost/$IMAGE" true 2>&1; }
set_runtime() {
  local conf=/etc/containers/containers.conf
  if grep -q '^runtime *=' "$conf"; then
    sed -i "s|^runtime *=.*|runtime = \"$1\"|" "$conf"
  elif grep -q '^\[engine\]' "$conf"; then
    sed -i "/^\[engine\]/a runtime = \"$1\"" "$conf"
  else
    printf '\n[engine]\nruntime = "%s"\n' "$1" >> "$conf"
  fi
}
if ! why=$(podman_runs); then
  default=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || echo "its default")
  chosen=""
  for rt in runc crun; do
    [ "$rt" = "$default" ] && continue
    command -v "$rt" >/dev/null 2>&1 || [ -x "/usr/sbin/$rt" ] || continue
    if podman_runs --runtime "$rt" >/dev/null; then chosen=$rt; break; fi
  done
  if [ -z "$chosen" ]; then
    log "Podman cannot start a container on this host with $default ($(printf '%s' "$why" | tail -n 1)) nor with runc or crun; install runc (apt-get install runc) or boot with one cgroup hierarchy (systemd.unified_cgroup_hierarchy=1)"
    exit 1
  fi
  log "Podman's OCI runtime $default cannot start containers here ($(printf '%s' "$why" | tail -n 1)); using $chosen ([engine] runtime in /etc/containers/containers.conf)"
  set_runtime "$chosen"
  podman_runs >/dev/null || { log "Podman still cannot start a container with $chosen"; exit 1; }
  # An API service started before reads the old choice: start it again.
  pkill -f 'podman system service --time=0 unix:///run/podman/podman.sock' 2>/dev/null || true
  sleep 0.5
fi
if ! curl -sf --unix-socket /run/podman/podman.sock http://d/_ping >/dev/null 2>&1; then
  log "starting the rootful Podman API on /run/podman/podman.sock"
  mkdir -p /run/podman
  (setsid podman system service --time=0 unix:///run/podman/podman.sock >/var/log/container-trace-podman.log 2>&1 &)
  for _ in $(seq 1 50); do curl -sf --unix-socket /run/podman/podman.sock http://d/_ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

# Rootless Podman: user ct-rl with subordinate ids and a runtime dir.
id ct-rl >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ct-rl
uid=$(id -u ct-rl)
grep -q '^ct-rl:' /etc/subuid || echo "ct-rl:200000:65536" >> /etc/subuid
grep -q '^ct-rl:' /etc/subgid || echo "ct-rl:200000:65536" >> /etc/subgid
install -d -o ct-rl -g ct-rl -m 700 "/run/user/$uid"
as_rl() { runuser -u ct-rl -- env XDG_RUNTIME_DIR="/run/user/$uid" HOME="/home/ct-rl" "$@"; }
# A pause process recorded in the runtime dir but killed since (a machine whose
# processes were stopped) leaves rootless Podman refusing every command.
if ! as_rl podman info >/dev/null 2>&1; then
  log "resetting rootless Podman's state for ct-rl (podman system migrate)"
  as_rl podman system migrate >/dev/null 2>&1 || true
fi
if ! as_rl podman image exists "localhost/$IMAGE" 2>/dev/null; then
  docker save "$IMAGE" > /tmp/ct-busybox.tar
  chmod 644 /tmp/ct-busybox.tar
  as_rl podman load -q -i /tmp/ct-busybox.tar >/dev/null
  rm -f /tmp/ct-busybox.tar
fi
# The same runtime choice must start ct-rl's rootless containers.
if ! why=$(as_rl timeout 120 podman run --rm --network none "localhost/$IMAGE" true 2>&1); then
  log "rootless Podman (ct-rl) cannot start a container: $(printf '%s' "$why" | tail -n 1)"
  exit 1
fi

# Standalone containerd (not Docker's) with CRI: own socket, own state.
mkdir -p /etc/containerd
cat > /etc/containerd/config.toml <<'TOML'
version = 2
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    restrict_oom_score_adj = true
    sandbox_image = "docker.io/container-trace/pause:latest"
TOML
if ! ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1; then
  log "starting containerd on /run/containerd/containerd.sock"
  (setsid containerd --config /etc/containerd/config.toml >/var/log/container-trace-containerd.log 2>&1 &)
  for _ in $(seq 1 100); do ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1 && break; sleep 0.1; done
  ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1 || { log "containerd did not start; see /var/log/container-trace-containerd.log"; exit 1; }
fi
for ns in default k8s.io; do
  for img in "$IMAGE" "$PAUSE"; do
    if ! ctr -n "$ns" images check "name==docker.io/$img" 2>/dev/null | grep -q "docker.io/$img"; then
      docker save "$img" | ctr -n "$ns" images import - >/dev/null
    fi
  done
done
log "ready"
