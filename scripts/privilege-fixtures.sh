#!/usr/bin/env bash
# Test fixtures for the privilege paths (run as root, idempotent): three
# unprivileged users, each allowed to start the installed helper one way,
# and the system D-Bus with polkitd for the real pkexec.
#   ct-nopw    sudoers: the launcher only, NOPASSWD
#   ct-polkit  polkit rule: the helper's action, allowed
#   ct-pw      sudoers: the launcher only, with a password (ct-pw-secret)
#   ct-rl      sudoers: the launcher only, NOPASSWD; has rootless Podman
#              containers (scripts/runtimes-setup.sh makes the user)
set -euo pipefail
launcher=/usr/local/lib/container-trace/helper/container-trace-helper
id ct-rl >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ct-rl
for u in ct-nopw ct-polkit ct-pw; do
  id "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$u"
  # docker group: the CLI lists containers as the user
  getent group docker >/dev/null && usermod -aG docker "$u"
done
echo 'ct-pw:ct-pw-secret' | chpasswd
cat > /etc/sudoers.d/container-trace-tests <<SUDO
ct-nopw ALL=(root) NOPASSWD: $launcher ""
ct-pw ALL=(root) $launcher ""
ct-rl ALL=(root) NOPASSWD: $launcher ""
SUDO
chmod 0440 /etc/sudoers.d/container-trace-tests
mkdir -p /etc/polkit-1/rules.d
cat > /etc/polkit-1/rules.d/50-container-trace-tests.rules <<'RULES'
polkit.addRule(function (action, subject) {
  if (action.id == "io.containertrace.helper" && subject.user == "ct-polkit") return polkit.Result.YES;
});
RULES
# The system bus and polkitd. A machine restored from a snapshot can keep
# /run/dbus/system_bus_socket and /run/dbus/pid with no daemon behind them,
# so liveness is asked of the bus itself, never read from the files.
bus_alive() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1
}
polkit_alive() {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner \
    string:org.freedesktop.PolicyKit1 >/dev/null 2>&1
}
mkdir -p /run/dbus
if ! bus_alive; then
  rm -f /run/dbus/system_bus_socket /run/dbus/pid
  dbus-daemon --system --fork
  for _ in $(seq 1 50); do bus_alive && break; sleep 0.1; done
  bus_alive || { echo "privilege-fixtures: the system D-Bus did not start" >&2; exit 1; }
fi
if ! polkit_alive; then
  pkill -x polkitd 2>/dev/null || true
  (setsid /usr/lib/polkit-1/polkitd --no-debug >/var/log/container-trace-polkitd.log 2>&1 &)
  for _ in $(seq 1 100); do polkit_alive && break; sleep 0.1; done
  polkit_alive || { echo "privilege-fixtures: polkitd did not register on the system bus; see /var/log/container-trace-polkitd.log" >&2; exit 1; }
fi
