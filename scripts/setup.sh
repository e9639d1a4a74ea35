#!/bin/sh
# Installs the Debian packages the test suite and the demo use, only those missing.
# Idempotent and quiet: prints one line per install, the apt log only on failure.
#
#   sh scripts/setup.sh           install what is missing (root), exit 1 if that fails
#   sh scripts/setup.sh --check   print the missing packages on one line (nothing: all there)
#
# A failure ends with one line that names the packages (demo and dev print just that line).
set -u
need=""
has() { command -v "$1" >/dev/null 2>&1; }
want() { need="$need $1"; }

missing() {
  need=""
  has etcd || want etcd-server
  has etcdctl || want etcd-client
  { has ip && has bridge; } || want iproute2
  ldconfig -p 2>/dev/null | grep -q 'libmnl\.so\.0 ' || want libmnl0
  has nft || want nftables
  { has iptables && has iptables-restore; } || want iptables
  has iperf3 || want iperf3
  has ping || want iputils-ping
  has curl || want curl
  has openssl || want openssl
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || want containernetworking-plugins
  # Any working kubectl will do (some images ship Google's); Debian's conflicts with it.
  has kubectl || want kubernetes-client
  has systemd-analyze || want systemd
  has cloud-init || want cloud-init
}

missing
if [ "${1:-}" = --check ]; then
  [ -z "$need" ] || echo "${need# }"
  exit 0
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing Debian packages:$need (run as root to install them)" >&2
  exit 0
fi
echo "setup: installing$need" >&2
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $need >"$log" 2>&1; then
  apt-get update -qq >>"$log" 2>&1
  # shellcheck disable=SC2086
  if ! apt-get install -y -qq --no-install-recommends $need >>"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: apt-get could not install:$need (install them, then run again)" >&2
    exit 1
  fi
fi
rm -f "$log"
wanted=$need
missing
if [ -n "$need" ]; then
  echo "setup: still missing after installing$wanted:$need (are their commands on PATH?)" >&2
  exit 1
fi
