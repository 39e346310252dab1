#!/usr/bin/env bash
# Test fixtures for the privilege paths (run as root, idempotent): three
# unprivileged users, each allowed to start the installed helper one way,
# and the system D-Bus with polkitd for the real pkexec.
#   ct-nopw    sudoers: the launcher only, NOPASSWD
#   ct-polkit  polkit rule: the helper's action, allowed
#   ct-pw      sudoers: the launcher only, with a password (ct-pw-secret)
set -euo pipefail
launcher=/usr/local/lib/container-trace/helper/container-trace-helper
for u in ct-nopw ct-polkit ct-pw; do
  id "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$u"
  # docker group: the CLI lists containers as the user
  getent group docker >/dev/null && usermod -aG docker "$u"
done
echo 'ct-pw:ct-pw-secret' | chpasswd
cat > /etc/sudoers.d/container-trace-tests <<SUDO
ct-nopw ALL=(root) NOPASSWD: $launcher
ct-pw ALL=(root) $launcher
SUDO
chmod 0440 /etc/sudoers.d/container-trace-tests
mkdir -p /etc/polkit-1/rules.d
cat > /etc/polkit-1/rules.d/50-container-trace-tests.rules <<'RULES'
polkit.addRule(function (action, subject) {
  if (action.id == "io.containertrace.helper" && subject.user == "ct-polkit") return polkit.Result.YES;
});
RULES
mkdir -p /run/dbus
[ -S /run/dbus/system_bus_socket ] || dbus-daemon --system --fork
pgrep -x polkitd >/dev/null || (setsid /usr/lib/polkit-1/polkitd --no-debug >/var/log/container-trace-polkitd.log 2>&1 &)
for _ in $(seq 1 50); do busctl status org.freedesktop.PolicyKit1 >/dev/null 2>&1 && break; sleep 0.1; done
