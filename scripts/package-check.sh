#!/usr/bin/env bash
# CI's package check (docs/packaging.md, "What CI checks"): builds the .deb and the binary
# .rpm, lints both, installs the .deb, runs the installed daemon as user xerod on a private
# system bus behind the installed D-Bus policy, then purges the package and checks that
# only the documented state is left.
#
# Runs as root on a Debian 12 machine without systemd as PID 1 (xerod is started directly,
# the way the unit would start it). Refuses to run when a xerod package is installed: the
# check ends by purging it.
#
# Environment:
#   SKIP_DEPS=1   do not apt-get anything (scripts/install-deps.sh was run)
#   KEEP_WORK=1   keep the scratch directory (packages, logs)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
start=$(date +%s)
step() { echo "== package-check [$(($(date +%s) - start))s]: $*"; }
fail() {
  echo "package-check: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg -i, runuser, a system bus)"
if dpkg-query -W -f='${Status}' xerod 2>/dev/null | grep -qv "not-installed"; then
  fail "a xerod package is installed here; this check would purge it (dpkg --purge xerod first)"
fi

work=$(mktemp -d /tmp/xerod-package-check.XXXXXX)
bus_dir=""
dbus_pid=""
xerod_pid=""
installed=0
cleanup() {
  local rc=$?
  [ -n "$xerod_pid" ] && kill "$xerod_pid" 2>/dev/null && wait "$xerod_pid" 2>/dev/null
  [ -n "$dbus_pid" ] && kill "$dbus_pid" 2>/dev/null && wait "$dbus_pid" 2>/dev/null
  if [ "$rc" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] && { echo "--- $log"; tail -n 40 "$log"; }
    done
    # Leave the machine as it was, so the next run can start again.
    [ "$installed" = 1 ] && dpkg --purge xerod >/dev/null 2>&1
  fi
  [ -n "$bus_dir" ] && rm -rf "$bus_dir"
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "package-check: kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT

# --- 1. Build ---------------------------------------------------------------------------
step "dependencies"
if [ "${SKIP_DEPS:-0}" != 1 ]; then
  scripts/install-deps.sh
fi
for tool in lintian rpmbuild rpmlint; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done

step "build the .deb, and the .rpm from the same build (scripts/package.sh RPM=reuse)"
OUT_DIR=$work/out WORK_DIR=$work/build RPM=reuse scripts/package.sh >"$work/package.log" 2>&1 \
  || fail "scripts/package.sh (log: $work/package.log)"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes=$(ls "$work"/out/xerod_*_"$arch".changes)
deb=$(ls "$work"/out/xerod_*_"$arch".deb)
rpm=$(ls "$work"/out/xerod-[0-9]*."$(uname -m)".rpm)
srpm=$(ls "$work"/out/xerod-*.src.rpm)
ls -l "$work/out"

# --- 2. Lint ----------------------------------------------------------------------------
step "lintian (errors and warnings fail; overrides: debian/xerod.lintian-overrides)"
# (--show-overrides would make overridden warnings fail too: lintian 2.116 counts them.)
lintian --pedantic -I --fail-on error,warning "$changes"
echo "overridden (each with its reason in debian/xerod.lintian-overrides):"
lintian --pedantic -I --show-overrides "$changes" 2>/dev/null | grep '^O:' || true

step "rpmlint (errors fail; filters: packaging/rpm/xerod.rpmlintrc)"
# Both packages in one run: a filter only the source package needs is then not "unused".
# rpmlint 2.4 exits 64 when it reports an error.
rpmlint --rpmlintrc packaging/rpm/xerod.rpmlintrc "$rpm" "$srpm" >"$work/rpmlint.out" 2>&1 \
  || { cat "$work/rpmlint.out"; fail "rpmlint reported errors"; }
cat "$work/rpmlint.out"
grep -Eq ' checked; 0 errors' "$work/rpmlint.out" || fail "rpmlint reported errors"
rpm -qlp "$rpm" >"$work/rpm-files.txt"
for f in /usr/sbin/xerod /usr/bin/xerod-ctl /usr/share/man/man8/xerod.8.gz \
  /usr/share/man/man1/xerod-ctl.1.gz /usr/share/man/man5/xerod.yaml.5.gz \
  /usr/lib/systemd/system/xerod.service /usr/share/dbus-1/system.d/org.xerod.Xerod1.conf; do
  grep -qx "$f" "$work/rpm-files.txt" || fail "the .rpm lacks $f"
done
[ "$(rpm -qcp "$rpm")" = /etc/xerod/xerod.yaml ] || fail "the .rpm's config files: $(rpm -qcp "$rpm")"

# --- 3. Install -------------------------------------------------------------------------
# What the package may leave behind after purge is compared against this list.
snapshot() {
  find /etc /usr /var /lib /opt /srv -xdev \
    \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
    -o -path /var/tmp -o -path /var/backups -o -name __pycache__ \) -prune -o -print \
    2>/dev/null | sort
}
step "install the .deb (dpkg -i, after its Depends with apt-get satisfy)"
depends=$(dpkg-deb -f "$deb" Depends)
if [ "${SKIP_DEPS:-0}" != 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -q --no-install-recommends "$depends" \
    >"$work/satisfy.log" 2>&1 || fail "apt-get satisfy '$depends'"
fi
snapshot >"$work/before.txt"
installed=1
dpkg -i "$deb"
for f in /usr/sbin/xerod /usr/bin/xerod-ctl /etc/xerod/xerod.yaml /lib/systemd/system/xerod.service \
  /usr/share/dbus-1/system.d/org.xerod.Xerod1.conf /usr/share/man/man8/xerod.8.gz \
  /usr/share/man/man1/xerod-ctl.1.gz /usr/share/man/man5/xerod.yaml.5.gz; do
  [ -e "$f" ] || fail "$f is not installed"
done
id xerod >/dev/null || fail "postinst did not create the user xerod"
getent group xerod-admin >/dev/null || fail "postinst did not create the group xerod-admin"
[ "$(stat -c '%U:%G %a' /etc/xerod)" = "root:xerod 750" ] \
  || fail "/etc/xerod is $(stat -c '%U:%G %a' /etc/xerod), not root:xerod 750"
man -w xerod.yaml >/dev/null || fail "man cannot find xerod.yaml(5)"

step "xerod --check-config on the installed config (as root and as xerod)"
xerod --check-config --config /etc/xerod/xerod.yaml
setpriv --reuid=xerod --regid=xerod --init-groups \
  xerod --check-config --config /etc/xerod/xerod.yaml

# --- 4. Run -----------------------------------------------------------------------------
step "a private system bus with the installed policy"
bus_dir=$(mktemp -d /tmp/xerod-bus.XXXXXX)
chmod 0755 "$bus_dir"
bus_address="unix:path=$bus_dir/system_bus_socket"
# The stock system bus's default policy (/usr/share/dbus-1/system.conf) on our own socket,
# with the policies packages install, xerod's among them.
cat >"$bus_dir/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$bus_address</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus.Debug.Stats"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.systemd1.Activator"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.systemd1.Activator"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
EOF
dbus-daemon --config-file="$bus_dir/system.conf" --nofork --nopidfile >"$work/dbus.log" 2>&1 &
dbus_pid=$!
for _ in $(seq 100); do
  [ -S "$bus_dir/system_bus_socket" ] && break
  sleep 0.1
done
[ -S "$bus_dir/system_bus_socket" ] || fail "dbus-daemon did not start"
export DBUS_SYSTEM_BUS_ADDRESS=$bus_address

step "start the installed xerod as user xerod"
# What the unit would do: StateDirectory=xerod (mode 0700), UMask=0077, User=/Group=xerod.
install -d -o xerod -g xerod -m 0700 /var/lib/xerod
(
  umask 0077
  exec setpriv --reuid=xerod --regid=xerod --init-groups \
    env GNUTLS_NO_IMPLICIT_INIT=1 /usr/sbin/xerod --config /etc/xerod/xerod.yaml
) >"$work/xerod.log" 2>&1 &
xerod_pid=$!
for _ in $(seq 100); do
  xerod-ctl status >/dev/null 2>&1 && break
  kill -0 "$xerod_pid" 2>/dev/null || fail "xerod exited (log: $work/xerod.log)"
  sleep 0.1
done

step "xerod-ctl status as root"
xerod-ctl status
database=$(xerod-ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])')
[ "$(stat -c %U "$database")" = xerod ] || fail "$database (from the installed config) is not xerod's"

step "a mutating call as nobody is refused; reading is allowed"
runuser -u nobody -- env DBUS_SYSTEM_BUS_ADDRESS="$bus_address" xerod-ctl status >/dev/null \
  || fail "xerod-ctl status as nobody failed"
set +e
runuser -u nobody -- env DBUS_SYSTEM_BUS_ADDRESS="$bus_address" xerod-ctl pause \
  >"$work/nobody.out" 2>&1
rc=$?
set -e
cat "$work/nobody.out"
[ "$rc" -eq 1 ] && grep -q "permission denied" "$work/nobody.out" \
  || fail "xerod-ctl pause as nobody: exit $rc, expected 1 and 'permission denied'"
xerod-ctl --json status | grep -q '"paused": *false' || fail "nobody paused the queue"
xerod-ctl pause >/dev/null && xerod-ctl resume >/dev/null || fail "pause/resume as root"

step "stop xerod (SIGTERM: exit 0) and the bus"
kill -TERM "$xerod_pid"
set +e
wait "$xerod_pid"
rc=$?
set -e
xerod_pid=""
[ "$rc" -eq 0 ] || fail "xerod exited $rc after SIGTERM (log: $work/xerod.log)"
kill "$dbus_pid"
wait "$dbus_pid" 2>/dev/null || true
dbus_pid=""

# --- 5. Purge ---------------------------------------------------------------------------
step "apt-get purge xerod; what is left must be what docs/packaging.md says"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q xerod >"$work/purge.log" 2>&1 \
  || fail "apt-get purge xerod"
installed=0
dpkg-query -W -f='${Status}' xerod 2>/dev/null | grep -q "not-installed" \
  || [ -z "$(dpkg-query -W -f='${Status}' xerod 2>/dev/null)" ] \
  || fail "dpkg still knows xerod: $(dpkg-query -W -f='${Status}' xerod)"
snapshot >"$work/after.txt"
# Documented leftovers: the system users (entries in existing files) and the backups
# systemd-sysusers writes when it adds them.
left=$(comm -13 "$work/before.txt" "$work/after.txt" | grep -Ev '^/etc/(passwd|group|shadow|gshadow)-$' || true)
gone=$(comm -23 "$work/before.txt" "$work/after.txt" || true)
[ -z "$left" ] || fail "purge left files behind:"$'\n'"$left"
[ -z "$gone" ] || fail "files that were there before the install are gone:"$'\n'"$gone"
for path in /var/lib/xerod /etc/xerod; do
  [ ! -e "$path" ] || fail "$path is still there after purge"
done
id xerod >/dev/null && getent group xerod-admin >/dev/null \
  || fail "purge removed the users xerod/xerod-admin (documented to stay)"

step "passed in $(($(date +%s) - start))s"
