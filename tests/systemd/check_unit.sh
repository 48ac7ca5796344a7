#!/usr/bin/env bash
# The generated xerod.service: hardened as docs/packaging.md says. Fails when
# systemd-analyze scores its exposure above 1.2, or when a setting the
# security review asked for is missing.
#   check_unit.sh path/to/xerod.service
set -euo pipefail
unit=$1
command -v systemd-analyze > /dev/null || { echo "systemd-analyze is missing (apt-get install systemd)"; exit 1; }
# --threshold compares with the score x 10.
if ! out=$(systemd-analyze security --offline=yes --no-pager --threshold=12 "$unit" 2>&1); then
  echo "$out" | grep -E '^✗|Overall'
  echo "FAIL: exposure above 1.2"
  exit 1
fi
echo "$out" | grep Overall
fail=0
for want in 'LimitCORE=0' 'PrivateIPC=yes' 'SocketBindDeny=any' 'SocketBindAllow=tcp:8765' \
            'MemoryMax=' 'StartLimitBurst=' 'NoNewPrivileges=yes' 'UMask=0077'; do
  grep -q "^$want" "$unit" || { echo "FAIL: $unit lacks $want"; fail=1; }
done
# The redirect listener's port in the unit and in the shipped config agree.
conf=$(dirname "$0")/../../etc/xerod/xerod.yaml
port=$(sed -n 's|^ *redirect_uri: *http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$conf")
grep -q "^SocketBindAllow=tcp:$port\$" "$unit" || { echo "FAIL: redirect port $port not allowed"; fail=1; }
exit $fail
