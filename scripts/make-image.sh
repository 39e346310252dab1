#!/usr/bin/env bash
# Build the local busybox image the tests and the demo use, with no registry:
# a root filesystem tarball piped into `docker import`. Idempotent.
set -euo pipefail
image="${1:-container-trace/busybox:latest}"
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is needed: apt-get install busybox-static" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image" >&2
